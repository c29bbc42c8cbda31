import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { ensureQueueSchema } from "./queue-schema";
import { createLifecycle, startScimDomain, waitForState, type Lifecycle, type ScimDomain } from "./testing";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Runs `cordon worker` through registerWorkerCommands, the way cli/main.ts wires commands. */
const RUN_WORKER_COMMAND = `
import { Command } from "commander";
import { registerWorkerCommands } from "./cli/commands/worker.ts";
const program = new Command("cordon").exitOverride();
registerWorkerCommands(program);
await program.parseAsync(process.argv.slice(1), { from: "user" });
`;

let db: TestDatabase;
let scim: ScimDomain;
let lifecycle: Lifecycle;
let dataDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureQueueSchema(db.url);
  scim = await startScimDomain(db.prisma, ["u-cli"]);
  lifecycle = await createLifecycle(db.prisma, scim.domain);
  dataDir = await mkdtemp(path.join(os.tmpdir(), "cordon-worker-"));
});

afterAll(async () => {
  await scim?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test("cordon worker executes and stops on SIGTERM", async () => {
  const worker = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", RUN_WORKER_COMMAND, "worker", "--concurrency", "2"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, CORDON_DATA_DIR: dataDir, CORDON_ROOT: ROOT, CORDON_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  worker.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  worker.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20_000;
    while (!output.includes("executor started") && Date.now() < deadline && worker.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(output).toContain("executor started");

    const proposed = await lifecycle.propose("u-cli");
    await lifecycle.approve(proposed.id);
    await lifecycle.enqueue(proposed.id);
    const action = await waitForState(db.prisma, proposed.id, ["succeeded", "failed"]);
    expect(action.state).toBe("succeeded");
    expect(scim.patchesOf("u-cli")).toBe(1);

    worker.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("executor stopped");
  } finally {
    if (worker.exitCode === null) worker.kill("SIGKILL");
  }
});

test("cordon worker rejects concurrency 0", async () => {
  const worker = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", RUN_WORKER_COMMAND, "worker", "--concurrency", "0"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, CORDON_DATA_DIR: dataDir, CORDON_ROOT: ROOT },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  worker.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });

  const code = await new Promise<number | null>((resolve) => worker.once("exit", (exitCode) => resolve(exitCode)));

  expect(code).not.toBe(0);
  expect(stderr).toContain("option '--concurrency <n>' argument '0' is invalid. expected an integer from 1 to 64");
});
