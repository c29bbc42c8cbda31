import { randomUUID } from "node:crypto";
import { run, type Runner, type Task } from "graphile-worker";
import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { enqueueExecution, EXECUTE_ACTION_TASK, executeJobKey } from "./enqueue";
import { acquireActionLease } from "./lease";
import { ensureQueueSchema, graphileLogger } from "./queue-schema";
import { recoverAbandonedJobs } from "./recover-abandoned-jobs";
import { testLogger } from "./testing";

let db: TestDatabase;
let pool: pg.Pool;
const runners: Runner[] = [];
let releaseHungTasks: () => void = () => undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureQueueSchema(db.url);
  pool = new pg.Pool({ connectionString: db.url, max: 8 });
});

afterEach(async () => {
  releaseHungTasks();
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function startRunner(task: Task, concurrency = 2): Promise<Runner> {
  const runner = await run({
    connectionString: db.url,
    concurrency,
    noHandleSignals: true,
    pollInterval: 100,
    logger: graphileLogger(testLogger()),
    taskList: { [EXECUTE_ACTION_TASK]: task },
  });
  runners.push(runner);
  return runner;
}

/** Returns a promise that stays pending until the test ends, like the job of a worker that stopped responding. */
function hang(): Promise<void> {
  return new Promise((resolve) => {
    const previous = releaseHungTasks;
    releaseHungTasks = () => {
      previous();
      resolve();
    };
  });
}

/** Finds an action id whose hashtext() has the requested sign, so both halves of the int4 → oid mapping are covered. */
async function actionIdWithHashSign(negative: boolean): Promise<string> {
  for (let tries = 0; tries < 100; tries += 1) {
    const id = randomUUID();
    const { rows } = await pool.query<{ hash: number }>("SELECT hashtext($1) AS hash", [id]);
    if ((rows[0]!.hash < 0) === negative) return id;
  }
  throw new Error("no id with the requested hash sign in 100 tries");
}

async function lockedBy(actionId: string): Promise<string | null> {
  const { rows } = await pool.query<{ locked_by: string | null }>("SELECT locked_by FROM graphile_worker.jobs WHERE key = $1", [executeJobKey(actionId)]);
  return rows[0]?.locked_by ?? null;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

test("recoverAbandonedJobs frees only unleased jobs", async () => {
  const ids = [await actionIdWithHashSign(true), await actionIdWithHashSign(false)];
  const leases = new Map<string, Awaited<ReturnType<typeof acquireActionLease>>>();
  await startRunner(async (payload) => {
    const { actionId } = payload as { actionId: string };
    leases.set(actionId, await acquireActionLease(pool, actionId));
    await hang();
  });
  for (const id of ids) await db.prisma.$transaction((tx) => enqueueExecution(tx, id));
  await until(() => leases.size === ids.length);

  expect(await recoverAbandonedJobs(pool, 0)).toEqual([]);
  for (const id of ids) expect(await lockedBy(id)).toBeTruthy();

  for (const lease of leases.values()) await lease.release();
  const workers = await recoverAbandonedJobs(pool, 0);
  const rerun = new Set<string>();
  await startRunner(async (payload) => {
    rerun.add((payload as { actionId: string }).actionId);
  });
  await until(() => rerun.size === ids.length);

  expect(workers.length).toBeGreaterThan(0);
  expect([...rerun].sort()).toEqual([...ids].sort());
});

test("recoverAbandonedJobs respects the grace period", async () => {
  const id = randomUUID();
  let started = false;
  await startRunner(async () => {
    started = true;
    await hang();
  }, 1);
  await db.prisma.$transaction((tx) => enqueueExecution(tx, id));
  await until(() => started);

  expect(await recoverAbandonedJobs(pool, 60)).toEqual([]);
  expect(await lockedBy(id)).toBeTruthy();
});
