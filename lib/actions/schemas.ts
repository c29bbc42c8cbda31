import { z } from "zod";
import { ZIsoDuration } from "@/lib/time/duration";
import { storableText } from "@/lib/util/text";
import { ZActionKind } from "./catalogue";

/** An http(s) URL; other schemes (javascript:, data:, file:) are rejected so the console can link it. */
export const ZHttpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:";
    } catch {
      return false;
    }
  }, "must be an http or https URL");

export const ZTarget = z
  .object({
    /** Domain name as registered in Cordon. */
    domain: storableText(z.string().min(1).max(128)),
    /** Immutable id of the identity in its domain (role OID, SCIM id, OAuth client id). */
    identity: storableText(z.string().min(1).max(512)),
    /** Optional narrower object: a token id, a group id. */
    resource: storableText(z.string().min(1).max(512)).optional(),
    /** Human-readable name shown beside the identity; defaults to the identity. */
    displayName: storableText(z.string().min(1).max(256)).optional(),
  })
  .strict();

export const ZEvidenceItem = z
  .object({
    title: storableText(z.string().min(1).max(200)),
    detail: storableText(z.string().max(4000)).optional(),
    url: ZHttpUrl.optional(),
    observedAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/** Body of `POST /api/v1/actions`. */
export const ZProposeActionBody = z
  .object({
    kind: ZActionKind,
    target: ZTarget,
    parameters: z.record(z.string(), z.unknown()).default({}),
    incidentId: z.uuid(),
    justification: storableText(z.string().trim().min(1).max(4000)),
    evidence: z.array(ZEvidenceItem).max(50).optional(),
    /** Clock 1: how long the proposal waits for a decision, ISO 8601 (`PT30M`). */
    decisionDeadline: ZIsoDuration.optional(),
    /** Clock 3: how long a reversible containment lasts before it reverts, ISO 8601 (`PT4H`). */
    effectDuration: ZIsoDuration.optional(),
  })
  .strict();
export type ProposeActionBody = z.infer<typeof ZProposeActionBody>;
export type ProposeActionInput = z.input<typeof ZProposeActionBody>;

/** Body of `POST /api/v1/actions/{id}/approvals`. */
export const ZApprovalBody = z.discriminatedUnion("decision", [
  z
    .object({
      decision: z.literal("approve"),
      /** Clock 2: how long the grant stays valid after the last approval, ISO 8601 (`PT15M`). */
      executionWindow: ZIsoDuration,
      /** Clock 3, for reversible kinds: overrides the proposal's effect duration. */
      effectDuration: ZIsoDuration.optional(),
      reason: storableText(z.string().trim().max(2000)).default(""),
    })
    .strict(),
  z
    .object({
      decision: z.literal("reject"),
      reason: storableText(z.string().trim().min(1, "a reason is required to reject").max(2000)),
    })
    .strict(),
]);
export type ApprovalBody = z.infer<typeof ZApprovalBody>;

/** Body of `POST /api/v1/actions/{id}/cancel`; the request may also have no body at all. */
export const ZCancelActionBody = z
  .object({
    /** Reason the action is no longer needed, stored as its state reason and in the audit event. */
    reason: storableText(z.string().trim().min(1, "must not be empty; leave reason out to use the default").max(2000)).optional(),
  })
  .strict();
export type CancelActionBody = z.infer<typeof ZCancelActionBody>;

/** Body of `POST /api/v1/incidents`. */
export const ZIncidentBody = z
  .object({
    externalId: storableText(z.string().trim().min(1).max(200)),
    title: storableText(z.string().trim().min(1).max(300)),
    severity: z.enum(["low", "medium", "high", "critical"]),
    summary: storableText(z.string().max(10_000)),
    source: storableText(z.string().max(200)).optional(),
    links: z.array(z.object({ title: storableText(z.string().max(200)).optional(), url: ZHttpUrl }).strict()).max(20).optional(),
  })
  .strict();
export type IncidentBody = z.infer<typeof ZIncidentBody>;

/** The `Idempotency-Key` header of `POST /api/v1/actions`: printable ASCII, no spaces. */
export const ZIdempotencyKey = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");
