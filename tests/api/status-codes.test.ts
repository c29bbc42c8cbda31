import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateApiKey } from "@/lib/auth/api-key";
import { generatePersonalToken } from "@/lib/auth/personal-token";
import type { Domain, Incident, PrismaClient } from "@/lib/db/client";
import { API_OPERATIONS, buildOpenApiDocument, documentedStatuses } from "@/lib/http/openapi";
import { createDomain, createIncident, unique } from "@/tests/support/factories";
import { call, observedStatuses, openServerDatabase, problem, seedPerson, seedWorkload, type ApiResponse, type SeededPerson, type SeededWorkload } from "./support/api";
import { startScimDomain, type ScimDomain } from "./support/scim-domain";

// Every status the automation API returns, over HTTP against the production server, with the
// whole problem+json body compared. `call` also checks each response against the served
// OpenAPI document, and the last test checks that every documented status was seen here.

interface ActionBody {
  id: string;
  state: string;
  replayed?: boolean;
  recorded?: boolean;
  clocks: { decisionDeadline: string };
}

let prisma: PrismaClient;
let scim: ScimDomain;
let domain: Domain;
let incident: Incident;
let soar: SeededWorkload;
let otherSoar: SeededWorkload;
let approver: SeededPerson;
let analyst: SeededPerson;
let owner: SeededPerson;

beforeAll(async () => {
  prisma = openServerDatabase();
  scim = await startScimDomain(prisma, 200);
  domain = scim.domain;
  incident = await createIncident(prisma);
  const ownerEmail = `${unique("owner")}@example.com`;
  soar = await seedWorkload(prisma, { domains: [domain.name], owner: ownerEmail, rateLimitPerMinute: 10_000 });
  otherSoar = await seedWorkload(prisma, { domains: [domain.name], rateLimitPerMinute: 10_000 });
  approver = await seedPerson(prisma, { roles: ["approver"] });
  analyst = await seedPerson(prisma, { roles: ["analyst"] });
  owner = await seedPerson(prisma, { roles: ["approver"], email: ownerEmail });
});

afterAll(async () => {
  await scim.close();
  await prisma.$disconnect();
});

let nextTarget = 0;

/** Builds a proposal on a seeded SCIM user that no earlier proposal of this file targeted. */
function proposal(overrides: Record<string, unknown> = {}) {
  const identity = scim.identity(nextTarget);
  nextTarget += 1;
  return {
    kind: "disable_account",
    target: { domain: domain.name, identity, displayName: `User ${identity}` },
    incidentId: incident.id,
    justification: "Credential seen in a public CI log.",
    ...overrides,
  };
}

async function propose(overrides: Record<string, unknown> = {}, token = soar.token): Promise<ActionBody> {
  const response = await call("POST", "/actions", { token, json: proposal(overrides) });
  expect(response.status, response.text).toBe(201);
  return response.body as ActionBody;
}

const approval = { decision: "approve", executionWindow: "PT15M", reason: "contain now" };
const incidentBody = () => ({ externalId: unique("INC"), title: "Leaked deploy token", severity: "high", summary: "Seen in a public CI log." });

/** Returns JSON text of `depth` nested arrays. */
function nested(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

describe("200 and 201", () => {
  test("POST /incidents creates, then returns the unchanged incident", async () => {
    const body = incidentBody();

    const created = await call("POST", "/incidents", { token: soar.token, json: body });
    const again = await call("POST", "/incidents", { token: soar.token, json: body });

    expect(created.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
  });

  test("POST /actions creates a pending action with a Location", async () => {
    const response = await call("POST", "/actions", { token: soar.token, json: proposal() });
    const action = response.body as ActionBody;

    expect(response.status).toBe(201);
    expect(action.state).toBe("pending");
    expect(action.replayed).toBe(false);
    expect(response.headers.get("location")).toBe(`/api/v1/actions/${action.id}`);
  });

  test("POST /actions replays an Idempotency-Key with 200", async () => {
    const body = proposal();
    const headers = { "idempotency-key": unique("key") };

    const first = await call("POST", "/actions", { token: soar.token, json: body, headers });
    const replay = await call("POST", "/actions", { token: soar.token, json: body, headers });

    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect((replay.body as ActionBody).id).toBe((first.body as ActionBody).id);
    expect((replay.body as ActionBody).replayed).toBe(true);
  });

  test("GET /actions and GET /actions/{id} return the client's action", async () => {
    const action = await propose();

    const list = await call("GET", `/actions?incident=${incident.id}&limit=200`, { token: soar.token });
    const one = await call("GET", `/actions/${action.id}`, { token: soar.token });
    const byPerson = await call("GET", `/actions/${action.id}`, { token: approver.token });

    expect(list.status).toBe(200);
    expect((list.body as { items: ActionBody[] }).items.map((item) => item.id)).toContain(action.id);
    expect(one.status).toBe(200);
    expect(byPerson.status).toBe(200);
  });

  test("POST /actions/{id}/approvals records, then approves when the last approval lands", async () => {
    const action = await propose();

    const recorded = await call("POST", `/actions/${action.id}/approvals`, { token: approver.token, json: approval });

    expect(recorded.status).toBe(201);
    expect((recorded.body as ActionBody).state).toBe("approved");
    expect((recorded.body as ActionBody).recorded).toBe(true);
  });

  test("POST /actions/{id}/approvals repeated by one approver returns 200", async () => {
    const action = await propose();
    // Two approvals needed, as policy sets for critical actions, so the first leaves the action pending.
    await prisma.action.update({ where: { id: action.id }, data: { requiredApprovals: 2 } });

    const recorded = await call("POST", `/actions/${action.id}/approvals`, { token: approver.token, json: approval });
    const repeated = await call("POST", `/actions/${action.id}/approvals`, { token: approver.token, json: approval });

    expect(recorded.status).toBe(201);
    expect((recorded.body as ActionBody).state).toBe("pending");
    expect(repeated.status).toBe(200);
    expect((repeated.body as ActionBody).state).toBe("pending");
    expect((repeated.body as ActionBody).recorded).toBe(false);
  });

  test("POST /actions/{id}/cancel cancels the client's pending action", async () => {
    const action = await propose();

    const response = await call("POST", `/actions/${action.id}/cancel`, { token: soar.token });

    expect(response.status).toBe(200);
    expect((response.body as ActionBody).state).toBe("cancelled");
  });

  test("POST /actions/{id}/cancel stores the reason sent", async () => {
    const action = await propose();

    const response = await call("POST", `/actions/${action.id}/cancel`, { token: soar.token, json: { reason: "duplicate proposal" } });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ state: "cancelled", stateReason: "duplicate proposal" });
  });

  test("GET /incidents/{id}/timeline returns the events of the client's incident", async () => {
    await propose();

    const response = await call("GET", `/incidents/${incident.id}/timeline?limit=5`, { token: soar.token });

    expect(response.status).toBe(200);
    expect((response.body as { items: unknown[] }).items).toHaveLength(5);
  });

  test("POST /audit/events accepts an event and rejects a malformed one", async () => {
    const event = {
      class_uid: 3002,
      category_uid: 3,
      activity_id: 1,
      type_uid: 300201,
      time: Date.now(),
      severity_id: 1,
      metadata: { uid: unique("evt"), version: "1.3.0", product: { vendor_name: "Cordon tests" } },
      user: { uid: "u-1" },
    };

    const response = await call("POST", "/audit/events", { token: soar.token, json: { domain: domain.name, events: [event, { class_uid: "x" }] } });
    const result = response.body as { accepted: unknown[]; rejected: unknown[] };

    expect(response.status).toBe(200);
    expect(result.rejected).toHaveLength(1);
    expect(result.accepted).toHaveLength(1);
  });

  test("GET /openapi.json serves the document without credentials", async () => {
    const response = await call("GET", "/openapi.json");

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });
});

describe("400", () => {
  test.each([
    { name: "malformed JSON", raw: '{"kind":' },
    { name: "an empty body", raw: "" },
    { name: `JSON nested ${33} levels`, raw: nested(33) },
  ])("POST /actions rejects $name", async ({ raw }) => {
    let detail: string;
    if (raw === "") detail = "the request body is empty; send a JSON object";
    else if (raw === nested(33)) detail = "the JSON body is nested deeper than 32 levels";
    else detail = `the body is not valid JSON: ${jsonParseMessage(raw)}`;

    const response = await call("POST", "/actions", { token: soar.token, raw, contentType: "application/json" });

    expect(response.status).toBe(400);
    expect(response.body).toEqual(problem(400, "bad_request", "Bad Request", detail, "/api/v1/actions"));
  });

  test("POST /actions parses JSON nested exactly 32 levels", async () => {
    const response = await call("POST", "/actions", { token: soar.token, raw: nested(32), contentType: "application/json" });

    expect(response.status).toBe(422);
  });

  test.each([
    ["POST", "/incidents"],
    ["POST", "/actions/{id}/approvals"],
    ["POST", "/actions/{id}/cancel"],
    ["POST", "/audit/events"],
  ])("%s %s rejects malformed JSON", async (method, template) => {
    const path = template.replace("{id}", randomUUID());
    const token = template.includes("approvals") ? approver.token : soar.token;

    const response = await call(method, path, { token, raw: "{", contentType: "application/json" });

    expect(response.status).toBe(400);
    expect(response.body).toEqual(problem(400, "bad_request", "Bad Request", `the body is not valid JSON: ${jsonParseMessage("{")}`, `/api/v1${path}`));
  });
});

/** Returns the JSON.parse error message of the Node.js binary that also runs the server. */
function jsonParseMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} is valid JSON`);
}

describe("401", () => {
  const unauthenticated = (instance: string) => problem(401, "unauthenticated", "Unauthorized", "the credentials are missing, invalid or expired", instance);

  test.each(API_OPERATIONS.filter((operation) => operation.auth !== "public"))("$method $path without credentials", async ({ method, path: template }) => {
    const path = template.replace("{id}", randomUUID());

    const response = await call(method.toUpperCase(), path, method === "post" ? { json: {} } : {});

    expect(response.status).toBe(401);
    expect(response.body).toEqual(unauthenticated(`/api/v1${path}`));
  });

  const credentials: { name: string; token?: () => Promise<string>; authorization?: string }[] = [
    { name: "a Basic credential", authorization: "Basic c29hcjpzZWNyZXQ=" },
    { name: "a bearer value of no known format", authorization: "Bearer not-a-token" },
    { name: "an API key with a short secret", token: async () => "cdn_abcdefghijkl_short" },
    { name: "an unknown API key", token: async () => generateApiKey().token },
    { name: "an API key with the wrong secret", token: async () => `cdn_${soar.keyId}_${generateApiKey().secret}` },
    { name: "a revoked API key", token: async () => (await seedWorkload(prisma, { key: { revokedAt: new Date(Date.now() - 1000) } })).token },
    { name: "an expired API key", token: async () => (await seedWorkload(prisma, { key: { expiresAt: new Date(Date.now() - 1000) } })).token },
    {
      name: "the key of a disabled client",
      token: async () => {
        const disabled = await seedWorkload(prisma);
        await prisma.workloadClient.update({ where: { id: disabled.client.id }, data: { enabled: false } });
        return disabled.token;
      },
    },
    { name: "an unknown personal token", token: async () => generatePersonalToken().token },
    { name: "a revoked personal token", token: async () => (await seedPerson(prisma, { token: { revokedAt: new Date(Date.now() - 1000) } })).token },
    { name: "an expired personal token", token: async () => (await seedPerson(prisma, { token: { expiresAt: new Date(Date.now() - 1000) } })).token },
    {
      name: "the token of a disabled person",
      token: async () => {
        const disabled = await seedPerson(prisma);
        await prisma.user.update({ where: { id: disabled.user.id }, data: { disabled: true } });
        return disabled.token;
      },
    },
  ];

  test.each(credentials)("GET /actions with $name", async ({ token, authorization }) => {
    const response = await call("GET", "/actions", token ? { token: await token() } : { headers: { authorization: authorization! } });

    expect(response.status).toBe(401);
    expect(response.body).toEqual(unauthenticated("/api/v1/actions"));
  });

  // RFC 9110 §15.5.2: a 401 response must carry at least one challenge in WWW-Authenticate.
  test("a 401 response carries a Bearer challenge", async () => {
    const response = await call("GET", "/actions");

    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate") ?? "(none)").toMatch(/^Bearer\b/);
  });
});

describe("403", () => {
  const forWorkloads = "this endpoint is for workload clients; people use the console or the approval endpoints";

  test.each([
    ["POST", "/incidents"],
    ["POST", "/actions"],
    ["POST", "/actions/{id}/cancel"],
    ["POST", "/audit/events"],
  ])("%s %s rejects a personal access token", async (method, template) => {
    const path = template.replace("{id}", randomUUID());

    const response = await call(method, path, { token: approver.token, json: {} });

    expect(response.status).toBe(403);
    expect(response.body).toEqual(problem(403, "forbidden", "Forbidden", forWorkloads, `/api/v1${path}`));
  });

  test("POST /actions/{id}/approvals rejects a workload", async () => {
    const action = await propose();

    const response = await call("POST", `/actions/${action.id}/approvals`, { token: soar.token, json: approval });

    expect(response.status).toBe(403);
    expect(response.body).toEqual(problem(403, "forbidden", "Forbidden", "this endpoint is for people; workload clients cannot use it", `/api/v1/actions/${action.id}/approvals`));
  });

  test("POST /actions answers an unregistered domain outside the scope with 403", async () => {
    const response = await call("POST", "/actions", { token: soar.token, json: proposal({ target: { domain: unique("nowhere"), identity: "r" } }) as never });

    expect(response.status).toBe(403);
    expect(response.body).toEqual(
      problem(403, "policy_denied", "Forbidden", 'Denied by policy "workload-domain-out-of-scope": Automation may not propose an action against a domain outside its allowed domains.', "/api/v1/actions", {
        policies: ["workload-domain-out-of-scope"],
      }),
    );
  });

  test("POST /actions/{id}/approvals rejects an analyst by policy", async () => {
    const action = await propose();

    const response = await call("POST", `/actions/${action.id}/approvals`, { token: analyst.token, json: approval });

    expect(response.status).toBe(403);
    expect(response.body).toEqual(
      problem(403, "policy_denied", "Forbidden", 'Denied by policy "decision-requires-approver-role": Only a person with the approver role may approve or reject an action.', `/api/v1/actions/${action.id}/approvals`, {
        actionId: action.id,
        policies: ["decision-requires-approver-role"],
      }),
    );
  });

  test("POST /actions/{id}/approvals rejects the owner of the proposing workload", async () => {
    const action = await propose();

    const response = await call("POST", `/actions/${action.id}/approvals`, { token: owner.token, json: approval });

    expect(response.status).toBe(403);
    expect(response.body).toEqual(
      problem(403, "separation_of_duties", "Forbidden", "you own the workload that proposed this action, so you do not count as an independent approver", `/api/v1/actions/${action.id}/approvals`, {
        actionId: action.id,
      }),
    );
  });

  test("POST /audit/events rejects a domain outside the client's scope", async () => {
    const unscoped = await createDomain(prisma);

    const response = await call("POST", "/audit/events", { token: soar.token, json: { domain: unscoped.name, events: [{}] } });

    expect(response.status).toBe(403);
    expect(response.body).toEqual(
      problem(403, "forbidden", "Forbidden", `client ${soar.client.name} is not scoped to domain ${JSON.stringify(unscoped.name)}; an administrator must add the domain to the client's allowed domains`, "/api/v1/audit/events", {
        domain: unscoped.name,
      }),
    );
  });
});

describe("404", () => {
  const notFound = (id: string, instance: string) => problem(404, "not_found", "Not Found", `action ${id} not found`, instance, { actionId: id });

  test.each([
    { name: "an unknown action", id: () => randomUUID() },
    { name: "an id that is not a UUID", id: () => "not-a-uuid" },
  ])("GET /actions/{id} for $name", async ({ id }) => {
    const actionId = id();

    const response = await call("GET", `/actions/${actionId}`, { token: soar.token });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(notFound(actionId, `/api/v1/actions/${actionId}`));
  });

  test("GET /actions/{id} hides another client's action", async () => {
    const action = await propose({}, otherSoar.token);

    const response = await call("GET", `/actions/${action.id}`, { token: soar.token });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(notFound(action.id, `/api/v1/actions/${action.id}`));
  });

  test.each([
    { name: "another client's action", own: false },
    { name: "an unknown action", own: null },
  ])("POST /actions/{id}/cancel for $name", async ({ own }) => {
    const actionId = own === null ? randomUUID() : (await propose({}, otherSoar.token)).id;

    const response = await call("POST", `/actions/${actionId}/cancel`, { token: soar.token });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(notFound(actionId, `/api/v1/actions/${actionId}/cancel`));
  });

  test("POST /actions/{id}/approvals for an unknown action", async () => {
    const actionId = randomUUID();

    const response = await call("POST", `/actions/${actionId}/approvals`, { token: approver.token, json: approval });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(notFound(actionId, `/api/v1/actions/${actionId}/approvals`));
  });

  test.each([
    { name: "an unknown incident", incidentId: () => randomUUID() },
    { name: "an incident the client proposed nothing in", incidentId: async () => (await createIncident(prisma)).id },
  ])("GET /incidents/{id}/timeline for $name", async ({ incidentId }) => {
    const id = await incidentId();

    const response = await call("GET", `/incidents/${id}/timeline`, { token: soar.token });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(problem(404, "not_found", "Not Found", `incident ${id} not found`, `/api/v1/incidents/${id}/timeline`, { incidentId: id }));
  });
});

describe("409", () => {
  test("POST /actions names the open action on the same target", async () => {
    const body = proposal();
    const first = await call("POST", "/actions", { token: soar.token, json: body });
    const open = first.body as ActionBody;

    const response = await call("POST", "/actions", { token: soar.token, json: { ...body, justification: "Again." } });

    expect(response.status).toBe(409);
    expect(response.body).toEqual(
      problem(409, "open_action_exists", "Conflict", `action ${open.id} of kind disable_account on this target is already pending`, "/api/v1/actions", { actionId: open.id, state: "pending" }),
    );
  });

  test("POST /actions/{id}/approvals rejects a cancelled action", async () => {
    const action = await propose();
    await call("POST", `/actions/${action.id}/cancel`, { token: soar.token });

    const response = await call("POST", `/actions/${action.id}/approvals`, { token: approver.token, json: approval });

    expect(response.status).toBe(409);
    expect(response.body).toEqual(
      problem(409, "action_state_conflict", "Conflict", `action ${action.id} is cancelled, not pending, so it takes no decision`, `/api/v1/actions/${action.id}/approvals`, {
        actionId: action.id,
        state: "cancelled",
      }),
    );
  });

  test("POST /actions/{id}/cancel rejects a cancelled action", async () => {
    const action = await propose();
    await call("POST", `/actions/${action.id}/cancel`, { token: soar.token });

    const response = await call("POST", `/actions/${action.id}/cancel`, { token: soar.token });

    expect(response.status).toBe(409);
    expect(response.body).toEqual(
      problem(409, "action_state_conflict", "Conflict", `action ${action.id} is cancelled and cannot become cancelled`, `/api/v1/actions/${action.id}/cancel`, { actionId: action.id, state: "cancelled" }),
    );
  });
});

describe("410", () => {
  test("POST /actions/{id}/approvals after the decision deadline", async () => {
    const action = await propose({ decisionDeadline: "PT1S" });
    const deadline = action.clocks.decisionDeadline;
    await new Promise((resolve) => setTimeout(resolve, Date.parse(deadline) - Date.now() + 100));

    const response = await call("POST", `/actions/${action.id}/approvals`, { token: approver.token, json: approval });

    expect(response.status).toBe(410);
    expect(response.body).toEqual(
      problem(410, "approval_expired", "Gone", `the decision deadline of action ${action.id} passed at ${deadline}`, `/api/v1/actions/${action.id}/approvals`, { actionId: action.id, decisionDeadline: deadline }),
    );
  });
});

describe("413", () => {
  const limit = 64 * 1024;
  const padded = (bytes: number) => JSON.stringify({ ...proposal(), justification: "x".repeat(bytes) });

  test("POST /actions rejects a declared length over 64 KiB", async () => {
    const raw = padded(limit);
    const size = Buffer.byteLength(raw);

    const response = await call("POST", "/actions", { token: soar.token, raw, contentType: "application/json", newConnection: true });

    expect(response.status).toBe(413);
    expect(response.body).toEqual(problem(413, "payload_too_large", "Content Too Large", `the body is ${size} bytes; the limit is ${limit} bytes`, "/api/v1/actions"));
  });

  test("POST /actions cuts off a chunked body over 64 KiB", async () => {
    const chunks = Array.from({ length: 8 }, () => new TextEncoder().encode(" ".repeat(16 * 1024)));

    const response = await call("POST", "/actions", { token: soar.token, chunks, contentType: "application/json" });

    expect(response.status).toBe(413);
    expect(response.body).toEqual(problem(413, "payload_too_large", "Content Too Large", `the body exceeds the limit of ${limit} bytes`, "/api/v1/actions"));
  });

  test.each([
    { path: "/incidents", token: () => soar.token },
    { path: "/actions/{id}/approvals", token: () => approver.token },
    { path: "/actions/{id}/cancel", token: () => soar.token },
  ])("POST $path rejects a body over 64 KiB", async ({ path: template, token }) => {
    const path = template.replace("{id}", randomUUID());
    const raw = JSON.stringify({ summary: "x".repeat(limit) });

    const response = await call("POST", path, { token: token(), raw, contentType: "application/json", newConnection: true });

    expect(response.status).toBe(413);
    expect(response.body).toEqual(problem(413, "payload_too_large", "Content Too Large", `the body is ${Buffer.byteLength(raw)} bytes; the limit is ${limit} bytes`, `/api/v1${path}`));
  });

  test("POST /audit/events rejects a body over 4 MiB", async () => {
    const ingestLimit = 4 * 1024 * 1024;
    const raw = JSON.stringify({ domain: domain.name, events: ["x".repeat(ingestLimit)] });

    const response = await call("POST", "/audit/events", { token: soar.token, raw, contentType: "application/json", newConnection: true });

    expect(response.status).toBe(413);
    expect(response.body).toEqual(
      problem(413, "payload_too_large", "Content Too Large", `the body is ${Buffer.byteLength(raw)} bytes; the limit is ${ingestLimit} bytes`, "/api/v1/audit/events"),
    );
  });
});

describe("415", () => {
  test.each([
    { path: "/incidents", contentType: "text/plain", token: () => soar.token },
    { path: "/actions", contentType: "application/x-www-form-urlencoded", token: () => soar.token },
    { path: "/actions/{id}/approvals", contentType: "text/plain", token: () => approver.token },
    { path: "/actions/{id}/cancel", contentType: "text/plain", token: () => soar.token },
    { path: "/audit/events", contentType: "text/csv", token: () => soar.token },
  ])("POST $path rejects $contentType", async ({ path: template, contentType, token }) => {
    const path = template.replace("{id}", randomUUID());

    const response = await call("POST", path, { token: token(), raw: "{}", contentType });

    expect(response.status).toBe(415);
    expect(response.body).toEqual(
      problem(415, "unsupported_media_type", "Unsupported Media Type", `content type ${JSON.stringify(contentType)} is not supported; send application/json`, `/api/v1${path}`),
    );
  });

  test("POST /actions rejects a body without a content type", async () => {
    const response = await call("POST", "/actions", { token: soar.token, raw: new TextEncoder().encode("{}") });

    expect(response.status).toBe(415);
    expect(response.body).toEqual(problem(415, "unsupported_media_type", "Unsupported Media Type", 'content type "(none)" is not supported; send application/json', "/api/v1/actions"));
  });
});

describe("422", () => {
  const invalid = (detail: string, instance: string, errors: { pointer: string; message: string }[], code = "validation_failed") =>
    problem(422, code, "Unprocessable Content", detail, instance, code === "validation_failed" ? { errors } : {});

  test("POST /actions lists a JSON pointer for each invalid value", async () => {
    const body = { ...proposal(), kind: "delete_everything", target: { domain: "", identity: "role-1" }, incidentId: "INC-1", justification: "   " };

    const response = await call("POST", "/actions", { token: soar.token, json: body });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(
      invalid('/kind: Invalid option: expected one of "revoke_token"|"disable_account"|"rotate_credential"|"remove_entitlement"|"quarantine_workload"', "/api/v1/actions", [
        { pointer: "/kind", message: 'Invalid option: expected one of "revoke_token"|"disable_account"|"rotate_credential"|"remove_entitlement"|"quarantine_workload"' },
        { pointer: "/target/domain", message: "Too small: expected string to have >=1 characters" },
        { pointer: "/incidentId", message: "Invalid UUID" },
        { pointer: "/justification", message: "Too small: expected string to have >=1 characters" },
      ]),
    );
  });

  test.each([
    { name: "the body", body: () => ({ ...proposal(), priority: "high" }), pointer: "/priority", key: "priority" },
    { name: "the target", body: () => ({ ...proposal(), target: { domain: domain.name, identity: "r", owner: "x" } }), pointer: "/target/owner", key: "owner" },
    { name: "an evidence item", body: () => ({ ...proposal(), evidence: [{ title: "log", severity: 3 }] }), pointer: "/evidence/0/severity", key: "severity" },
    { name: "the target, with / and ~ in the key", body: () => ({ ...proposal(), target: { domain: domain.name, identity: "r", "a/b~c": "x" } }), pointer: "/target/a~1b~0c", key: "a/b~c" },
  ])("POST /actions rejects an unknown field in $name", async ({ body, pointer, key }) => {
    const message = `Unrecognized key: ${JSON.stringify(key)}`;

    const response = await call("POST", "/actions", { token: soar.token, json: body() });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid(`${pointer}: ${message}`, "/api/v1/actions", [{ pointer, message }]));
  });

  test("POST /actions rejects an Idempotency-Key reused with another body", async () => {
    const headers = { "idempotency-key": unique("key") };
    const first = await call("POST", "/actions", { token: soar.token, json: proposal(), headers });
    const actionId = (first.body as ActionBody).id;

    const response = await call("POST", "/actions", { token: soar.token, json: proposal(), headers });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(
      problem(422, "idempotency_key_reused", "Unprocessable Content", `Idempotency-Key ${JSON.stringify(headers["idempotency-key"])} was already used with a different request body`, "/api/v1/actions", { actionId }),
    );
  });

  test.each([
    { name: "a space", key: "key with space", message: "must be printable ASCII without spaces" },
    { name: "201 characters", key: "k".repeat(201), message: "Too big: expected string to have <=200 characters" },
  ])("POST /actions rejects an Idempotency-Key with $name", async ({ key, message }) => {
    const response = await call("POST", "/actions", { token: soar.token, json: proposal(), headers: { "idempotency-key": key } });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid(`Idempotency-Key header ${message}`, "/api/v1/actions", [{ pointer: "/headers/idempotency-key", message }]));
  });

  test("POST /actions accepts an Idempotency-Key of 200 characters", async () => {
    const response = await call("POST", "/actions", { token: soar.token, json: proposal(), headers: { "idempotency-key": `${unique("k")}`.padEnd(200, "k") } });

    expect(response.status).toBe(201);
  });

  test.each([
    { name: "an unknown incident", body: () => proposal({ incidentId: randomUUID() }), detail: (body: { incidentId: string }) => `incident ${body.incidentId} does not exist; create it with POST /api/v1/incidents first`, pointer: "/incidentId", message: "unknown incident" },
  ])("POST /actions rejects $name", async ({ body, detail, pointer, message }) => {
    const sent = body() as never;

    const response = await call("POST", "/actions", { token: soar.token, json: sent });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid(detail(sent), "/api/v1/actions", [{ pointer, message }]));
  });

  test("POST /actions rejects a target the domain does not have", async () => {
    const message = "SCIM user nobody was not found. target.identity must be the user's SCIM id, not the userName.";

    const response = await call("POST", "/actions", { token: soar.token, json: proposal({ target: { domain: domain.name, identity: "nobody" } }) });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid(`domain ${domain.name} cannot plan disable_account for target "nobody": ${message}`, "/api/v1/actions", [{ pointer: "/target/identity", message }]));
  });

  test("POST /actions/{id}/approvals rejects a window above the policy maximum", async () => {
    const action = await propose();

    const response = await call("POST", `/actions/${action.id}/approvals`, { token: approver.token, json: { ...approval, executionWindow: "P1D" } });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid("execution window P1D exceeds the maximum PT1H allowed by policy", `/api/v1/actions/${action.id}/approvals`, [{ pointer: "/executionWindow", message: "at most PT1H" }]));
  });

  test("POST /actions/{id}/cancel rejects an unknown field", async () => {
    const action = await propose();
    const message = 'Unrecognized key: "force"';

    const response = await call("POST", `/actions/${action.id}/cancel`, { token: soar.token, json: { reason: "duplicate", force: true } });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid(`/force: ${message}`, `/api/v1/actions/${action.id}/cancel`, [{ pointer: "/force", message }]));
  });

  test("POST /incidents rejects an unknown severity", async () => {
    const response = await call("POST", "/incidents", { token: soar.token, json: { ...incidentBody(), severity: "dire" } });
    const message = 'Invalid option: expected one of "low"|"medium"|"high"|"critical"';

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid(`/severity: ${message}`, "/api/v1/incidents", [{ pointer: "/severity", message }]));
  });

  test("POST /audit/events rejects an empty batch", async () => {
    const message = "must contain at least one event";

    const response = await call("POST", "/audit/events", { token: soar.token, json: { domain: domain.name, events: [] } });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid(`/events: ${message}`, "/api/v1/audit/events", [{ pointer: "/events", message }]));
  });

  test.each([
    { path: "/actions?limit=0", instance: "/api/v1/actions", pointer: "/limit", message: "Too small: expected number to be >=1" },
    { path: "/actions?sort=newest", instance: "/api/v1/actions", pointer: "/sort", message: 'Unrecognized key: "sort"' },
    { path: `/incidents/{incident}/timeline?limit=201`, instance: "/api/v1/incidents/{incident}/timeline", pointer: "/limit", message: "Too big: expected number to be <=200" },
  ])("GET $path rejects the query", async ({ path, instance, pointer, message }) => {
    await propose();
    const response = await call("GET", path.replace("{incident}", incident.id), { token: soar.token });

    expect(response.status).toBe(422);
    expect(response.body).toEqual(invalid(`${pointer}: ${message}`, instance.replace("{incident}", incident.id), [{ pointer, message }]));
  });
});

describe("429", () => {
  test("POST /actions limits a client to 2 per minute", async () => {
    const limited = await seedWorkload(prisma, { domains: [domain.name], rateLimitPerMinute: 2 });
    await propose({}, limited.token);
    await propose({}, limited.token);

    const response: ApiResponse = await call("POST", "/actions", { token: limited.token, json: proposal() });
    const retryAfter = Number(response.headers.get("retry-after"));

    expect(response.status).toBe(429);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(response.body).toEqual(
      problem(429, "rate_limited", "Too Many Requests", `client ${limited.client.name} exceeded 2 proposals per minute; retry after ${retryAfter} s`, "/api/v1/actions", { retryAfterSeconds: retryAfter }),
    );
  });
});

describe("503", () => {
  test("POST /actions when the target's domain does not answer", async () => {
    // A port on 127.0.0.1 that this test listened on and closed again, so connections are refused.
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const { port } = listener.address() as net.AddressInfo;
    await new Promise((resolve) => listener.close(resolve));
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-unreachable-"));
    await fs.writeFile(path.join(folder, "bearer-token"), "unused-token", { mode: 0o600 });
    const unreachable = await prisma.domain.create({
      data: { name: unique("scim-down"), kind: "scim", settings: { baseUrl: `http://127.0.0.1:${port}/scim/v2` }, credentialRef: `file:${path.join(folder, "bearer-token")}` },
    });
    const client = await seedWorkload(prisma, { domains: [unreachable.name], rateLimitPerMinute: 10_000 });
    const body = { ...proposal(), target: { domain: unreachable.name, identity: "user-0" } };

    try {
      const response: ApiResponse = await call("POST", "/actions", { token: client.token, json: body });

      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("30");
      expect(response.body).toMatchObject({ status: 503, code: "domain_unavailable", title: "Service Unavailable", instance: "/api/v1/actions", retryAfterSeconds: 30 });
      expect((response.body as { detail: string }).detail).toMatch(new RegExp(`^domain ${unreachable.name} could not plan the proposal right now: .+; retry later$`));
      expect(await prisma.action.count({ where: { domainId: unreachable.id } })).toBe(0);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});

describe("coverage", () => {
  test("every documented status except 500 was returned above", () => {
    const missing = API_OPERATIONS.flatMap((operation) => {
      const seen = observedStatuses.get(`${operation.method.toUpperCase()} ${operation.path}`) ?? new Set<number>();
      return documentedStatuses(operation)
        .filter((status) => status !== 500 && !seen.has(status))
        .map((status) => `${operation.method.toUpperCase()} ${operation.path} ${status}`);
    });

    expect(missing).toEqual([]);
  });
});
