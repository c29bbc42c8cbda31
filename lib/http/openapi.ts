import { ZIdempotencyKey } from "@/lib/actions/schemas";
import { z } from "zod";
import { ZEvidenceItem, ZIncidentBody, ZProposeActionBody, ZApprovalBody, ZCancelActionBody, ZTarget } from "@/lib/actions/schemas";
import { ZIngestEventsBody } from "@/lib/audit/ingest/schemas";
import { ZIsoDuration } from "@/lib/time/duration";
import packageJson from "@/package.json";
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from "./body";
import { API_OPERATIONS, problemStatuses, type ApiOperation } from "./openapi-operations";
import * as responses from "./openapi-schemas";

export { API_OPERATIONS, documentedStatuses, problemStatuses, type ApiOperation } from "./openapi-operations";

type JsonSchema = Record<string, unknown>;
type OpenApiObject = Record<string, unknown>;

const ACTION_ID = { name: "id", description: "Action id (UUID)." };
const INCIDENT_ID = { name: "id", description: "Incident id (UUID) as returned by `POST /incidents`." };

/** Request schemas and shared parts, named in `components.schemas`. */
const NAMED_SCHEMAS: [z.ZodType, string, string?][] = [
  [ZIncidentBody, "IncidentBody"],
  [ZProposeActionBody, "ProposeActionBody"],
  [ZApprovalBody, "ApprovalBody"],
  [ZCancelActionBody, "CancelActionBody"],
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
      schema: z.toJSONSchema(ZIdempotencyKey, { target: "draft-2020-12" }) as JsonSchema,
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
    const absent = operation.optionalBody ? " May be left out: a request without body bytes is accepted whatever its content type." : "";
    object.requestBody = {
      required: !operation.optionalBody,
      description: `JSON, at most ${limit} bytes and ${MAX_JSON_DEPTH} levels deep. Unknown fields are rejected.${absent}`,
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

/** Returns the document, built once per process. */
export function openApiDocument(): OpenApiObject {
  cached ??= buildOpenApiDocument();
  return cached;
}
