import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { proposeAction, requestedChangePlan } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { cancelAction } from "@/lib/actions/cancel-action";
import { expireOverdue } from "@/lib/actions/expire-overdue";
import { ZApprovalBody, ZProposeActionBody, type ProposeActionInput } from "@/lib/actions/schemas";
import { loadTimeline } from "@/lib/audit/timeline";
import { redeemGrant } from "@/lib/grants/redeem-grant";
import { ManualClock, type Clock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, createUser, person, serviceContext, workload } from "@/tests/support/factories";
import type { Domain, Incident, WorkloadClient } from "@/lib/db/client";

let db: TestDatabase;
let domain: Domain;
let incident: Incident;
let client: WorkloadClient;

beforeAll(async () => {
  db = await createTestDatabase();
  domain = await createDomain(db.prisma, { name: "corp-postgres" });
  incident = await createIncident(db.prisma);
  client = await createClient(db.prisma, { domains: [domain.name], owner: "soar-owner@example.com" });
});

afterAll(async () => {
  await db.drop();
});

let targetCounter = 0;
function proposal(overrides: Partial<ProposeActionInput> = {}) {
  targetCounter += 1;
  return ZProposeActionBody.parse({
    kind: "disable_account",
    target: { domain: domain.name, identity: `16${targetCounter}`, displayName: `svc_target_${targetCounter}` },
    parameters: {},
    incidentId: incident.id,
    justification: "Credential seen in a public CI log.",
    ...overrides,
  });
}

const approve = (window = "PT15M") => ZApprovalBody.parse({ decision: "approve", executionWindow: window, reason: "contain now" });

async function propose(clock: Clock = new ManualClock(), overrides: Partial<ProposeActionInput> = {}) {
  const context = await serviceContext(db.prisma, workload(client), { clock });
  return proposeAction(context, proposal(overrides));
}

async function auditTypes(actionId: string): Promise<string[]> {
  const events = await db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { sequence: "asc" } });
  return events.map((event) => event.eventType);
}

describe("proposeAction", () => {
  test("stores a pending action with its decision and audit events", async () => {
    const { action, decision } = await propose();

    expect(action.state).toBe("pending");
    expect(decision?.effect).toBe("allow");
    expect(decision?.determiningPolicies).toContain("workload-may-propose");
    expect(action.requiredApprovals).toBe(1);
    expect(await auditTypes(action.id)).toEqual(["action.proposed", "policy.decided", "action.pending"]);
  });

  test("denies a domain outside the client's scope before reading it", async () => {
    const other = await createDomain(db.prisma, { name: "other-scim", kind: "scim" });
    let planned = false;
    const context = await serviceContext(db.prisma, workload(client), {
      planner: async (request) => {
        planned = true;
        return requestedChangePlan(request);
      },
    });

    await expect(proposeAction(context, proposal({ target: { domain: other.name, identity: "u-1" } }))).rejects.toMatchObject({
      code: "policy_denied",
      details: { policies: ["workload-domain-out-of-scope"] },
    });
    expect(planned).toBe(false);
    expect(await db.prisma.action.count({ where: { domainId: other.id } })).toBe(0);
    const denials = await db.prisma.auditEvent.findMany({ where: { eventType: "proposal.denied", incidentId: incident.id } });
    expect(denials.map((event) => (event.payload as { domain?: string }).domain)).toContain(other.name);
  });

  test("answers an unregistered domain outside the scope the same way", async () => {
    await expect(propose(new ManualClock(), { target: { domain: "not-registered", identity: "u-1" } })).rejects.toMatchObject({ code: "policy_denied" });
  });

  test("rejects a second open action on the same target", async () => {
    const body = proposal();
    const context = await serviceContext(db.prisma, workload(client));
    const first = await proposeAction(context, body);

    await expect(proposeAction(context, { ...body, justification: "again" })).rejects.toMatchObject({ code: "open_action_exists", details: { actionId: first.action.id } });
  });

  test("replays ten parallel proposals with one idempotency key as one action", async () => {
    const body = proposal();
    const context = await serviceContext(db.prisma, workload(client));

    const results = await Promise.all(Array.from({ length: 10 }, () => proposeAction(context, body, "key-parallel")));

    expect(new Set(results.map((result) => result.action.id)).size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(await db.prisma.action.count({ where: { targetIdentity: body.target.identity } })).toBe(1);
  });

  test("rejects an idempotency key reused with another body", async () => {
    const context = await serviceContext(db.prisma, workload(client));
    await proposeAction(context, proposal(), "key-reused");

    await expect(proposeAction(context, proposal(), "key-reused")).rejects.toMatchObject({ code: "idempotency_key_reused" });
  });

  test("rejects an effect duration for a kind that cannot revert", async () => {
    await expect(propose(new ManualClock(), { kind: "revoke_token", effectDuration: "PT4H" })).rejects.toMatchObject({ code: "validation_failed" });
  });

  test("points at each unknown parameter and bad value", async () => {
    const failure = propose(new ManualClock(), { kind: "remove_entitlement", parameters: { entitlement: "", "a/b~c": true, extra: 1 } as never });

    await expect(failure).rejects.toMatchObject({
      code: "validation_failed",
      errors: expect.arrayContaining([
        { pointer: "/parameters/entitlement", message: expect.any(String) },
        { pointer: "/parameters/a~1b~0c", message: 'Unrecognized key: "a/b~c"' },
        { pointer: "/parameters/extra", message: 'Unrecognized key: "extra"' },
      ]),
    });
  });

  test("flags a target name with mixed scripts", async () => {
    const { action } = await propose(new ManualClock(), { target: { domain: domain.name, identity: "spoof-1", displayName: "svc_\u0435tl" } });

    expect(action.target.nameFlags).toContain("mixed_scripts");
  });
});

describe("audit events of one action", () => {
  test("keep chain order in time through propose, approve and redeem", async () => {
    // A clock that moves on every reading, so events read at different moments get different times.
    let tick = Date.parse("2026-02-01T00:00:00.000Z");
    const clock: Clock = { now: () => new Date((tick += 1)) };
    const { action } = await propose(clock);
    await recordApproval(await serviceContext(db.prisma, person(await createUser(db.prisma)), { clock }), action.id, approve());
    await redeemGrant(await serviceContext(db.prisma, { type: "system", id: "executor" }, { clock }), action.id, action.planHash, "test-worker");

    const events = await db.prisma.auditEvent.findMany({ where: { actionId: action.id }, orderBy: { sequence: "asc" }, select: { eventType: true, occurredAt: true } });
    const times = events.map((event) => event.occurredAt.getTime());

    expect(events.length).toBeGreaterThan(8);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test("mark the requester's re-check before execution", async () => {
    const { action } = await propose();
    await recordApproval(await serviceContext(db.prisma, person(await createUser(db.prisma)), { clock: new ManualClock() }), action.id, approve());
    await redeemGrant(await serviceContext(db.prisma, { type: "system", id: "executor" }, { clock: new ManualClock() }), action.id, action.planHash, "test-worker");

    const decisions = await db.prisma.auditEvent.findMany({ where: { actionId: action.id, eventType: "policy.decided" }, orderBy: { sequence: "asc" } });
    const purposes = decisions.map((event) => (event.payload as { operation: string; purpose?: string }).purpose ?? null);
    expect(purposes).toEqual([null, null, null, "requester_recheck"]);
    const items = (await loadTimeline(db.prisma, incident.id, { limit: 200 })).items.filter((item) => item.actionId === action.id && item.eventType === "policy.decided");
    expect(items.at(-1)?.summary).toMatch(/^Policy confirmed that .+ may propose this action, checked before execution \(workload-may-propose\)$/);
  });
});

describe("recordApproval", () => {
  test("twenty concurrent approvals mint exactly one grant", async () => {
    const clock = new ManualClock();
    const { action } = await propose(clock);
    const approvers = await Promise.all(Array.from({ length: 20 }, () => createUser(db.prisma)));

    const results = await Promise.allSettled(
      approvers.map(async (user) => recordApproval(await serviceContext(db.prisma, person(user), { clock }), action.id, approve())),
    );

    const fulfilled = results.filter((result) => result.status === "fulfilled");
    const rejected = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected.every((result) => result.reason.code === "action_state_conflict")).toBe(true);
    expect(await db.prisma.grant.count({ where: { actionId: action.id } })).toBe(1);
    expect(await db.prisma.auditEvent.count({ where: { actionId: action.id, eventType: "action.approved" } })).toBe(1);
  });

  test("two tabs of one person leave a two-approval action pending", async () => {
    const clock = new ManualClock();
    const { action } = await propose(clock, { kind: "quarantine_workload", parameters: {} });
    const approver = await createUser(db.prisma);
    expect(action.requiredApprovals).toBe(2);

    const [first, second] = await Promise.all([
      recordApproval(await serviceContext(db.prisma, person(approver), { clock }), action.id, approve("PT5M")),
      recordApproval(await serviceContext(db.prisma, person(approver), { clock }), action.id, approve("PT5M")),
    ]);

    expect([first.recorded, second.recorded].sort()).toEqual([false, true]);
    expect(second.action.state === "pending" || first.action.state === "pending").toBe(true);
    const stored = await db.prisma.action.findUniqueOrThrow({ where: { id: action.id } });
    expect(stored.state).toBe("pending");
    expect(await db.prisma.approval.count({ where: { actionId: action.id } })).toBe(1);
  });

  test("a critical action is approved by the second distinct approver", async () => {
    const clock = new ManualClock();
    const { action } = await propose(clock, { kind: "quarantine_workload" });
    const [alice, bob] = [await createUser(db.prisma), await createUser(db.prisma)];

    const afterAlice = await recordApproval(await serviceContext(db.prisma, person(alice), { clock }), action.id, approve("PT5M"));
    const afterBob = await recordApproval(await serviceContext(db.prisma, person(bob), { clock }), action.id, approve("PT5M"));

    expect(afterAlice.action.state).toBe("pending");
    expect(afterAlice.action.approvalsSoFar).toBe(1);
    expect(afterBob.action.state).toBe("approved");
    expect(afterBob.grantId).not.toBeNull();
  });

  test("rejects an approval after the decision deadline", async () => {
    const clock = new ManualClock();
    const { action } = await propose(clock, { decisionDeadline: "PT10M" });
    const approver = await createUser(db.prisma);
    clock.advance(10 * 60 * 1000);

    await expect(recordApproval(await serviceContext(db.prisma, person(approver), { clock }), action.id, approve())).rejects.toMatchObject({ code: "approval_expired" });
  });

  test("rejects an execution window above the policy maximum", async () => {
    const { action } = await propose();
    const approver = await createUser(db.prisma);

    await expect(recordApproval(await serviceContext(db.prisma, person(approver)), action.id, approve("PT2H"))).rejects.toMatchObject({ code: "validation_failed" });
  });

  test("rejects self-approval by the proposing person", async () => {
    const proposer = await createUser(db.prisma, { roles: ["approver"] });
    const context = await serviceContext(db.prisma, person(proposer));
    const { action } = await proposeAction(context, proposal());

    await expect(recordApproval(context, action.id, approve())).rejects.toMatchObject({ code: "separation_of_duties" });
    await expect(recordApproval(context, action.id, ZApprovalBody.parse({ decision: "reject", reason: "mine" }))).rejects.toMatchObject({ code: "separation_of_duties" });
  });

  test("rejects approval by the owner of the proposing workload", async () => {
    const owner = await createUser(db.prisma, { email: "soar-owner@example.com" });
    const { action } = await propose();

    await expect(recordApproval(await serviceContext(db.prisma, person(owner)), action.id, approve())).rejects.toMatchObject({ code: "separation_of_duties" });
    expect(await db.prisma.approval.count({ where: { actionId: action.id } })).toBe(0);
  });

  test("rejects approval by an analyst through policy and records the decision", async () => {
    const analyst = await createUser(db.prisma, { roles: ["analyst"] });
    const { action } = await propose();

    await expect(recordApproval(await serviceContext(db.prisma, person(analyst)), action.id, approve())).rejects.toMatchObject({ code: "policy_denied" });
    const decisions = await db.prisma.policyDecision.findMany({ where: { actionId: action.id, operation: "approve" } });
    expect(decisions.map((decision) => decision.effect)).toEqual(["deny"]);
  });

  test("a rejection with a reason closes the action", async () => {
    const { action } = await propose();
    const approver = await createUser(db.prisma);

    const result = await recordApproval(await serviceContext(db.prisma, person(approver)), action.id, ZApprovalBody.parse({ decision: "reject", reason: "false positive" }));

    expect(result.action.state).toBe("rejected");
    expect(result.action.stateReason).toBe("false positive");
  });
});

describe("redeemGrant", () => {
  async function approved(window = "PT15M") {
    const clock = new ManualClock();
    const { action } = await propose(clock);
    const approver = await createUser(db.prisma);
    const result = await recordApproval(await serviceContext(db.prisma, person(approver), { clock }), action.id, approve(window));
    const system = await serviceContext(db.prisma, { type: "system", id: "executor" }, { clock });
    return { action: result.action, clock, system };
  }

  test("consumes the grant once and moves the action to executing", async () => {
    const { action, system } = await approved();

    const grant = await redeemGrant(system, action.id, action.planHash, "worker-1");

    expect(grant.actionId).toBe(action.id);
    expect((await db.prisma.action.findUniqueOrThrow({ where: { id: action.id } })).state).toBe("executing");
    await expect(redeemGrant(system, action.id, action.planHash, "worker-2")).rejects.toMatchObject({ code: "grant_already_redeemed" });
  });

  test("rejects a grant after its execution window", async () => {
    const { action, clock, system } = await approved("PT5M");
    clock.advance(5 * 60 * 1000);

    await expect(redeemGrant(system, action.id, action.planHash, "worker-1")).rejects.toMatchObject({ code: "grant_expired" });
  });

  test("rejects another plan hash", async () => {
    const { action, system } = await approved();

    await expect(redeemGrant(system, action.id, "0".repeat(64), "worker-1")).rejects.toMatchObject({ code: "plan_hash_mismatch" });
  });
});

describe("cancelAction", () => {
  test("lets the proposing workload cancel and hides the action from others", async () => {
    const { action } = await propose();
    const stranger = await createClient(db.prisma, { domains: [domain.name] });

    await expect(cancelAction(await serviceContext(db.prisma, workload(stranger)), action.id)).rejects.toMatchObject({ code: "not_found" });
    const cancelled = await cancelAction(await serviceContext(db.prisma, workload(client)), action.id);

    expect(cancelled.state).toBe("cancelled");
  });
});

describe("expireOverdue", () => {
  test("two concurrent sweepers expire each overdue action once", async () => {
    const clock = new ManualClock("2026-03-01T00:00:00Z");
    const proposals = await Promise.all(Array.from({ length: 6 }, () => propose(clock, { decisionDeadline: "PT1M" })));
    clock.advance(60 * 1000);
    const system = await serviceContext(db.prisma, { type: "system", id: "sweeper" }, { clock });

    const results = await Promise.all([expireOverdue(system), expireOverdue(system)]);

    const ids = proposals.map((result) => result.action.id);
    expect(results.reduce((sum, result) => sum + result.expiredUndecided, 0)).toBeGreaterThanOrEqual(6);
    const states = await db.prisma.action.findMany({ where: { id: { in: ids } }, select: { state: true } });
    expect(states.every((row) => row.state === "expired")).toBe(true);
    expect(await db.prisma.auditEvent.count({ where: { actionId: { in: ids }, eventType: "action.expired" } })).toBe(6);
  });

  test("expires an approved action whose window closed unexecuted", async () => {
    const clock = new ManualClock("2026-03-02T00:00:00Z");
    const { action } = await propose(clock);
    await recordApproval(await serviceContext(db.prisma, person(await createUser(db.prisma)), { clock }), action.id, approve("PT5M"));
    clock.advance(5 * 60 * 1000);

    await expireOverdue(await serviceContext(db.prisma, { type: "system", id: "sweeper" }, { clock }));

    const stored = await db.prisma.action.findUniqueOrThrow({ where: { id: action.id } });
    expect(stored.state).toBe("expired");
    expect(stored.stateReason).toBe("the execution window closed before execution");
  });
});

describe("policy change after approval", () => {
  test("a forbid added after approval stops execution and denies the action", async () => {
    const fs = await import("node:fs/promises");
    const os = await import("node:os");
    const path = await import("node:path");
    const { loadPolicySet } = await import("@/lib/policy/engine");
    const { POLICY_DIR } = await import("@/tests/support/factories");
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-policy-"));
    await fs.cp(POLICY_DIR, dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, "freeze.cedar"),
      `@id("freeze-${domain.name}")\n@description("Changes to this domain are frozen.")\nforbid (principal, action == Cordon::Action::"execute", resource is Cordon::ContainmentAction)\nwhen { resource.domain == "${domain.name}" };\n`,
    );
    const frozen = await loadPolicySet(dir);
    const clock = new ManualClock();
    const { action } = await propose(clock);
    await recordApproval(await serviceContext(db.prisma, person(await createUser(db.prisma)), { clock }), action.id, approve());

    const system = await serviceContext(db.prisma, { type: "system", id: "executor" }, { clock, policies: frozen });

    await expect(redeemGrant(system, action.id, action.planHash, "worker-1")).rejects.toMatchObject({ code: "policy_denied" });
    const stored = await db.prisma.action.findUniqueOrThrow({ where: { id: action.id } });
    expect(stored.state).toBe("denied");
    expect(await db.prisma.grant.count({ where: { actionId: action.id, redeemedAt: { not: null } } })).toBe(0);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe("requester scope at execution", () => {
  test("a client disabled after approval cannot have its action executed", async () => {
    const scoped = await createClient(db.prisma, { domains: [domain.name] });
    const clock = new ManualClock();
    const { action } = await proposeAction(await serviceContext(db.prisma, workload(scoped), { clock }), proposal());
    await recordApproval(await serviceContext(db.prisma, person(await createUser(db.prisma)), { clock }), action.id, approve());
    await db.prisma.workloadClient.update({ where: { id: scoped.id }, data: { enabled: false } });

    const system = await serviceContext(db.prisma, { type: "system", id: "executor" }, { clock });

    await expect(redeemGrant(system, action.id, action.planHash, "worker-1")).rejects.toMatchObject({ code: "policy_denied" });
    expect((await db.prisma.action.findUniqueOrThrow({ where: { id: action.id } })).state).toBe("denied");
  });

  test("a client whose domain scope was removed after approval is denied", async () => {
    const scoped = await createClient(db.prisma, { domains: [domain.name] });
    const clock = new ManualClock();
    const { action } = await proposeAction(await serviceContext(db.prisma, workload(scoped), { clock }), proposal());
    await recordApproval(await serviceContext(db.prisma, person(await createUser(db.prisma)), { clock }), action.id, approve());
    await db.prisma.workloadClient.update({ where: { id: scoped.id }, data: { allowedDomains: [] } });

    const system = await serviceContext(db.prisma, { type: "system", id: "executor" }, { clock });

    await expect(redeemGrant(system, action.id, action.planHash, "worker-1")).rejects.toMatchObject({ code: "policy_denied", details: { policies: ["workload-domain-out-of-scope"] } });
  });
});
