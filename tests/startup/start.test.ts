import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { findFreePort } from "@/lib/db/embedded";

const ROOT = path.resolve(import.meta.dirname, "../..");

interface Exit {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** Runs `npm start`'s entry with extra environment and waits for it to exit. */
function start(env: Record<string, string>, timeoutMs = 60_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/start.mjs"], {
      cwd: ROOT,
      env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", CORDON_LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`start did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npm start refuses bad configuration", () => {
  test("DATABASE_URL that is not a URL stops with one line", async () => {
    const result = await start({ DATABASE_URL: "not-a-url" });

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^cordon: DATABASE_URL has the given value, which is invalid/);
  });

  test("unreachable DATABASE_URL stops after a bounded retry naming host and port, not the password", async () => {
    const port = await findFreePort();

    const result = await start({ DATABASE_URL: `postgresql://cordon:s3cret-password@127.0.0.1:${port}/cordon`, CORDON_DB_CONNECT_TIMEOUT_SECONDS: "2" });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach PostgreSQL at 127.0.0.1:${port}/cordon`);
    expect(result.stderr).not.toContain("s3cret-password");
    expect(result.stdout).not.toContain("s3cret-password");
  });

  test("an invalid policy file stops with its file and line", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-bad-policy-"));
    await fs.cp(path.join(ROOT, "policies"), dir, { recursive: true });
    await fs.writeFile(path.join(dir, "broken.cedar"), '@id("broken")\npermit (\n  principal,\n  action == Cordon::Action::"propose"\n  resource\n);\n');

    const result = await start({ CORDON_POLICY_DIR: dir, DATABASE_URL: "postgresql://cordon:x@127.0.0.1:1/cordon" });

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^cordon: \S*broken\.cedar:5:\d+: unexpected token/);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
