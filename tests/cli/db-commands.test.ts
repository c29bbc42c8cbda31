import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { withDatabase } from "@/lib/db/embedded";
import { inject } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

function cordon(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/cordon.mjs", ...args], { cwd: ROOT, env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let url: string;
const name = `cordon_cli_${process.pid}`;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: withDatabase(inject("templateDatabaseUrl"), "postgres") });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  url = withDatabase(inject("templateDatabaseUrl"), name);
});

afterAll(async () => {
  const admin = new pg.Client({ connectionString: withDatabase(inject("templateDatabaseUrl"), "postgres") });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe("cordon db", () => {
  test("status lists pending migrations on an empty database", async () => {
    const result = await cordon(["db", "status", "--json"], { DATABASE_URL: url });

    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { applied: unknown[]; pending: string[]; failed: string[] };
    expect(status.applied).toEqual([]);
    expect(status.pending.length).toBeGreaterThan(0);
    expect(status.pending[0]).toMatch(/^\d{14}_init$/);
  });

  test("migrate applies them and status then reports each as applied", async () => {
    const migrated = await cordon(["db", "migrate", "--json"], { DATABASE_URL: url });
    const status = await cordon(["db", "status"], { DATABASE_URL: url });

    expect(migrated.code).toBe(0);
    expect((JSON.parse(migrated.stdout) as { applied: string[] }).applied.length).toBeGreaterThan(0);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^applied {2}\d{14}_init {2}\d{4}-/m);
    expect(status.stdout).toContain("Database schema is up to date.");
  });

  test("a bad DATABASE_URL fails with one line", async () => {
    const result = await cordon(["db", "status"], { DATABASE_URL: "not-a-url" });

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^cordon: DATABASE_URL has the given value, which is invalid/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});
