import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from "vitest";
import { z } from "zod";
import { proposeAction } from "@/lib/actions/propose-action";
import { loadActionView, type ActionView } from "@/lib/actions/read-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZCancelActionBody, ZIncidentBody, ZProposeActionBody } from "@/lib/actions/schemas";
import type { Domain, Incident, WorkloadClient } from "@/lib/db/client";
import * as errors from "@/lib/errors";
import { createDocumentValidator, type OpenApiDocument } from "@/tests/api/support/openapi-validator";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, createUser, person, serviceContext, unique, workload } from "@/tests/support/factories";
import { HttpError, toProblem } from "./problem";
import { API_OPERATIONS, buildOpenApiDocument, documentedStatuses } from "./openapi";
import { ZActionView, ZProblem } from "./openapi-schemas";

const API_ROOT = path.resolve(import.meta.dirname, "../../app/api/v1");
const document = buildOpenApiDocument() as OpenApiDocument;

/** `METHOD /path/{param}` for every exported handler of every route.ts under app/api/v1. */
async function routesOnDisk(directory = API_ROOT): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...(await routesOnDisk(full)));
    if (!entry.isFile() || entry.name !== "route.ts") continue;

    const segments = path.relative(API_ROOT, directory).split(path.sep).filter(Boolean);
    const template = `/${segments.map((segment) => segment.replace(/^\[(\w+)\]$/, "{$1}")).join("/")}`;
    if (/\[/.test(template)) throw new Error(`${full}: catch-all segments are not supported by this check`);
    const source = await fs.readFile(full, "utf8");
    // Operations are exported one by one (`export const GET = apiRoute(…)`). The 405 and OPTIONS
    // handlers that route files destructure from `otherMethods(…)` are not operations, and
    // this pattern does not match a destructuring export.
    for (const match of source.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) {
      found.push(`${match[1]} ${template}`);
    }
  }
  return found.sort();
}

// ---------------------------------------------------------------- the OpenAPI 3.1 subset Cordon emits

const ZJsonSchema = z.record(z.string(), z.unknown());
const ZRef = z.object({ $ref: z.string().regex(/^#\/components\/(schemas|headers)\/[\w.-]+$/) }).strict();
const ZHeader = z.union([ZRef, z.object({ description: z.string(), schema: ZJsonSchema }).strict()]);
const ZMediaTypes = z.record(z.string().regex(/^application\/([\w.-]+\+)?json$/), z.object({ schema: ZJsonSchema }).strict());
const ZParameter = z
  .object({ name: z.string().min(1), in: z.enum(["path", "query", "header", "cookie"]), required: z.boolean(), description: z.string().optional(), schema: ZJsonSchema })
  .strict()
  .refine((parameter) => parameter.in !== "path" || parameter.required, "path parameters must be required");
const ZOperation = z
  .object({
    operationId: z.string().regex(/^[a-z][A-Za-z]+$/),
    summary: z.string().min(1),
    description: z.string().min(1).optional(),
    tags: z.array(z.string()).min(1),
    security: z.array(z.record(z.string(), z.array(z.string()))),
    parameters: z.array(ZParameter),
    requestBody: z.object({ required: z.boolean(), description: z.string(), content: ZMediaTypes }).strict().optional(),
    responses: z.record(z.string().regex(/^[1-5]\d\d$/), z.object({ description: z.string().min(1), headers: z.record(z.string(), ZHeader), content: ZMediaTypes }).strict()),
  })
  .strict();
const ZSecurityScheme = z.union([
  z.object({ type: z.literal("http"), scheme: z.literal("bearer"), bearerFormat: z.string(), description: z.string() }).strict(),
  z.object({ type: z.literal("apiKey"), in: z.enum(["cookie", "header", "query"]), name: z.string(), description: z.string() }).strict(),
]);
const ZOpenApiDocument = z
  .object({
    openapi: z.string().regex(/^3\.1\.\d+$/),
    info: z.object({ title: z.string(), version: z.string().min(1), description: z.string() }).strict(),
    jsonSchemaDialect: z.url(),
    servers: z.array(z.object({ url: z.string() }).strict()).min(1),
    tags: z.array(z.object({ name: z.string(), description: z.string() }).strict()),
    paths: z.record(z.string().regex(/^\/[\w./{}-]*$/), z.object({ get: ZOperation.optional(), post: ZOperation.optional() }).strict()),
    components: z
      .object({
        schemas: z.record(z.string().regex(/^[A-Za-z][\w.-]*$/), ZJsonSchema),
        securitySchemes: z.record(z.string(), ZSecurityScheme),
        headers: z.record(z.string(), ZHeader),
      })
      .strict(),
  })
  .strict();

type Operation = z.infer<typeof ZOperation>;

function operations(): { method: string; template: string; operation: Operation }[] {
  const parsed = ZOpenApiDocument.parse(document);
  return Object.entries(parsed.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, template, operation: operation as Operation })),
  );
}

/** Collects every `$ref` string in `value`. */
function references(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, member]) => (key === "$ref" && typeof member === "string" ? [member] : references(member)));
}

function resolvePointer(pointer: string): unknown {
  return pointer
    .slice(2)
    .split("/")
    .reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined), document);
}

describe("OpenAPI document", () => {
  test("documents every route under app/api/v1 and nothing else", async () => {
    const documented = operations().map(({ method, template }) => `${method.toUpperCase()} ${template}`);

    expect(documented.sort()).toEqual(await routesOnDisk());
  });

  test("matches the OpenAPI 3.1 structure", () => {
    const result = ZOpenApiDocument.safeParse(document);

    expect(result.error?.issues ?? []).toEqual([]);
  });

  test("resolves every $ref", () => {
    const unresolved = [...new Set(references(document))].filter((ref) => resolvePointer(ref) === undefined);

    expect(unresolved).toEqual([]);
  });

  test("compiles every component schema as JSON Schema 2020-12", () => {
    expect(createDocumentValidator(document).compileAll()).toEqual([]);
  });

  test("has unique operation ids and declared tags and schemes", () => {
    const all = operations();
    const tags = new Set((document.tags as { name: string }[]).map((tag) => tag.name));
    const schemes = new Set(Object.keys(document.components.securitySchemes as object));

    expect(new Set(all.map(({ operation }) => operation.operationId)).size).toBe(all.length);
    expect(all.flatMap(({ operation }) => operation.tags).filter((tag) => !tags.has(tag))).toEqual([]);
    expect(all.flatMap(({ operation }) => operation.security.flatMap(Object.keys)).filter((name) => !schemes.has(name))).toEqual([]);
  });

  test("declares each path template parameter", () => {
    for (const { template, operation } of operations()) {
      const inTemplate = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = operation.parameters.filter((parameter) => parameter.in === "path").map((parameter) => parameter.name);

      expect(declared, template).toEqual(inTemplate);
    }
  });

  test("lists a problem+json response for each error status", () => {
    for (const { template, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const expected = Number(status) >= 400 ? ["application/problem+json"] : ["application/json"];

        expect(Object.keys(response.content), `${template} ${status}`).toEqual(expected);
      }
    }
  });

  test("documents the statuses of each operation", () => {
    const byId = Object.fromEntries(API_OPERATIONS.map((operation) => [operation.operationId, documentedStatuses(operation)]));

    expect(byId).toEqual({
      upsertIncident: [200, 201, 400, 401, 403, 413, 415, 422, 500],
      proposeAction: [200, 201, 400, 401, 403, 409, 413, 415, 422, 429, 500, 503],
      listActions: [200, 401, 422, 500],
      getAction: [200, 401, 404, 500],
      cancelAction: [200, 400, 401, 403, 404, 409, 413, 415, 422, 500],
      recordApproval: [200, 201, 400, 401, 403, 404, 409, 410, 413, 415, 422, 500],
      ingestDomainEvents: [200, 400, 401, 403, 413, 415, 422, 500],
      getIncidentTimeline: [200, 401, 404, 422, 500],
      getOpenApiDocument: [200, 500],
    });
  });

  test("marks only the cancel body as optional", () => {
    const required = Object.fromEntries(operations().flatMap(({ operation }) => (operation.requestBody ? [[operation.operationId, operation.requestBody.required]] : [])));

    expect(required).toEqual({ upsertIncident: true, proposeAction: true, cancelAction: false, recordApproval: true, ingestDomainEvents: true });
  });

  test("secures operations by who may call them", () => {
    const security = Object.fromEntries(operations().map(({ operation }) => [operation.operationId, operation.security.flatMap(Object.keys).sort()]));

    expect(security).toEqual({
      upsertIncident: ["apiKey", "workloadJwt"],
      proposeAction: ["apiKey", "workloadJwt"],
      listActions: ["apiKey", "personalToken", "sessionCookie", "workloadJwt"],
      getAction: ["apiKey", "personalToken", "sessionCookie", "workloadJwt"],
      cancelAction: ["apiKey", "workloadJwt"],
      recordApproval: ["personalToken", "sessionCookie"],
      ingestDomainEvents: ["apiKey", "workloadJwt"],
      getIncidentTimeline: ["apiKey", "personalToken", "sessionCookie", "workloadJwt"],
      getOpenApiDocument: [],
    });
  });
});

describe("OpenAPI request schemas", () => {
  const validator = createDocumentValidator(document);
  const incidentId = "0b7f4c1e-8d2a-4f5b-9c3d-2e1f0a9b8c7d";
  const proposal = { kind: "disable_account", target: { domain: "corp", identity: "role-1" }, incidentId, justification: "leaked key", evidence: [{ title: "log line", url: "https://example.com/log" }] };

  // Each body is checked by the handler's zod schema and by the document's JSON Schema, and
  // both must agree. Refinements are left out, because JSON Schema cannot express them.
  const cases: { name: string; schema: z.ZodType; component: string; body: unknown; valid: boolean }[] = [
    { name: "a complete proposal", schema: ZProposeActionBody, component: "ProposeActionBody", body: { ...proposal, decisionDeadline: "PT30M" }, valid: true },
    { name: "a proposal with an unknown field", schema: ZProposeActionBody, component: "ProposeActionBody", body: { ...proposal, priority: 1 }, valid: false },
    { name: "a proposal without a justification", schema: ZProposeActionBody, component: "ProposeActionBody", body: { ...proposal, justification: undefined }, valid: false },
    { name: "a proposal of an unknown kind", schema: ZProposeActionBody, component: "ProposeActionBody", body: { ...proposal, kind: "delete_everything" }, valid: false },
    { name: "a target with an unknown field", schema: ZProposeActionBody, component: "ProposeActionBody", body: { ...proposal, target: { ...proposal.target, owner: "x" } }, valid: false },
    { name: "an approval", schema: ZApprovalBody, component: "ApprovalBody", body: { decision: "approve", executionWindow: "PT15M" }, valid: true },
    { name: "a rejection without a reason", schema: ZApprovalBody, component: "ApprovalBody", body: { decision: "reject" }, valid: false },
    { name: "an approval without a window", schema: ZApprovalBody, component: "ApprovalBody", body: { decision: "approve" }, valid: false },
    { name: "a cancellation with a reason", schema: ZCancelActionBody, component: "CancelActionBody", body: { reason: "duplicate of another proposal" }, valid: true },
    { name: "a cancellation without a reason", schema: ZCancelActionBody, component: "CancelActionBody", body: {}, valid: true },
    { name: "a cancellation with a numeric reason", schema: ZCancelActionBody, component: "CancelActionBody", body: { reason: 7 }, valid: false },
    { name: "a cancellation with an unknown field", schema: ZCancelActionBody, component: "CancelActionBody", body: { reason: "x", force: true }, valid: false },
    { name: "a cancellation with a reason over 2000 characters", schema: ZCancelActionBody, component: "CancelActionBody", body: { reason: "x".repeat(2001) }, valid: false },
    { name: "an incident", schema: ZIncidentBody, component: "IncidentBody", body: { externalId: "INC-1", title: "t", severity: "high", summary: "" }, valid: true },
    { name: "an incident of unknown severity", schema: ZIncidentBody, component: "IncidentBody", body: { externalId: "INC-1", title: "t", severity: "dire", summary: "" }, valid: false },
  ];

  test.each(cases)("$component accepts or rejects $name like the handler", ({ schema, component, body, valid }) => {
    const documentErrors = validator.validate({ $ref: `#/components/schemas/${component}` }, body);

    expect(schema.safeParse(body).success).toBe(valid);
    expect(documentErrors.length === 0).toBe(valid);
  });
});

describe("OpenAPI response schemas", () => {
  let db: TestDatabase;
  let domain: Domain;
  let incident: Incident;
  let client: WorkloadClient;
  const validator = createDocumentValidator(document);

  beforeAll(async () => {
    db = await createTestDatabase();
    domain = await createDomain(db.prisma);
    incident = await createIncident(db.prisma);
    client = await createClient(db.prisma, { domains: [domain.name] });
  });

  afterAll(async () => {
    await db.drop();
  });

  function proposal(overrides: Record<string, unknown> = {}) {
    return ZProposeActionBody.parse({
      kind: "disable_account",
      target: { domain: domain.name, identity: unique("role"), displayName: "svc_deploy" },
      incidentId: incident.id,
      justification: "Credential seen in a public CI log.",
      evidence: [{ title: "CI log", url: "https://ci.example.com/run/1", observedAt: "2026-01-02T03:04:05Z" }],
      ...overrides,
    });
  }

  function expectMatches(view: ActionView): void {
    expect(ZActionView.safeParse(view).error?.issues ?? []).toEqual([]);
    expect(validator.validate({ $ref: "#/components/schemas/Action" }, JSON.parse(JSON.stringify(view)))).toEqual([]);
  }

  test("ZActionView has the keys of toActionView", () => {
    expectTypeOf<keyof z.infer<typeof ZActionView>>().toEqualTypeOf<keyof ActionView>();
  });

  test("Action describes a pending action proposed by a workload", async () => {
    const { action } = await proposeAction(await serviceContext(db.prisma, workload(client)), proposal({ decisionDeadline: "PT1H" }));

    expect(action.state).toBe("pending");
    expectMatches(action);
  });

  test("Action describes a denied action proposed by a person", async () => {
    const analyst = await createUser(db.prisma, { roles: ["analyst"] });
    const outOfScope = await createDomain(db.prisma, { kind: "scim" });
    const context = await serviceContext(db.prisma, person(analyst));
    const { action } = await proposeAction(context, proposal());
    await expect(proposeAction(await serviceContext(db.prisma, workload(client)), proposal({ target: { domain: outOfScope.name, identity: "u-1" } }))).rejects.toMatchObject({ code: "policy_denied" });
    // Policy denies out-of-scope proposals before an action exists. An action becomes denied
    // when policy changes before execution, and this update imitates that.
    await db.prisma.action.update({ where: { id: action.id }, data: { state: "denied", stateReason: "policy denies execution", openKey: null } });
    const denied = await loadActionView(db.prisma, action.id);

    expect(action.requestedBy.type).toBe("person");
    expect(denied.state).toBe("denied");
    expectMatches(action);
    expectMatches(denied);
  });

  test("Action describes an approved action with a grant and an execution", async () => {
    const { action } = await proposeAction(await serviceContext(db.prisma, workload(client)), proposal());
    const approver = await createUser(db.prisma, { roles: ["approver"] });
    await recordApproval(await serviceContext(db.prisma, person(approver)), action.id, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "contain" }));
    await db.prisma.execution.create({
      data: { actionId: action.id, operation: "apply", attempt: 1, idempotencyKey: unique("exec"), status: "succeeded", outcome: "applied", references: [{ type: "request_id", value: "r-1" }], verified: true, startedAt: new Date(), finishedAt: new Date() },
    });
    const view = await loadActionView(db.prisma, action.id);

    expect(view.grant).not.toBeNull();
    expect(view.executions).toHaveLength(1);
    expectMatches(view);
  });

  const problems: [string, unknown][] = [
    ["a zod error", ZProposeActionBody.safeParse({}).error],
    ["bad_request", new HttpError("bad_request", "the body is not valid JSON")],
    ["validation_failed", new errors.ValidationFailed("bad clock", [{ pointer: "/decisionDeadline", message: "too long" }])],
    ["not_found", new errors.NotFound("action x not found", { actionId: "x" })],
    ["policy_denied", new errors.PolicyDenied("denied", { actionId: "a", policies: ["p"] })],
    ["action_state_conflict", new errors.ActionStateConflict("not pending", { actionId: "a", state: "cancelled" })],
    ["approval_expired", new errors.ApprovalExpired("too late", { actionId: "a", decisionDeadline: "2026-01-01T00:00:00.000Z" })],
    ["rate_limited", new errors.RateLimited("slow down", 30)],
    ["forbidden with a domain", new errors.Forbidden("not scoped", { domain: "corp" })],
    ["an unknown error", new Error("secret internals")],
  ];

  test.each(problems)("Problem describes %s", (_name, error) => {
    const problem = toProblem(error, "req-1", "/api/v1/actions");

    expect(ZProblem.safeParse(problem).error?.issues ?? []).toEqual([]);
    expect(validator.validate({ $ref: "#/components/schemas/Problem" }, problem)).toEqual([]);
  });
});
