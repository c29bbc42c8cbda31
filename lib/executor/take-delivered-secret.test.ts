import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Actor } from "@/lib/actions/context";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody } from "@/lib/actions/schemas";
import { appendAuditEvent } from "@/lib/audit/append";
import type { Domain, Incident, User, WorkloadClient } from "@/lib/db/client";
import { systemClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, createUser, person, serviceContext, workload } from "@/tests/support/factories";
import { DeliveredSecretStore } from "./secret-delivery";
import { TEST_DELIVERY_KEY } from "./testing";
import { CREDENTIAL_DELIVERED_EVENT, takeDeliveredSecret } from "./take-delivered-secret";

let db: TestDatabase;
let domain: Domain;
let incident: Incident;
let client: WorkloadClient;
let approver: User;
let otherApprover: User;

beforeAll(async () => {
  db = await createTestDatabase();
  domain = await createDomain(db.prisma);
  incident = await createIncident(db.prisma);
  client = await createClient(db.prisma, { domains: [domain.name], owner: "soar-owner@example.com" });
  approver = await createUser(db.prisma);
  otherApprover = await createUser(db.prisma);
});

afterAll(async () => {
  await db.drop();
});

interface Rotation {
  actionId: string;
  executionId: string;
  value: string;
  label: string;
}

let targetCounter = 0;

/**
 * Proposes rotate_credential, has `approver` approve it, and stores an apply execution whose
 * secret `store` received (none when `store` is null), as the executor leaves them after a rotation.
 */
async function rotated(store: DeliveredSecretStore | null, attempts = 1): Promise<Rotation & { executionIds: string[] }> {
  targetCounter += 1;
  const proposing = await serviceContext(db.prisma, workload(client), { clock: systemClock });
  const body = ZProposeActionBody.parse({
    kind: "rotate_credential",
    target: { domain: domain.name, identity: `9${targetCounter}`, displayName: `svc_rotate_${targetCounter}` },
    parameters: {},
    incidentId: incident.id,
    justification: "The password was pasted into a public ticket.",
  });
  const { action } = await proposeAction(proposing, body);
  const approving = await serviceContext(db.prisma, person(approver), { clock: systemClock });
  await recordApproval(approving, action.id, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "rotate now" }));

  const executionIds: string[] = [];
  const label = `new password of PostgreSQL role svc_rotate_${targetCounter}`;
  let value = "";
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const execution = await db.prisma.execution.create({
      data: { actionId: action.id, operation: "apply", attempt, idempotencyKey: `${action.id}:apply:${attempt}`, status: "succeeded", outcome: "applied", startedAt: new Date() },
    });
    value = randomBytes(24).toString("base64url");
    await store?.deliver({ actionId: action.id, executionId: execution.id, secret: { label, value } });
    executionIds.push(execution.id);
  }
  return { actionId: action.id, executionId: executionIds.at(-1)!, executionIds, value, label };
}

function newStore(options: { pickupWindowSeconds?: number } = {}) {
  return new DeliveredSecretStore(db.prisma, async () => TEST_DELIVERY_KEY, options);
}

async function take(actor: Actor, actionId: string, store: DeliveredSecretStore) {
  return takeDeliveredSecret(await serviceContext(db.prisma, actor, { clock: systemClock }), actionId, store);
}

describe("takeDeliveredSecret", () => {
  test("returns the secret once to the approver", async () => {
    const store = newStore();
    const rotation = await rotated(store);

    const secret = await take(person(approver), rotation.actionId, store);

    expect(secret).toEqual({ label: rotation.label, value: rotation.value });
    await expect(take(person(approver), rotation.actionId, store)).rejects.toMatchObject({ code: "not_found" });
  });

  test("records credential.delivered without the value", async () => {
    const store = newStore();
    const rotation = await rotated(store);

    await take(person(approver), rotation.actionId, store);

    const events = await db.prisma.auditEvent.findMany({ where: { actionId: rotation.actionId, eventType: CREDENTIAL_DELIVERED_EVENT } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorType: "person", actorId: approver.id, incidentId: incident.id, domain: domain.name });
    expect(events[0]?.payload).toEqual({ executionId: rotation.executionId, label: rotation.label });
    const { rows } = await db.query<{ hits: string }>(`SELECT count(*) AS hits FROM audit_events WHERE payload::text LIKE '%' || $1 || '%'`, [rotation.value]);
    expect(Number(rows[0]?.hits)).toBe(0);
  });

  test("rejects another approver and keeps the secret", async () => {
    const store = newStore();
    const rotation = await rotated(store);

    await expect(take(person(otherApprover), rotation.actionId, store)).rejects.toMatchObject({ code: "forbidden" });

    expect(await store.has(rotation.executionId)).toBe(true);
    expect(await db.prisma.auditEvent.count({ where: { actionId: rotation.actionId, eventType: CREDENTIAL_DELIVERED_EVENT } })).toBe(0);
    expect((await take(person(approver), rotation.actionId, store)).value).toBe(rotation.value);
  });

  test("rejects a personal access token of the approver", async () => {
    const store = newStore();
    const rotation = await rotated(store);

    await expect(take({ type: "person", user: approver, via: "token" }, rotation.actionId, store)).rejects.toMatchObject({ code: "forbidden" });
    expect(await store.has(rotation.executionId)).toBe(true);
  });

  test("rejects a workload and the system", async () => {
    const store = newStore();
    const rotation = await rotated(store);

    await expect(take(workload(client), rotation.actionId, store)).rejects.toMatchObject({ code: "forbidden" });
    await expect(take({ type: "system", id: "cordon" }, rotation.actionId, store)).rejects.toMatchObject({ code: "forbidden" });
    expect(await store.has(rotation.executionId)).toBe(true);
  });

  test("rejects an approver who lost the approver role", async () => {
    const store = newStore();
    const rotation = await rotated(store);
    const demoted = { ...approver, roles: ["analyst" as const] };

    await expect(take(person(demoted), rotation.actionId, store)).rejects.toMatchObject({ code: "forbidden" });
    expect(await store.has(rotation.executionId)).toBe(true);
  });

  test("rejects an approval of an earlier round", async () => {
    const store = newStore();
    const rotation = await rotated(store);
    await db.prisma.$transaction((tx) =>
      appendAuditEvent(tx, { occurredAt: new Date(), actor: { type: "system", id: "executor" }, eventType: "action.drifted", actionId: rotation.actionId, incidentId: incident.id, payload: {} }),
    );

    await expect(take(person(approver), rotation.actionId, store)).rejects.toMatchObject({ code: "forbidden" });
  });

  test("reports taken, expired and undelivered alike", async () => {
    const store = newStore();
    const alreadyTaken = await rotated(store);
    await take(person(approver), alreadyTaken.actionId, store);
    const shortLived = newStore({ pickupWindowSeconds: 1 });
    const expired = await rotated(shortLived);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const never = await rotated(null);

    const errors = await Promise.all([
      take(person(approver), alreadyTaken.actionId, store).catch((error: unknown) => error),
      take(person(approver), expired.actionId, shortLived).catch((error: unknown) => error),
      take(person(approver), never.actionId, store).catch((error: unknown) => error),
    ]);

    for (const error of errors) expect(error).toMatchObject({ code: "not_found" });
    const messages = new Set(errors.map((error) => (error as Error).message));
    expect(messages.size).toBe(1);
  });

  test("returns the newest rotation and discards older ones", async () => {
    const store = newStore();
    const rotation = await rotated(store, 2);

    const secret = await take(person(approver), rotation.actionId, store);

    expect(secret.value).toBe(rotation.value);
    for (const executionId of rotation.executionIds) expect(await store.has(executionId)).toBe(false);
    await expect(take(person(approver), rotation.actionId, store)).rejects.toMatchObject({ code: "not_found" });
    const events = await db.prisma.auditEvent.findMany({ where: { actionId: rotation.actionId, eventType: CREDENTIAL_DELIVERED_EVENT } });
    expect(events.map((event) => event.payload)).toEqual([{ executionId: rotation.executionId, label: rotation.label }]);
    const discarded = await db.prisma.auditEvent.findMany({ where: { actionId: rotation.actionId, eventType: "credential.discarded" } });
    expect(discarded.map((event) => event.payload)).toEqual([{ executionId: rotation.executionIds[0], label: rotation.label, reason: "a later rotation replaced it" }]);
  });

  test("reports unknown or malformed action ids", async () => {
    const store = newStore();

    await expect(take(person(approver), "00000000-0000-4000-8000-000000000000", store)).rejects.toMatchObject({ code: "not_found" });
    await expect(take(person(approver), "../actions", store)).rejects.toMatchObject({ code: "not_found" });
  });
});
