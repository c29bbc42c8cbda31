import { z } from "zod";
import { ZIncidentBody, ZProposeActionBody } from "@/lib/actions/schemas";
import { ActionKind, ActionState, ActorType, ApprovalDecision, DomainKind, ExecutionOperation, ExecutionStatus, PolicyEffect, RiskLevel, Severity } from "@/lib/db/generated/enums";
import { STATUS_BY_CODE } from "./problem";

// Response bodies of the automation API. Objects are strict so that the HTTP tests, which
// parse real responses with these schemas, fail when a handler returns a field the OpenAPI
// document does not describe. Request bodies are not repeated here: the document takes them
// from the schemas the handlers parse with (lib/actions/schemas.ts and others).

const ZTimestamp = z.iso.datetime();
/** ISO 8601 duration as Cordon formats it, such as `PT15M` or `P1DT4H`. */
const ZDuration = z.string();

export const ZFieldError = z
  .object({
    /** RFC 6901 JSON pointer into the request (`/target/identity`, `/headers/idempotency-key`). */
    pointer: z.string(),
    message: z.string(),
  })
  .strict();

/** Every code the API can return, each with exactly one status in `STATUS_BY_CODE`. */
export const PROBLEM_CODES: [string, ...string[]] = ["internal_error", ...Object.keys(STATUS_BY_CODE)];

/** RFC 9457 problem details, with the extension members Cordon's errors add. */
export const ZProblem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    code: z.enum(PROBLEM_CODES),
    errors: z.array(ZFieldError).optional(),
    actionId: z.string().optional(),
    state: z.enum(ActionState).optional(),
    incidentId: z.string().optional(),
    domain: z.string().optional(),
    decisionDeadline: ZTimestamp.optional(),
    policies: z.array(z.string()).optional(),
    grantId: z.string().optional(),
    expiresAt: ZTimestamp.optional(),
    retryAfterSeconds: z.int().positive().optional(),
  })
  .strict();
export type ProblemBody = z.infer<typeof ZProblem>;

export const ZIncidentView = z
  .object({
    id: z.uuid(),
    externalId: z.string(),
    title: z.string(),
    severity: z.enum(Severity),
    summary: z.string(),
    source: z.string().nullable(),
    links: ZIncidentBody.shape.links.unwrap(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .strict();

export const ZActionTarget = z
  .object({
    domain: z.string(),
    domainKind: z.enum(DomainKind),
    identity: z.string(),
    resource: z.string().nullable(),
    /** NFKC-normalised display name. */
    displayName: z.string(),
    /** Warnings for approvers: mixed scripts, invisible or bidi characters, changed by normalisation. */
    nameFlags: z.array(z.string()),
  })
  .strict();

export const ZRequestedBy = z.discriminatedUnion("type", [
  z.object({ type: z.literal("workload"), id: z.uuid(), name: z.string(), owner: z.string(), floodFlagged: z.boolean() }).strict(),
  z.object({ type: z.literal("person"), id: z.uuid(), name: z.string(), email: z.string() }).strict(),
  z.object({ type: z.literal("system"), id: z.string(), name: z.string() }).strict(),
]);

export const ZPolicyDecisionSummary = z
  .object({
    id: z.uuid(),
    operation: z.string(),
    effect: z.enum(PolicyEffect),
    policies: z.array(z.string()),
    requiredApprovals: z.int(),
    maxExecutionWindow: ZDuration,
    reasons: z.array(z.string()),
    decidedAt: ZTimestamp,
  })
  .strict();

export const ZPolicyDecisionRecord = z
  .object({
    id: z.uuid(),
    operation: z.string(),
    effect: z.enum(PolicyEffect),
    principal: z.object({ type: z.enum(ActorType), id: z.string() }).strict(),
    policies: z.array(z.string()),
    reasons: z.array(z.string()),
    decidedAt: ZTimestamp,
  })
  .strict();

/** The plan approvers see: attributes before and after for each affected object, and the blast radius. */
export const ZScopeDiff = z
  .object({
    objects: z.array(
      z
        .object({
          type: z.string(),
          id: z.string(),
          displayName: z.string().optional(),
          before: z.record(z.string(), z.unknown()),
          after: z.record(z.string(), z.unknown()),
        })
        .strict(),
    ),
    blastRadius: z.array(z.object({ type: z.string(), id: z.string(), description: z.string() }).strict()),
  })
  .strict();

export const ZApprovalView = z
  .object({
    id: z.uuid(),
    decision: z.enum(ApprovalDecision),
    approver: z.object({ id: z.uuid(), email: z.string(), displayName: z.string() }).strict(),
    reason: z.string(),
    executionWindow: ZDuration.nullable(),
    effectDuration: ZDuration.nullable(),
    round: z.int().nonnegative(),
    decidedAt: ZTimestamp,
  })
  .strict();

export const ZExecutionView = z
  .object({
    id: z.uuid(),
    operation: z.enum(ExecutionOperation),
    attempt: z.int().positive(),
    status: z.enum(ExecutionStatus),
    outcome: z.string().nullable(),
    detail: z.string().nullable(),
    /** Ids the domain assigned (request ids, event ids), for correlation. */
    references: z.array(z.object({ type: z.string(), value: z.string() }).strict()),
    verified: z.boolean().nullable(),
    verificationDetail: z.string().nullable(),
    error: z.string().nullable(),
    startedAt: ZTimestamp,
    finishedAt: ZTimestamp.nullable(),
  })
  .strict();

/** Clock 1 is the decision deadline, clock 2 the execution window, clock 3 the effect duration. */
export const ZActionClocks = z
  .object({
    decisionDeadline: ZTimestamp,
    executionWindow: z.object({ duration: ZDuration, endsAt: ZTimestamp }).strict().nullable(),
    maxExecutionWindow: ZDuration,
    effectDuration: ZDuration.nullable(),
    effectEndsAt: ZTimestamp.nullable(),
  })
  .strict();

/** An action as `toActionView` (lib/actions/read-action.ts) returns it. */
export const ZActionView = z
  .object({
    id: z.uuid(),
    state: z.enum(ActionState),
    version: z.int().nonnegative(),
    kind: z.enum(ActionKind),
    risk: z.enum(RiskLevel),
    reversible: z.boolean(),
    target: ZActionTarget,
    parameters: z.record(z.string(), z.unknown()),
    justification: z.string(),
    evidence: ZProposeActionBody.shape.evidence.unwrap().nullable(),
    incidentId: z.uuid(),
    incident: z.object({ id: z.uuid(), externalId: z.string(), title: z.string(), severity: z.enum(Severity) }).strict(),
    requestedBy: ZRequestedBy,
    stateReason: z.string().nullable(),
    /** The latest policy decision. */
    policyDecision: ZPolicyDecisionSummary.nullable(),
    policyDecisions: z.array(ZPolicyDecisionRecord),
    requiredApprovals: z.int().nonnegative(),
    /** Approvals of the current round. */
    approvalsSoFar: z.int().nonnegative(),
    plan: ZScopeDiff,
    /** SHA-256 over the canonical JSON of `plan`. */
    planHash: z.string(),
    approvals: z.array(ZApprovalView),
    grant: z.object({ id: z.uuid(), planHash: z.string(), expiresAt: ZTimestamp, redeemedAt: ZTimestamp.nullable() }).strict().nullable(),
    executions: z.array(ZExecutionView),
    clocks: ZActionClocks,
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .strict();

export const ZProposeActionResponse = ZActionView.extend({
  /** True when an earlier request with the same Idempotency-Key created the action. */
  replayed: z.boolean(),
});

export const ZApprovalResponse = ZActionView.extend({
  /** False when this person had already decided in this round, so nothing was recorded. */
  recorded: z.boolean(),
});

export const ZActionList = z
  .object({
    items: z.array(ZActionView),
    /** Pass as `cursor` to read the next page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .strict();

export const ZTimelineItem = z
  .object({
    id: z.uuid(),
    /** Position in the incident's audit chain. */
    sequence: z.int(),
    occurredAt: ZTimestamp,
    eventType: z.string(),
    /** `cordon` for Cordon's own events, else the domain that reported the event. */
    source: z.string(),
    domain: z.string().nullable(),
    actor: z.object({ type: z.enum(ActorType), id: z.string(), name: z.string().optional() }).strict(),
    actionId: z.uuid().nullable(),
    correlationId: z.string().nullable(),
    summary: z.string(),
    payload: z.unknown(),
  })
  .strict();

export const ZIncidentTimeline = z
  .object({
    incident: ZIncidentView,
    chain: z
      .object({
        ok: z.boolean(),
        events: z.int().nonnegative(),
        problem: z
          .object({
            eventId: z.uuid().nullable(),
            sequence: z.int(),
            kind: z.enum(["gap", "hash_mismatch", "broken_link", "reordered", "head_mismatch"]),
            detail: z.string(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    items: z.array(ZTimelineItem),
    nextCursor: z.string().nullable(),
  })
  .strict();

export const ZIngestResult = z
  .object({
    domain: z.string(),
    accepted: z.array(
      z
        .object({
          /** Position of the event in the request's `events`. */
          index: z.int().nonnegative(),
          eventId: z.uuid(),
          correlatedActionId: z.uuid().optional(),
          incidentId: z.uuid().optional(),
          /** Present when the domain sent this `metadata.uid` before, so nothing new was stored. */
          duplicate: z.literal(true).optional(),
        })
        .strict(),
    ),
    rejected: z.array(z.object({ index: z.int().nonnegative(), errors: z.array(ZFieldError) }).strict()),
  })
  .strict();
