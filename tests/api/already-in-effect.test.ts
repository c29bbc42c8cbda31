import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Domain, Incident, PrismaClient } from "@/lib/db/client";
import { startScimServer, type ScimServer } from "@/lib/demo/scim-server";
import { createIncident, unique } from "@/tests/support/factories";
import { call, openServerDatabase, problem, seedWorkload, type SeededWorkload } from "./support/api";

// POST /actions for a change the target already has, over HTTP against the production server,
// whose connector planner reads the target from a real SCIM server.

let prisma: PrismaClient;
let scim: ScimServer;
let credentialFolder: string;
let domain: Domain;
let soar: SeededWorkload;

beforeAll(async () => {
  prisma = openServerDatabase();
  const bearerToken = randomBytes(24).toString("base64url");
  scim = await startScimServer({
    bearerToken,
    seed: {
      users: [
        { id: "u-inactive", userName: "inactive@example.com", displayName: "Inactive User", active: false },
        { id: "u-active", userName: "active@example.com", displayName: "Active User" },
      ],
      groups: [{ id: "g-ops", displayName: "Operations", members: ["u-active"] }],
    },
    logger: pino({ level: "silent" }),
  });
  credentialFolder = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-scim-credential-"));
  const credentialFile = path.join(credentialFolder, "bearer-token");
  await fs.writeFile(credentialFile, bearerToken, { mode: 0o600 });
  domain = await prisma.domain.create({ data: { name: unique("scim"), kind: "scim", settings: { baseUrl: scim.url }, credentialRef: `file:${credentialFile}` } });
  soar = await seedWorkload(prisma, { domains: [domain.name], rateLimitPerMinute: 10_000 });
});

afterAll(async () => {
  await scim?.close();
  await fs.rm(credentialFolder, { recursive: true, force: true });
  await prisma?.$disconnect();
});

function proposal(incident: Incident, kind: string, identity: string, parameters: Record<string, unknown> = {}) {
  return { kind, target: { domain: domain.name, identity }, parameters, incidentId: incident.id, justification: "Token seen in a public CI log." };
}

async function eventTypesOf(incident: Incident): Promise<string[]> {
  const events = await prisma.auditEvent.findMany({ where: { incidentId: incident.id }, orderBy: { sequence: "asc" } });
  return events.map((event) => event.eventType);
}

describe("POST /actions for a change already in effect", () => {
  test("disable_account of an inactive user returns 409", async () => {
    const incident = await createIncident(prisma);
    const key = unique("idem");

    const response = await call("POST", "/actions", { token: soar.token, json: proposal(incident, "disable_account", "u-inactive"), headers: { "idempotency-key": key } });

    expect(response.status).toBe(409);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.body).toEqual(
      problem(
        409,
        "already_in_effect",
        "Conflict",
        `disable_account would change nothing for identity "u-inactive" in domain ${domain.name}, because SCIM user "Inactive User" is already inactive (active=false). Nothing needs approving.`,
        "/api/v1/actions",
        { domain: domain.name },
      ),
    );
    expect(await prisma.action.count({ where: { domainId: domain.id, targetIdentity: "u-inactive" } })).toBe(0);
    expect(await prisma.idempotencyRecord.count({ where: { clientId: soar.client.id, key } })).toBe(0);
    expect(await eventTypesOf(incident)).toEqual(["proposal.already_in_effect"]);
  });

  test("remove_entitlement of a non-member returns 409", async () => {
    const incident = await createIncident(prisma);

    const response = await call("POST", "/actions", { token: soar.token, json: proposal(incident, "remove_entitlement", "u-inactive", { entitlement: "Operations" }) });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({
      type: "https://cordon.dev/problems/already_in_effect",
      detail: `remove_entitlement would change nothing for identity "u-inactive" in domain ${domain.name}, because SCIM user u-inactive is not a member of group "Operations" (g-ops). Nothing needs approving.`,
    });
    expect(await eventTypesOf(incident)).toEqual(["proposal.already_in_effect"]);
  });

  test("disable_account of an active user is still created", async () => {
    const incident = await createIncident(prisma);

    const response = await call("POST", "/actions", { token: soar.token, json: proposal(incident, "disable_account", "u-active") });

    expect(response.status).toBe(201);
    expect((response.body as { state: string }).state).toBe("pending");
  });
});
