import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Incident, PrismaClient } from "@/lib/db/client";
import { createIncident, unique } from "@/tests/support/factories";
import { call, openServerDatabase, seedWorkload, type SeededWorkload } from "./support/api";
import { startScimDomain, type ScimDomain } from "./support/scim-domain";

const PARALLEL = 10;

let prisma: PrismaClient;
let scim: ScimDomain;
let incident: Incident;
let soar: SeededWorkload;

beforeAll(async () => {
  prisma = openServerDatabase();
  scim = await startScimDomain(prisma, 10);
  incident = await createIncident(prisma);
  soar = await seedWorkload(prisma, { domains: [scim.domain.name], rateLimitPerMinute: 10_000 });
});

afterAll(async () => {
  await scim.close();
  await prisma.$disconnect();
});

function proposal(identity: string) {
  return { kind: "disable_account", target: { domain: scim.domain.name, identity }, incidentId: incident.id, justification: "Token seen in a public CI log." };
}

describe("POST /actions under concurrency", () => {
  test(`${PARALLEL} parallel requests with one Idempotency-Key create one action`, async () => {
    const body = proposal(scim.identity(0));
    const key = unique("idem");

    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => call("POST", "/actions", { token: soar.token, json: body, headers: { "idempotency-key": key } })));
    const statuses = responses.map((response) => response.status).sort();
    const ids = new Set(responses.map((response) => (response.body as { id: string }).id));
    const replayed = responses.filter((response) => (response.body as { replayed: boolean }).replayed);

    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(ids.size).toBe(1);
    expect(replayed).toHaveLength(PARALLEL - 1);
    expect(await prisma.action.count({ where: { domainId: scim.domain.id, targetIdentity: scim.identity(0) } })).toBe(1);
    expect(await prisma.idempotencyRecord.count({ where: { clientId: soar.client.id, key } })).toBe(1);
  });

  test(`${PARALLEL} parallel requests on one target with distinct keys leave one open action`, async () => {
    const body = proposal(scim.identity(1));

    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => call("POST", "/actions", { token: soar.token, json: body, headers: { "idempotency-key": unique("idem") } })));
    const created = responses.filter((response) => response.status === 201);
    const conflicts = responses.filter((response) => response.status === 409);
    const createdId = (created[0]?.body as { id: string } | undefined)?.id;

    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(PARALLEL - 1);
    expect(conflicts.map((response) => (response.body as { actionId: string }).actionId)).toEqual(Array(PARALLEL - 1).fill(createdId));
    expect(await prisma.action.count({ where: { domainId: scim.domain.id, targetIdentity: scim.identity(1) } })).toBe(1);
  });
});
