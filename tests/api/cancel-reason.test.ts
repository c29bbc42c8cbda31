import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_CANCEL_REASON } from "@/lib/actions/cancel-action";
import type { Incident, PrismaClient } from "@/lib/db/client";
import { UNSTORABLE_TEXT_MESSAGE } from "@/lib/util/text";
import { createIncident } from "@/tests/support/factories";
import { call, openServerDatabase, problem, seedWorkload, type RequestOptions, type SeededWorkload } from "./support/api";
import { startScimDomain, type ScimDomain } from "./support/scim-domain";

// POST /api/v1/actions/{id}/cancel with and without a reason, over HTTP against the production
// server. After each request the stored action and its audit events are read back.

let prisma: PrismaClient;
let scim: ScimDomain;
let incident: Incident;
let soar: SeededWorkload;
let nextTarget = 0;

beforeAll(async () => {
  prisma = openServerDatabase();
  scim = await startScimDomain(prisma, 40);
  incident = await createIncident(prisma);
  soar = await seedWorkload(prisma, { domains: [scim.domain.name], rateLimitPerMinute: 10_000 });
});

afterAll(async () => {
  await scim.close();
  await prisma.$disconnect();
});

async function propose(): Promise<string> {
  const identity = scim.identity(nextTarget);
  nextTarget += 1;
  const body = { kind: "disable_account", target: { domain: scim.domain.name, identity }, incidentId: incident.id, justification: "Credential seen in a public CI log." };
  const response = await call("POST", "/actions", { token: soar.token, json: body });
  expect(response.status, response.text).toBe(201);
  return (response.body as { id: string }).id;
}

async function stored(actionId: string) {
  const action = await prisma.action.findUniqueOrThrow({ where: { id: actionId } });
  const cancelled = await prisma.auditEvent.findMany({ where: { actionId, eventType: "action.cancelled" } });
  return { state: action.state, stateReason: action.stateReason, auditReasons: cancelled.map((event) => (event.payload as { reason?: string }).reason) };
}

describe("POST /actions/{id}/cancel", () => {
  test("stores the reason and records it in the audit event", async () => {
    const actionId = await propose();

    const response = await call("POST", `/actions/${actionId}/cancel`, { token: soar.token, json: { reason: "  Duplicate of the EDR playbook's proposal.  " } });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: actionId, state: "cancelled", stateReason: "Duplicate of the EDR playbook's proposal." });
    expect(await stored(actionId)).toEqual({ state: "cancelled", stateReason: "Duplicate of the EDR playbook's proposal.", auditReasons: ["Duplicate of the EDR playbook's proposal."] });
  });

  test.each<{ name: string; options: Omit<RequestOptions, "token"> }>([
    { name: "no body", options: {} },
    { name: "no body bytes with a JSON content type", options: { raw: "", contentType: "application/json" } },
    { name: "an empty object", options: { json: {} } },
  ])("keeps the default reason for $name", async ({ options }) => {
    const actionId = await propose();

    const response = await call("POST", `/actions/${actionId}/cancel`, { token: soar.token, ...options });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ state: "cancelled", stateReason: DEFAULT_CANCEL_REASON });
    expect(await stored(actionId)).toEqual({ state: "cancelled", stateReason: DEFAULT_CANCEL_REASON, auditReasons: [DEFAULT_CANCEL_REASON] });
  });

  test("accepts a reason of 2000 characters", async () => {
    const actionId = await propose();
    const reason = "r".repeat(2000);

    const response = await call("POST", `/actions/${actionId}/cancel`, { token: soar.token, json: { reason } });

    expect(response.status).toBe(200);
    expect((await stored(actionId)).stateReason).toBe(reason);
  });

  const emptyMessage = "must not be empty; leave reason out to use the default";

  test.each([
    { name: "an empty reason", body: { reason: "" }, pointer: "/reason", message: emptyMessage },
    { name: "a blank reason", body: { reason: "   " }, pointer: "/reason", message: emptyMessage },
    { name: "a reason of 2001 characters", body: { reason: "r".repeat(2001) }, pointer: "/reason", message: "Too big: expected string to have <=2000 characters" },
    { name: "a reason with U+0000", body: { reason: "dup\u0000licate" }, pointer: "/reason", message: UNSTORABLE_TEXT_MESSAGE },
    { name: "a numeric reason", body: { reason: 42 }, pointer: "/reason", message: "Invalid input: expected string, received number" },
    { name: "an unknown field", body: { reason: "duplicate", force: true }, pointer: "/force", message: 'Unrecognized key: "force"' },
    { name: "an unknown field whose key needs escaping", body: { "note/~": "x" }, pointer: "/note~1~0", message: 'Unrecognized key: "note/~"' },
    { name: "a JSON array", body: ["duplicate"], pointer: "", message: "Invalid input: expected object, received array" },
  ])("rejects $name with 422 and leaves the action pending", async ({ body, pointer, message }) => {
    const actionId = await propose();
    const instance = `/api/v1/actions/${actionId}/cancel`;

    const response = await call("POST", `/actions/${actionId}/cancel`, { token: soar.token, json: body });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(problem(422, "validation_failed", "Unprocessable Content", pointer === "" ? message : `${pointer}: ${message}`, instance, { errors: [{ pointer, message }] }));
    expect(await stored(actionId)).toEqual({ state: "pending", stateReason: null, auditReasons: [] });
  });

  test("rejects a reason sent as text/plain with 415", async () => {
    const actionId = await propose();

    const response = await call("POST", `/actions/${actionId}/cancel`, { token: soar.token, raw: '{"reason":"duplicate"}', contentType: "text/plain" });

    expect(response.status).toBe(415);
    expect((await stored(actionId)).state).toBe("pending");
  });
});
