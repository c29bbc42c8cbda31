import { z } from "zod";
import { ZListActionsQuery } from "@/lib/actions/list-actions";
import { ZApprovalBody, ZEvidenceItem, ZIncidentBody, ZProposeActionBody, ZTarget } from "@/lib/actions/schemas";
import { MAX_INGEST_BODY_BYTES } from "@/lib/audit/ingest/schemas";
import { ZIngestEventsBody } from "@/lib/audit/ingest/schemas";
import { ZTimelineQuery } from "@/lib/audit/timeline";
import { ZIsoDuration } from "@/lib/time/duration";
import packageJson from "@/package.json";
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from "./body";
import * as responses from "./openapi-schemas";
import { STATUS_BY_CODE } from "./problem";
import type { AuthMode } from "./route";

type JsonSchema = Record<string, unknown>;
type OpenApiObject = Record<string, unknown>;

/** One operation of the automation API, as the document describes it. */
export interface ApiOperation {
  method: "get" | "post";
  /** Path template relative to the server URL `/api/v1`, such as `/actions/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: "incidents" | "actions" | "audit" | "meta";
  auth: AuthMode;
  /** Whether personal access tokens are accepted besides console sessions. */
  personalTokens?: boolean;
  body?: z.ZodType;
  /** Upper limit of the request body in bytes; defaults to the API's 64 KiB. */
  maxBodyBytes?: number;
  query?: z.ZodObject;
  idempotencyKey?: boolean;
  success: Record<number, { description: string; schema: z.ZodType; location?: boolean }>;
  /** Problem codes the operation can return besides those every operation of its kind can. */
  problems: string[];
}

const ACTION_ID = { name: "id", description: "Action id (UUID)." };
const INCIDENT_ID = { name: "id", description: "Incident id (UUID) as returned by `POST /incidents`." };

/** Every route under app/api/v1; a test walks that folder and fails on a route missing here. */
export const API_OPERATIONS: ApiOperation[] = [
  {
    method: "post",
    path: "/incidents",
    operationId: "upsertIncident",
    summary: "Create or update an incident",
    description: "Creates the incident, or updates the one with the same `externalId`. Sending the same body again changes nothing and returns 200.",
    tag: "incidents",
    auth: "workload",
    body: ZIncidentBody,
    success: {
      201: { description: "The incident was created.", schema: responses.ZIncidentView },
      200: { description: "An incident with this `externalId` existed; it was updated or was already identical.", schema: responses.ZIncidentView },
    },
    problems: ["forbidden"],
  },
  {
    method: "post",
    path: "/actions",
    operationId: "proposeAction",
    summary: "Propose a containment action",
    description:
      "Evaluates policy and stores the action as `pending`, or as `denied` when policy denies it. With an `Idempotency-Key`, repeating the request with the same body returns the first result with status 200 and `replayed: true`.",
    tag: "actions",
    auth: "workload",
    body: ZProposeActionBody,
    idempotencyKey: true,
    success: {
      201: { description: "The action was created.", schema: responses.ZProposeActionResponse, location: true },
      200: { description: "Replay of an earlier request with the same Idempotency-Key and body.", schema: responses.ZProposeActionResponse, location: true },
    },
    problems: ["forbidden", "open_action_exists", "idempotency_key_reused", "rate_limited"],
  },
  {
    method: "get",
    path: "/actions",
    operationId: "listActions",
    summary: "List actions, newest first",
    description: "A workload sees only the actions it proposed; people see all. Pages are keyed, so pass `nextCursor` as `cursor`.",
    tag: "actions",
    auth: "any",
    personalTokens: true,
    query: ZListActionsQuery,
    success: { 200: { description: "One page of actions.", schema: responses.ZActionList } },
    problems: ["validation_failed"],
  },
  {
    method: "get",
    path: "/actions/{id}",
    operationId: "getAction",
    summary: "Read one action",
    description: "Another workload's action is reported as not found (404), the same as a missing one.",
    tag: "actions",
    auth: "any",
    personalTokens: true,
    success: { 200: { description: "The action.", schema: responses.ZActionView } },
    problems: ["not_found"],
  },
  {
    method: "post",
    path: "/actions/{id}/cancel",
    operationId: "cancelAction",
    summary: "Cancel a pending action",
    description: "Only the workload that proposed the action may cancel it; for any other caller the action is not found.",
    tag: "actions",
    auth: "workload",
    success: { 200: { description: "The cancelled action.", schema: responses.ZActionView } },
    problems: ["forbidden", "not_found", "action_state_conflict"],
  },
  {
    method: "post",
    path: "/actions/{id}/approvals",
    operationId: "recordApproval",
    summary: "Approve or reject a pending action",
    description:
      "For people only, through a console session or a personal access token. Nobody decides on an action they proposed, and the owner of the proposing workload may reject but not approve. The last required approval mints the execution grant.",
    tag: "actions",
    auth: "person",
    personalTokens: true,
    body: ZApprovalBody,
    success: {
      201: { description: "The decision was recorded.", schema: responses.ZApprovalResponse },
      200: { description: "This person had already decided in this round; nothing changed.", schema: responses.ZApprovalResponse },
    },
    problems: ["forbidden", "policy_denied", "separation_of_duties", "not_found", "action_state_conflict", "approval_expired"],
  },
  {
    method: "post",
    path: "/audit/events",
    operationId: "ingestDomainEvents",
    summary: "Send a batch of OCSF events from an identity domain",
    description:
      "Each event is checked on its own: valid events are stored even when others are rejected, and the response lists both. The client must be scoped to the domain. An event whose `metadata.uid` the domain sent before is not stored again.",
    tag: "audit",
    auth: "workload",
    body: ZIngestEventsBody,
    maxBodyBytes: MAX_INGEST_BODY_BYTES,
    success: { 200: { description: "Which events were accepted and which were rejected, with JSON pointers.", schema: responses.ZIngestResult } },
    problems: ["forbidden"],
  },
  {
    method: "get",
    path: "/incidents/{id}/timeline",
    operationId: "getIncidentTimeline",
    summary: "Read an incident's correlated timeline",
    description:
      "Cordon's audit events and the domain events correlated with the incident, oldest first, with the verification status of the incident's audit chain. A workload may read only incidents in which it proposed an action.",
    tag: "incidents",
    auth: "any",
    personalTokens: true,
    query: ZTimelineQuery,
    success: { 200: { description: "One page of the timeline.", schema: responses.ZIncidentTimeline } },
    problems: ["not_found", "validation_failed"],
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This OpenAPI 3.1 document",
    tag: "meta",
    auth: "public",
    success: { 200: { description: "The document.", schema: z.record(z.string(), z.unknown()) } },
    problems: [],
  },
];

/** Request schemas and shared parts, named in `components.schemas`. */
const NAMED_SCHEMAS: [z.ZodType, string, string?][] = [
  [ZIncidentBody, "IncidentBody"],
  [ZProposeActionBody, "ProposeActionBody"],
  [ZApprovalBody, "ApprovalBody"],
  [ZIngestEventsBody, "IngestEventsBody"],
  [ZTarget, "ActionTargetInput"],
  [ZEvidenceItem, "EvidenceItem"],
  [ZIsoDuration, "IsoDuration", "A positive ISO 8601 duration of days, hours, minutes and seconds, such as `PT15M` or `P1DT4H`. Years and months are rejected."],
  [responses.ZProblem, "Problem", "RFC 9457 problem details. `code` is stable; `errors` lists JSON pointers to invalid values."],
  [responses.ZFieldError, "FieldError"],
  [responses.ZIncidentView, "Incident"],
  [responses.ZActionView, "Action"],
  [responses.ZActionTarget, "ActionTarget"],
  [responses.ZRequestedBy, "RequestedBy"],
  [responses.ZPolicyDecisionSummary, "PolicyDecisionSummary"],
  [responses.ZPolicyDecisionRecord, "PolicyDecision"],
  [responses.ZScopeDiff, "ScopeDiff"],
  [responses.ZApprovalView, "Approval"],
  [responses.ZExecutionView, "Execution"],
  [responses.ZActionClocks, "ActionClocks"],
  [responses.ZProposeActionResponse, "ProposedAction"],
  [responses.ZApprovalResponse, "ApprovalOutcome"],
  [responses.ZActionList, "ActionList"],
  [responses.ZTimelineItem, "TimelineItem"],
  [responses.ZIncidentTimeline, "IncidentTimeline"],
  [responses.ZIngestResult, "IngestResult"],
];

const TITLES: Record<number, string> = {
  400: "Malformed request: the body is empty, not JSON, or nested too deeply.",
  401: "Missing, malformed, unknown, revoked or expired credentials. The response does not say which.",
  403: "Authenticated, but not allowed.",
  404: "Not found, or not visible to this caller.",
  409: "Conflict with the current state.",
  410: "The decision deadline has passed.",
  413: "The body exceeds the size limit.",
  415: "The body is not `application/json`.",
  422: "A value is invalid; `errors` lists JSON pointers.",
  429: "Rate limit exceeded; retry after `Retry-After` seconds.",
  500: "Unexpected error; quote `requestId` when reporting it.",
};

/** Problem codes every operation with these properties can return. */
function implicitProblems(operation: ApiOperation): string[] {
  const codes = ["internal_error"];
  if (operation.auth !== "public") codes.push("unauthenticated");
  if (operation.body) codes.push("bad_request", "payload_too_large", "unsupported_media_type", "validation_failed");
  if (operation.auth !== "public" && operation.auth !== "any") codes.push("forbidden");
  if (operation.idempotencyKey) codes.push("validation_failed");
  return codes;
}

/** Problem codes of an operation grouped by HTTP status, from the one code → status table. */
export function problemStatuses(operation: ApiOperation): Map<number, string[]> {
  const byStatus = new Map<number, string[]>();
  for (const code of new Set([...implicitProblems(operation), ...operation.problems])) {
    const status = code === "internal_error" ? 500 : STATUS_BY_CODE[code];
    if (status === undefined) throw new Error(`problem code ${code} of ${operation.operationId} has no status in STATUS_BY_CODE`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return byStatus;
}

/** Every status an operation is documented to return, successes and problems. */
export function documentedStatuses(operation: ApiOperation): number[] {
  return [...Object.keys(operation.success).map(Number), ...problemStatuses(operation).keys()].sort((a, b) => a - b);
}

function security(operation: ApiOperation): Record<string, string[]>[] {
  const workload: Record<string, string[]>[] = [{ workloadJwt: [] }, { apiKey: [] }];
  const person: Record<string, string[]>[] = [{ sessionCookie: [] }, ...(operation.personalTokens ? [{ personalToken: [] }] : [])];
  switch (operation.auth) {
    case "public":
      return [];
    case "workload":
      return workload;
    case "person":
      return person;
    case "any":
      return [...workload, ...person];
  }
}

/** Converts the named schemas in one pass, so shared parts become `$ref`s to components. */
function componentSchemas(): { schemas: Record<string, JsonSchema>; ref: (schema: z.ZodType) => JsonSchema } {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of NAMED_SCHEMAS) registry.add(schema, { id });
  // `io: "input"` describes what a client sends: fields with defaults are optional and durations
  // are the strings a client writes, not the seconds they parse to. Response schemas have no
  // defaults or transforms, so for them input and output are the same.
  const converted = z.toJSONSchema(registry, { io: "input", target: "draft-2020-12", unrepresentable: "throw", uri: (id) => `#/components/schemas/${id}` });
  // zod puts schemas reached along a cycle under `__shared`; none of the API's schemas has one.
  if ("__shared" in converted.schemas) throw new Error("an API schema is recursive; name the recursive part in NAMED_SCHEMAS");

  const descriptions = new Map(NAMED_SCHEMAS.map(([, id, description]) => [id, description]));
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(converted.schemas)) {
    // Both keywords belong to standalone JSON Schema documents; inside OpenAPI components an
    // `$id` would change the base URI that the `#/components/...` references resolve against.
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
    const description = descriptions.get(id);
    schemas[id] = description ? { description, ...rest } : rest;
  }
  const ids = new Map(NAMED_SCHEMAS.map(([schema, id]) => [schema, id]));
  return {
    schemas,
    ref(schema) {
      const id = ids.get(schema);
      if (id) return { $ref: `#/components/schemas/${id}` };
      const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as JsonSchema;
      return rest;
    },
  };
}

function parameters(operation: ApiOperation): OpenApiObject[] {
  const list: OpenApiObject[] = [];
  if (operation.path.includes("{id}")) {
    const id = operation.path.startsWith("/incidents") ? INCIDENT_ID : ACTION_ID;
    list.push({ name: id.name, in: "path", required: true, description: id.description, schema: { type: "string" } });
  }
  if (operation.query) {
    const schema = z.toJSONSchema(operation.query, { io: "input", target: "draft-2020-12" }) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      list.push({ name, in: "query", required: schema.required?.includes(name) ?? false, schema: property });
    }
  }
  if (operation.idempotencyKey) {
    list.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: "Makes the request safe to retry: the same key with the same body from the same client returns the first result and creates nothing new. The same key with another body is rejected with 422.",
      // NOTE: a copy of the route's ZIdempotencyKey, which a Next.js route file cannot export;
      // tests/api checks both limits over HTTP.
      schema: { type: "string", minLength: 1, maxLength: 200, pattern: "^[\\x21-\\x7e]+$" },
    });
  }
  return list;
}

const REQUEST_ID_HEADER = { $ref: "#/components/headers/X-Request-Id" };

function operationObject(operation: ApiOperation, ref: (schema: z.ZodType) => JsonSchema): OpenApiObject {
  const result: Record<string, OpenApiObject> = {};
  for (const [status, success] of Object.entries(operation.success)) {
    const headers: OpenApiObject = { "X-Request-Id": REQUEST_ID_HEADER };
    if (success.location) headers.Location = { description: "URL of the action.", schema: { type: "string" } };
    result[status] = { description: success.description, headers, content: { "application/json": { schema: ref(success.schema) } } };
  }
  for (const [status, codes] of problemStatuses(operation)) {
    const headers: OpenApiObject = { "X-Request-Id": REQUEST_ID_HEADER };
    if (status === 429) headers["Retry-After"] = { description: "Seconds to wait before the next proposal.", schema: { type: "integer", minimum: 1 } };
    const description = `${TITLES[status] ?? "Error."} Codes: ${codes.map((code) => `\`${code}\``).join(", ")}.`;
    result[String(status)] = { description, headers, content: { "application/problem+json": { schema: ref(responses.ZProblem) } } };
  }

  const object: OpenApiObject = {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    security: security(operation),
    parameters: parameters(operation),
    responses: result,
  };
  if (operation.body) {
    const limit = operation.maxBodyBytes ?? MAX_BODY_BYTES;
    object.requestBody = {
      required: true,
      description: `JSON, at most ${limit} bytes and ${MAX_JSON_DEPTH} levels deep. Unknown fields are rejected.`,
      content: { "application/json": { schema: ref(operation.body) } },
    };
  }
  return object;
}

const SECURITY_SCHEMES = {
  workloadJwt: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A workload JWT from an issuer registered for the client: RS256, PS256, ES256 or EdDSA, `aud` equal to Cordon's audience (CORDON_API_AUDIENCE, default `cordon`), `exp` required, 60 s clock tolerance. Keys come only from the registered JWKS URL; `jku` and `x5u` headers are ignored.",
  },
  apiKey: { type: "http", scheme: "bearer", bearerFormat: "cdn_<id>_<secret>", description: "API key of a workload client." },
  personalToken: { type: "http", scheme: "bearer", bearerFormat: "cdp_<id>_<secret>", description: "A person's personal access token; accepted on approval and read operations only." },
  sessionCookie: {
    type: "apiKey",
    in: "cookie",
    name: "next-auth.session-token",
    description: "Console session of a signed-in person; named `__Secure-next-auth.session-token` when Cordon is served over HTTPS.",
  },
};

/** Builds the OpenAPI 3.1 document of the automation API from the schemas the handlers use. */
export function buildOpenApiDocument(): OpenApiObject {
  const { schemas, ref } = componentSchemas();
  const paths: Record<string, Record<string, OpenApiObject>> = {};
  for (const operation of API_OPERATIONS) {
    paths[operation.path] = { ...paths[operation.path], [operation.method]: operationObject(operation, ref) };
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "Cordon automation API",
      version: packageJson.version,
      description: "Automation proposes containment actions; people approve them. Errors are RFC 9457 problem details (`application/problem+json`).",
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    servers: [{ url: "/api/v1" }],
    tags: [
      { name: "incidents", description: "Incidents and their correlated timelines." },
      { name: "actions", description: "Proposing, reading, cancelling and deciding on containment actions." },
      { name: "audit", description: "Events reported by identity domains." },
      { name: "meta", description: "This document." },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: SECURITY_SCHEMES,
      headers: { "X-Request-Id": { description: "Id of this request in Cordon's logs; a valid `X-Request-Id` sent by the client is kept.", schema: { type: "string" } } },
    },
  };
}

let cached: OpenApiObject | undefined;

/** The document, built once per process. */
export function openApiDocument(): OpenApiObject {
  cached ??= buildOpenApiDocument();
  return cached;
}
