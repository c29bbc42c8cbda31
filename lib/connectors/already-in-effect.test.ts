import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { proposeAction } from "@/lib/actions/propose-action";
import { ZProposeActionBody, type ProposeActionInput } from "@/lib/actions/schemas";
import { loadTimeline } from "@/lib/audit/timeline";
import { verifyAuditChains } from "@/lib/audit/verify";
import { ActionAlreadyInEffect } from "@/lib/errors";
import { toProblem } from "@/lib/http/problem";
import { createLifecycle, startScimDomain, type Lifecycle, type ScimDomain } from "@/lib/executor/testing";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { serviceContext, unique, workload } from "@/tests/support/factories";
import { clearConnectorCache } from "./registry";

// proposeAction with the connector planner against a real SCIM server: a proposal whose plan
// changes nothing is rejected before anything but its one audit event is written.

let db: TestDatabase;
let scim: ScimDomain;
let lifecycle: Lifecycle;

beforeAll(async () => {
  db = await createTestDatabase();
  scim = await startScimDomain(db.prisma, ["u-member", "u-active", "u-inactive", "u-outsider", "u-audited"]);
  await scim.patchUser("u-inactive", [{ op: "replace", path: "active", value: false }]);
  await scim.patchUser("u-audited", [{ op: "replace", path: "active", value: false }]);
  lifecycle = await createLifecycle(db.prisma, scim.domain);
});

afterAll(async () => {
  await clearConnectorCache();
  await scim?.close();
  await db?.drop();
});

async function propose(overrides: Partial<ProposeActionInput>, options: { idempotencyKey?: string; connectorPlans?: boolean } = {}) {
  const planner = options.connectorPlans === false ? {} : { planner: lifecycle.planner };
  const context = await serviceContext(db.prisma, workload(lifecycle.client), planner);
  const body = ZProposeActionBody.parse({
    kind: "disable_account",
    target: { domain: scim.domain.name },
    parameters: {},
    incidentId: lifecycle.incident.id,
    justification: "Session token of this account was replayed from an unknown network.",
    ...overrides,
  });
  return proposeAction(context, body, options.idempotencyKey);
}

async function rejection(promise: Promise<unknown>): Promise<ActionAlreadyInEffect> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ActionAlreadyInEffect);
  return error as ActionAlreadyInEffect;
}

async function auditEventsOf(identity: string) {
  const events = await db.prisma.auditEvent.findMany({ where: { incidentId: lifecycle.incident.id }, orderBy: { sequence: "asc" } });
  return events.filter((event) => JSON.stringify(event.payload).includes(`"${identity}"`));
}

describe("proposeAction of a change already in effect", () => {
  test("disable_account of an inactive SCIM user is rejected", async () => {
    const key = unique("key");

    const error = await rejection(propose({ target: { domain: scim.domain.name, identity: "u-inactive" } }, { idempotencyKey: key }));

    expect(error.code).toBe("already_in_effect");
    expect(error.message).toBe(
      `disable_account would change nothing for identity "u-inactive" in domain ${scim.domain.name}, because SCIM user "User u-inactive" is already inactive (active=false). Nothing needs approving.`,
    );
    expect(error.details).toEqual({ domain: scim.domain.name });
    expect(await db.prisma.action.count({ where: { targetIdentity: "u-inactive" } })).toBe(0);
    expect(await db.prisma.idempotencyRecord.count({ where: { key } })).toBe(0);
    expect(scim.patchesOf("u-inactive")).toBe(1);
  });

  test("the rejection is audited once on the incident", async () => {
    await rejection(propose({ target: { domain: scim.domain.name, identity: "u-audited", displayName: "svc-audited" } }));

    const events = await auditEventsOf("u-audited");
    const timeline = await loadTimeline(db.prisma, lifecycle.incident.id, { limit: 200, filters: { eventType: "proposal.already_in_effect" } });

    expect(events.map((event) => event.eventType)).toEqual(["proposal.already_in_effect"]);
    expect(events[0]).toMatchObject({ actorType: "workload", actorId: lifecycle.client.id, domain: scim.domain.name, actionId: null });
    expect(events[0]?.payload).toMatchObject({
      kind: "disable_account",
      target: { identity: "u-audited", resource: null, displayName: "svc-audited" },
      currentState: 'SCIM user "User u-audited" is already inactive (active=false)',
    });
    expect((await verifyAuditChains(db.prisma, { chain: lifecycle.incident.id })).ok).toBe(true);
    expect(timeline.items.map((item) => item.summary)).toContain(
      `${lifecycle.client.name} proposed disable_account on svc-audited, which changes nothing: SCIM user "User u-audited" is already inactive (active=false)`,
    );
  });

  test("a retry with the same Idempotency-Key is rejected again", async () => {
    const key = unique("key");
    const body = { target: { domain: scim.domain.name, identity: "u-inactive" } };

    await rejection(propose(body, { idempotencyKey: key }));
    await rejection(propose(body, { idempotencyKey: key }));

    expect(await db.prisma.idempotencyRecord.count({ where: { key } })).toBe(0);
  });

  test("remove_entitlement for a non-member names the resource", async () => {
    const error = await rejection(
      propose({ kind: "remove_entitlement", target: { domain: scim.domain.name, identity: "u-outsider", resource: "g-payments" }, parameters: { entitlement: "Payments" } }),
    );

    expect(error.message).toBe(
      `remove_entitlement would change nothing for identity "u-outsider" and resource "g-payments" in domain ${scim.domain.name}, because SCIM user u-outsider is not a member of group "Payments" (g-payments). Nothing needs approving.`,
    );
    expect(await db.prisma.action.count({ where: { targetIdentity: "u-outsider" } })).toBe(0);
  });

  test("the problem is 409 with its own type", async () => {
    const error = await rejection(propose({ target: { domain: scim.domain.name, identity: "u-inactive" } }));

    const problem = toProblem(error, "request-1", "/api/v1/actions");

    expect(problem).toMatchObject({ status: 409, title: "Conflict", type: "https://cordon.dev/problems/already_in_effect", code: "already_in_effect", detail: error.message, domain: scim.domain.name });
  });
});

describe("proposeAction of a change still needed", () => {
  test("disable_account of an active SCIM user is pending", async () => {
    const { action } = await propose({ target: { domain: scim.domain.name, identity: "u-active" } });

    expect(action.state).toBe("pending");
    expect((await auditEventsOf("u-active")).map((event) => event.eventType)).not.toContain("proposal.already_in_effect");
  });

  test("remove_entitlement of a member is pending", async () => {
    const { action } = await propose({ kind: "remove_entitlement", target: { domain: scim.domain.name, identity: "u-member" }, parameters: { entitlement: "Payments" } });

    expect(action.state).toBe("pending");
  });

  test("a proposal planned without a connector is pending", async () => {
    const { action } = await propose({ kind: "remove_entitlement", target: { domain: scim.domain.name, identity: "u-inactive" }, parameters: { entitlement: "Payments" } }, { connectorPlans: false });

    expect(action.state).toBe("pending");
    expect(action.plan).toMatchObject({ objects: [{ before: {}, after: { requestedChange: "remove_entitlement" } }] });
  });
});
