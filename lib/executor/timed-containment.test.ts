import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { clearConnectorCache } from "@/lib/connectors/registry";
import type { ScopeDiff } from "@/lib/connectors/types";
import type { PolicySet } from "@/lib/policy/engine";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { defaultPolicies } from "@/tests/support/factories";
import { ensureQueueSchema } from "./queue-schema";
import { revertAction } from "./revert-action";
import { startExecutor, type Executor } from "./start-executor";
import { createLifecycle, directDeps, directRun, startScimDomain, testLogger, waitForState, type Lifecycle, type ScimDomain } from "./testing";

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
  scim = await startScimDomain(db.prisma, ["u-timed", "u-timed-alone"]);
  lifecycle = await createLifecycle(db.prisma, scim.domain);
  leasePool = new pg.Pool({ connectionString: db.url, max: 4 });
  executor = await startExecutor({ databaseUrl: db.url, logger: testLogger(), policies: async () => policies, pollIntervalMs: 100, sweepIntervalMs: 500 });
});

afterAll(async () => {
  await executor?.stop();
  await leasePool?.end();
  await clearConnectorCache();
  await scim?.close();
  await db?.drop();
});

/** Disables `identity` for one hour through the executor and returns the succeeded action. */
async function disableForAnHour(identity: string) {
  const proposed = await lifecycle.propose(identity);
  await lifecycle.approve(proposed.id, { effectDuration: "PT1H" });
  await lifecycle.enqueue(proposed.id);
  const succeeded = await waitForState(db.prisma, proposed.id, ["succeeded", "failed"]);
  expect(succeeded.state).toBe("succeeded");
  return succeeded;
}

/** Moves the action's effect end into the past, as if its hour had passed. */
async function endEffect(actionId: string): Promise<void> {
  await db.prisma.action.update({ where: { id: actionId }, data: { effectEndsAt: new Date(Date.now() - 1_000) } });
}

describe("time-limited containment", () => {
  test("a permanent disable keeps a timed disable in effect", async () => {
    const timed = await disableForAnHour("u-timed");

    const permanent = await lifecycle.propose("u-timed");

    expect(permanent.state).toBe("pending");
    const warning = (permanent.plan as unknown as ScopeDiff).blastRadius[0];
    expect(warning).toMatchObject({ type: "pending_revert", id: timed.id, volatile: true });
    expect(warning?.description).toContain(`Action ${timed.id} contains this target only until ${timed.effectEndsAt!.toISOString()}`);

    await lifecycle.approve(permanent.id);
    await lifecycle.enqueue(permanent.id);
    expect((await waitForState(db.prisma, permanent.id, ["succeeded", "failed", "pending"])).state).toBe("succeeded");

    await endEffect(timed.id);
    const outcome = await revertAction(directDeps(db.prisma, leasePool, policies), timed.id, directRun());

    expect(outcome).toBe("skipped");
    expect((await scim.readUser("u-timed")).active).toBe(false);
    const after = await db.prisma.action.findUniqueOrThrow({ where: { id: timed.id } });
    expect(after).toMatchObject({ state: "succeeded", effectEndsAt: null });
    const skipped = await db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: timed.id, eventType: "action.revert_skipped" } });
    expect(skipped.payload).toMatchObject({ supersededBy: permanent.id });
  });

  test("a timed disable alone is reverted at its end", async () => {
    const timed = await disableForAnHour("u-timed-alone");

    await endEffect(timed.id);
    const outcome = await revertAction(directDeps(db.prisma, leasePool, policies), timed.id, directRun());

    expect(outcome).toBe("reverted");
    expect((await scim.readUser("u-timed-alone")).active).toBe(true);
  });
});
