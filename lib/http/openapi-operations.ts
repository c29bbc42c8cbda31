import { z } from "zod";
import { ZListActionsQuery } from "@/lib/actions/list-actions";
import { ZApprovalBody, ZCancelActionBody, ZIncidentBody, ZProposeActionBody } from "@/lib/actions/schemas";
import { MAX_INGEST_BODY_BYTES, ZIngestEventsBody } from "@/lib/audit/ingest/schemas";
import { ZTimelineQuery } from "@/lib/audit/timeline";
import * as responses from "./openapi-schemas";
import { STATUS_BY_CODE } from "./problem";
import type { AuthMode } from "./route";

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
  /** Whether a request without body bytes is accepted, as the route's `optionalBody`. */
  optionalBody?: boolean;
  /** Upper limit of the request body in bytes; defaults to the API's 64 KiB. */
  maxBodyBytes?: number;
  query?: z.ZodObject;
  idempotencyKey?: boolean;
  success: Record<number, { description: string; schema: z.ZodType; location?: boolean }>;
  /** Problem codes the operation can return besides those every operation of its kind can. */
  problems: string[];
}

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
      "Evaluates policy, reads the target's current state from its domain to build the scope diff, and stores the action as `pending`. A proposal that policy denies gets 403 and stores nothing; one whose target already is in the requested state gets 409 `already_in_effect`. With an `Idempotency-Key`, repeating the request with the same body returns the first result with status 200 and `replayed: true`.",
    tag: "actions",
    auth: "workload",
    body: ZProposeActionBody,
    idempotencyKey: true,
    success: {
      201: { description: "The action was created.", schema: responses.ZProposeActionResponse, location: true },
      200: { description: "Replay of an earlier request with the same Idempotency-Key and body.", schema: responses.ZProposeActionResponse, location: true },
    },
    problems: ["forbidden", "open_action_exists", "already_in_effect", "idempotency_key_reused", "rate_limited", "domain_unavailable"],
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
    description:
      "Only the workload that proposed the action may cancel it; for any other caller the action is not found. The body is optional: its `reason` becomes the action's `stateReason` and is recorded in the `action.cancelled` audit event. Without a body or a reason, the reason is `cancelled by the proposing workload`.",
    tag: "actions",
    auth: "workload",
    body: ZCancelActionBody,
    optionalBody: true,
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
