import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import type { PolicySet } from "@/lib/policy/engine";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { defaultPolicies } from "@/tests/support/factories";
import { revertJobKey } from "./enqueue";
import { ensureQueueSchema } from "./queue-schema";
import { revertAction } from "./revert-action";
import { startExecutor, type Executor } from "./start-executor";
import { auditTypes, createLifecycle, directDeps, directRun, SCIM_TOKEN, startScimDomain, testLogger, waitForState, type Lifecycle, type ScimDomain } from "./testing";

let db: TestDatabase;
let scim: ScimDomain;
let lifecycle: Lifecycle;
let policies: PolicySet;
let leasePool: pg.Pool;
let executor: Executor;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureQueueSchema(db.url);
  policies = await defaultPolicies();
  scim = await startScimDomain(db.prisma, ["u-short", "u-extended", "u-deleted"]);
  lifecycle = await createLifecycle(db.prisma, scim.domain);
  leasePool = new pg.Pool({ connectionString: db.url, max: 4 });
  executor = await startExecutor({ databaseUrl: db.url, logger: testLogger(), policies: async () => policies, pollIntervalMs: 100, sweepIntervalMs: 500 });
});

afterEach(() => {
  scim.requests.length = 0;
});

afterAll(async () => {
  await executor?.stop();
  await leasePool?.end();
  await scim?.close();
  await db?.drop();
});

/** Proposes, approves with `effectDuration` and waits until the action succeeded. */
async function containFor(user: string, effectDuration: string) {
  const proposed = await lifecycle.propose(user);
  await lifecycle.approve(proposed.id, { effectDuration });
  await lifecycle.enqueue(proposed.id);
  return waitForState(db.prisma, proposed.id, ["succeeded", "failed"]);
}

async function revertJobRunAt(actionId: string): Promise<Date | null> {
  const { rows } = await db.query<{ run_at: Date }>("SELECT run_at FROM graphile_worker.jobs WHERE key = $1", [revertJobKey(actionId)]);
  return rows[0]?.run_at ?? null;
}

test("revert job restores the user at effect end", async () => {
  const succeeded = await containFor("u-short", "PT1S");
  expect(succeeded.state).toBe("succeeded");
  expect(succeeded.effectEndsAt).not.toBeNull();
  expect((await scim.readUser("u-short")).active).toBe(false);

  const reverted = await waitForState(db.prisma, succeeded.id, ["reverted"], 10_000);

  expect(Date.now()).toBeGreaterThanOrEqual(succeeded.effectEndsAt!.getTime());
  expect((await scim.readUser("u-short")).active).toBe(true);
  expect(scim.patchesOf("u-short")).toBe(2);
  expect(reverted.stateReason).toBe("the effect duration ended");
  const executions = await db.prisma.execution.findMany({ where: { actionId: succeeded.id }, orderBy: { createdAt: "asc" } });
  expect(executions.map((execution) => [execution.operation, execution.status, execution.verified])).toEqual([
    ["apply", "succeeded", true],
    ["revert", "succeeded", true],
  ]);
  expect(executions[1]?.idempotencyKey).toBe(`${succeeded.id}:revert:1`);
  const types = await auditTypes(db.prisma, succeeded.id);
  expect(types.slice(types.indexOf("action.succeeded"))).toEqual(["action.succeeded", "execution.started", "execution.applied", "execution.verified", "action.reverted"]);
  expect(await revertJobRunAt(succeeded.id)).toBeNull();
});

test("extended effect requeues the revert", async () => {
  const succeeded = await containFor("u-extended", "PT1H");
  const queuedFor = await revertJobRunAt(succeeded.id);
  expect(queuedFor?.getTime()).toBe(succeeded.effectEndsAt?.getTime());
  const extendedTo = new Date(Date.now() + 2 * 60 * 60 * 1000);
  await db.prisma.action.update({ where: { id: succeeded.id }, data: { effectEndsAt: extendedTo } });

  const outcome = await revertAction(directDeps(db.prisma, leasePool, policies), succeeded.id, directRun());

  expect(outcome).toBe("rescheduled");
  expect((await revertJobRunAt(succeeded.id))?.getTime()).toBe(extendedTo.getTime());
  expect((await db.prisma.action.findUniqueOrThrow({ where: { id: succeeded.id } })).state).toBe("succeeded");
  expect((await scim.readUser("u-extended")).active).toBe(false);
  expect(await db.prisma.execution.count({ where: { actionId: succeeded.id, operation: "revert" } })).toBe(0);
});

test("revert of a deleted user fails", async () => {
  const succeeded = await containFor("u-deleted", "PT1H");
  await db.prisma.action.update({ where: { id: succeeded.id }, data: { effectEndsAt: new Date(Date.now() - 1000) } });
  const deleted = await fetch(`${scim.server.url}/Users/u-deleted`, { method: "DELETE", headers: { authorization: `Bearer ${SCIM_TOKEN}` } });
  expect(deleted.status).toBe(204);

  const outcome = await revertAction(directDeps(db.prisma, leasePool, policies), succeeded.id, directRun());

  expect(outcome).toBe("failed");
  expect((await db.prisma.action.findUniqueOrThrow({ where: { id: succeeded.id } })).state).toBe("succeeded");
  const execution = await db.prisma.execution.findFirstOrThrow({ where: { actionId: succeeded.id, operation: "revert" } });
  expect(execution.status).toBe("failed");
  expect(execution.error).toMatch(/not found/i);
  const failure = await db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: succeeded.id, eventType: "execution.failed" } });
  expect(failure.payload).toMatchObject({ stage: "revert", transient: false, operation: "revert" });
});
