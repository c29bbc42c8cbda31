import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody } from "@/lib/actions/schemas";
import type { Domain, Incident, User, WorkloadClient } from "@/lib/db/client";
import { redeemGrant } from "@/lib/grants/redeem-grant";
import { ManualClock } from "@/lib/time/clock";
import { formatIsoDuration } from "@/lib/time/duration";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, createUser, person, serviceContext, workload } from "@/tests/support/factories";

let db: TestDatabase;
let domain: Domain;
let incident: Incident;
let client: WorkloadClient;
let approver: User;
let target = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  domain = await createDomain(db.prisma);
  incident = await createIncident(db.prisma);
  client = await createClient(db.prisma, { domains: [domain.name] });
  approver = await createUser(db.prisma);
});

afterAll(async () => {
  await db.drop();
});

async function proposeWithDeadline(clock: ManualClock, deadlineSeconds: number) {
  target += 1;
  const body = ZProposeActionBody.parse({
    kind: "disable_account",
    target: { domain: domain.name, identity: `prop-${target}` },
    incidentId: incident.id,
    justification: "property test",
    decisionDeadline: formatIsoDuration(deadlineSeconds),
  });
  return proposeAction(await serviceContext(db.prisma, workload(client), { clock }), body);
}

// Offsets in milliseconds around a clock's end: the last valid instant is end - 1 ms.
const offset = fc.integer({ min: -3, max: 3 });

describe("clock boundaries", () => {
  test("an approval is accepted exactly while now is before the decision deadline", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 60, max: 7 * 86_400 }), offset, async (deadlineSeconds, delta) => {
        const clock = new ManualClock("2026-05-01T00:00:00.000Z");
        const { action } = await proposeWithDeadline(clock, deadlineSeconds);
        clock.set(new Date(Date.parse(action.clocks.decisionDeadline) + delta));

        const attempt = recordApproval(await serviceContext(db.prisma, person(approver), { clock }), action.id, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT5M" }));

        if (delta < 0) expect((await attempt).action.state).toBe("approved");
        else await expect(attempt).rejects.toMatchObject({ code: "approval_expired" });
      }),
      { numRuns: 25 },
    );
  });

  test("a grant is redeemable exactly while now is inside the execution window", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3600 }), offset, async (windowSeconds, delta) => {
        const clock = new ManualClock("2026-06-01T00:00:00.000Z");
        const { action } = await proposeWithDeadline(clock, 3600);
        await recordApproval(await serviceContext(db.prisma, person(approver), { clock }), action.id, ZApprovalBody.parse({ decision: "approve", executionWindow: formatIsoDuration(windowSeconds) }));
        clock.advance(windowSeconds * 1000 + delta);

        const attempt = redeemGrant(await serviceContext(db.prisma, { type: "system", id: "executor" }, { clock }), action.id, action.planHash, "worker");

        if (delta < 0) expect((await attempt).actionId).toBe(action.id);
        else await expect(attempt).rejects.toMatchObject({ code: "grant_expired" });
      }),
      { numRuns: 25 },
    );
  });

  test("ISO 8601 durations round-trip through format and parse", async () => {
    const { parseIsoDuration } = await import("@/lib/time/duration");
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 * 86_400 }), (seconds) => {
        expect(parseIsoDuration(formatIsoDuration(seconds))).toBe(seconds);
      }),
    );
  });
});
