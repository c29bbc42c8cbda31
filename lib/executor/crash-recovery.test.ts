import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { defaultPolicies, POLICY_DIR } from "@/tests/support/factories";
import { ensureQueueSchema } from "./queue-schema";
import { startExecutor, type Executor } from "./start-executor";
import { createLifecycle, startScimDomain, testLogger, waitForState, type Lifecycle, type ScimDomain } from "./testing";

const ROOT = path.resolve(import.meta.dirname, "../..");
const USER = "u-crash";

let db: TestDatabase;
let scim: ScimDomain;
let lifecycle: Lifecycle;
let child: ChildProcess | undefined;
let executor: Executor | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureQueueSchema(db.url);
  scim = await startScimDomain(db.prisma, [USER]);
  lifecycle = await createLifecycle(db.prisma, scim.domain);
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await executor?.stop();
  await scim?.close();
  await db?.drop();
});

/** Starts crash-worker.ts in its own Node.js process and resolves once it takes jobs. */
async function startCrashingWorker(): Promise<{ process: ChildProcess; exited: Promise<NodeJS.Signals | number | null> }> {
  const started = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "lib/executor/crash-worker.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, CORDON_TEST_POLICY_DIR: POLICY_DIR },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => started.once("exit", (code, signal) => resolve(signal ?? code)));
  let stderr = "";
  started.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  await new Promise<void>((resolve, reject) => {
    started.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString("utf8").startsWith("ready")) resolve();
    });
    void exited.then((how) => reject(new Error(`crash-worker exited (${String(how)}) before it was ready: ${stderr.slice(0, 2000)}`)));
  });
  return { process: started, exited };
}

test("worker killed after apply: retry succeeds", async () => {
  const proposed = await lifecycle.propose(USER);
  await lifecycle.approve(proposed.id);
  const worker = await startCrashingWorker();
  child = worker.process;

  await lifecycle.enqueue(proposed.id);
  expect(await worker.exited).toBe("SIGKILL");

  const stranded = await db.prisma.action.findUniqueOrThrow({ where: { id: proposed.id } });
  expect(stranded.state).toBe("executing");
  expect(await db.prisma.execution.findFirstOrThrow({ where: { actionId: proposed.id } })).toMatchObject({ attempt: 1, status: "running", outcome: "applied" });
  expect(scim.patchesOf(USER)).toBe(1);
  expect((await scim.readUser(USER)).active).toBe(false);
  const locked = await db.query<{ locked_by: string | null }>("SELECT locked_by FROM graphile_worker.jobs WHERE key = $1", [`execute:${proposed.id}`]);
  expect(locked.rows[0]?.locked_by).toBeTruthy();

  const recoveryStarted = performance.now();
  const policies = await defaultPolicies();
  executor = await startExecutor({
    databaseUrl: db.url,
    logger: testLogger(),
    policies: async () => policies,
    pollIntervalMs: 200,
    sweepIntervalMs: 300,
    abandonedJobGraceSeconds: 1,
  });
  const action = await waitForState(db.prisma, proposed.id, ["succeeded", "failed"]);
  process.stdout.write(`crash recovery: job of the killed worker finished ${(performance.now() - recoveryStarted).toFixed(0)} ms after a new executor started (grace 1 s, sweep every 300 ms)\n`);

  expect(action.state).toBe("succeeded");
  expect(scim.patchesOf(USER)).toBe(1);
  const executions = await db.prisma.execution.findMany({ where: { actionId: proposed.id }, orderBy: { attempt: "asc" } });
  expect(executions.map((execution) => [execution.attempt, execution.status, execution.outcome, execution.verified])).toEqual([
    [1, "failed", "applied", null],
    [2, "succeeded", "already_in_effect", true],
  ]);
  expect(await db.prisma.auditEvent.count({ where: { actionId: proposed.id, eventType: "grant.redeemed" } })).toBe(1);
  // graphile-worker deletes a job just after its task returns, so the row may outlive the state change briefly.
  const deadline = Date.now() + 5_000;
  let remaining = 1;
  while (remaining > 0 && Date.now() < deadline) {
    remaining = (await db.query("SELECT 1 FROM graphile_worker.jobs WHERE key = $1", [`execute:${proposed.id}`])).rowCount ?? 0;
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(remaining).toBe(0);
});
