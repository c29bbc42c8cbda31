import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cancelAction, DEFAULT_CANCEL_REASON } from "@/lib/actions/cancel-action";
import { proposeAction } from "@/lib/actions/propose-action";
import { ZCancelActionBody, ZProposeActionBody } from "@/lib/actions/schemas";
import type { Domain, Incident, WorkloadClient } from "@/lib/db/client";
import { zodErrors } from "@/lib/http/problem";
import { UNSTORABLE_TEXT_MESSAGE } from "@/lib/util/text";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, serviceContext, unique, workload } from "@/tests/support/factories";

let db: TestDatabase;
let domain: Domain;
let incident: Incident;
let client: WorkloadClient;

beforeAll(async () => {
  db = await createTestDatabase();
  domain = await createDomain(db.prisma);
  incident = await createIncident(db.prisma);
  client = await createClient(db.prisma, { domains: [domain.name] });
});

afterAll(async () => {
  await db.drop();
});

async function propose(): Promise<string> {
  const body = ZProposeActionBody.parse({
    kind: "disable_account",
    target: { domain: domain.name, identity: unique("role") },
    incidentId: incident.id,
    justification: "Credential seen in a public CI log.",
  });
  const { action } = await proposeAction(await serviceContext(db.prisma, workload(client)), body);
  return action.id;
}

async function cancelledEvent(actionId: string) {
  return db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, eventType: "action.cancelled" } });
}

describe("cancelAction", () => {
  test("stores the reason as state reason and in the audit event", async () => {
    const actionId = await propose();

    const view = await cancelAction(await serviceContext(db.prisma, workload(client)), actionId, ZCancelActionBody.parse({ reason: "  duplicate of the EDR playbook's proposal  " }));

    expect(view.state).toBe("cancelled");
    expect(view.stateReason).toBe("duplicate of the EDR playbook's proposal");
    expect((await db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).stateReason).toBe("duplicate of the EDR playbook's proposal");
    expect((await cancelledEvent(actionId)).payload).toEqual({ from: "pending", to: "cancelled", reason: "duplicate of the EDR playbook's proposal" });
  });

  test.each([
    { name: "no body", body: undefined },
    { name: "a body without a reason", body: {} },
  ])("uses the default reason for $name", async ({ body }) => {
    const actionId = await propose();

    const view = await cancelAction(await serviceContext(db.prisma, workload(client)), actionId, body);

    expect(view.stateReason).toBe(DEFAULT_CANCEL_REASON);
    expect((await cancelledEvent(actionId)).payload).toMatchObject({ reason: DEFAULT_CANCEL_REASON });
  });

  test("leaves another client's action pending", async () => {
    const actionId = await propose();
    const stranger = await createClient(db.prisma, { domains: [domain.name] });

    await expect(cancelAction(await serviceContext(db.prisma, workload(stranger)), actionId, { reason: "not mine" })).rejects.toMatchObject({ code: "not_found" });
    const action = await db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(action.state).toBe("pending");
    expect(await db.prisma.auditEvent.count({ where: { actionId, eventType: "action.cancelled" } })).toBe(0);
  });
});

describe("ZCancelActionBody", () => {
  test("accepts a reason of 2000 characters", () => {
    expect(ZCancelActionBody.parse({ reason: "r".repeat(2000) })).toEqual({ reason: "r".repeat(2000) });
  });

  test.each([
    { name: "an empty reason", body: { reason: "" }, errors: [{ pointer: "/reason", message: "must not be empty; leave reason out to use the default" }] },
    { name: "a blank reason", body: { reason: " \t\n" }, errors: [{ pointer: "/reason", message: "must not be empty; leave reason out to use the default" }] },
    { name: "a reason of 2001 characters", body: { reason: "r".repeat(2001) }, errors: [{ pointer: "/reason", message: "Too big: expected string to have <=2000 characters" }] },
    { name: "a reason with U+0000", body: { reason: "dup\u0000licate" }, errors: [{ pointer: "/reason", message: UNSTORABLE_TEXT_MESSAGE }] },
    { name: "a numeric reason", body: { reason: 42 }, errors: [{ pointer: "/reason", message: "Invalid input: expected string, received number" }] },
    { name: "an unknown field", body: { reason: "dup", force: true }, errors: [{ pointer: "/force", message: 'Unrecognized key: "force"' }] },
    { name: "null", body: null, errors: [{ pointer: "", message: "Invalid input: expected object, received null" }] },
  ])("rejects $name", ({ body, errors }) => {
    const result = ZCancelActionBody.safeParse(body);

    expect(result.success).toBe(false);
    expect(zodErrors(result.error!)).toEqual(errors);
  });
});
