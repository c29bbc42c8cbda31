import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { enqueueExecution, enqueueRevert, executeJobKey, MAX_JOB_ATTEMPTS, revertJobKey } from "./enqueue";
import { ensureQueueSchema } from "./queue-schema";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureQueueSchema(db.url);
  // A second run finds the schema in place and changes nothing.
  await ensureQueueSchema(db.url);
});

afterAll(async () => {
  await db?.drop();
});

async function jobs(key: string) {
  const { rows } = await db.query<{ task_identifier: string; run_at: Date; max_attempts: number }>(
    "SELECT task_identifier, run_at, max_attempts FROM graphile_worker.jobs WHERE key = $1",
    [key],
  );
  return rows;
}

test("enqueueExecution queues one job per action", async () => {
  const actionId = randomUUID();

  await db.prisma.$transaction((tx) => enqueueExecution(tx, actionId));
  await db.prisma.$transaction((tx) => enqueueExecution(tx, actionId));

  expect(await jobs(executeJobKey(actionId))).toEqual([expect.objectContaining({ task_identifier: "execute_action", max_attempts: MAX_JOB_ATTEMPTS })]);
});

test("rolled-back enqueueExecution leaves no job", async () => {
  const actionId = randomUUID();
  const rollback = new Error("approval failed after the job was queued");

  await expect(
    db.prisma.$transaction(async (tx) => {
      await enqueueExecution(tx, actionId);
      throw rollback;
    }),
  ).rejects.toBe(rollback);

  expect(await jobs(executeJobKey(actionId))).toEqual([]);
});

test("enqueueRevert moves the queued revert", async () => {
  const actionId = randomUUID();
  const first = new Date(Date.now() + 60_000);
  const extended = new Date(Date.now() + 3_600_000);

  await db.prisma.$transaction((tx) => enqueueRevert(tx, actionId, first));
  await db.prisma.$transaction((tx) => enqueueRevert(tx, actionId, extended));

  const queued = await jobs(revertJobKey(actionId));
  expect(queued).toHaveLength(1);
  expect(queued[0]?.task_identifier).toBe("revert_action");
  expect(queued[0]?.run_at.getTime()).toBe(extended.getTime());
});
