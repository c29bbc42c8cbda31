import type { AuditEventInput } from "@/lib/audit/append";
import { normaliseAuditEvent } from "@/lib/audit/input";
import { ValidationFailed } from "@/lib/errors";
import { zodErrors } from "@/lib/http/problem";
import type { Clock } from "@/lib/time/clock";
import type { Json } from "@/lib/util/canonical-json";
import type { Correlation } from "./correlate";
import { normaliseOcsfEvent, type NormalisedDomainEvent } from "./normalise-ocsf";
import { ZOcsfEvent } from "./ocsf-schema";
import type { RejectedEvent } from "./schemas";

/** An event that passed validation, ready for correlation and storage. */
export interface ParsedDomainEvent {
  index: number;
  normalised: NormalisedDomainEvent;
  /** The event as received, unknown OCSF attributes included. */
  original: Json;
}

export type ParseOutcome = { ok: true; event: ParsedDomainEvent } | { ok: false; rejected: RejectedEvent };

/**
 * Validates the OCSF event at `index` of a request from `domain`. Besides the OCSF attributes
 * Cordon reads, the whole event must be storable in the audit log: no U+0000, no unpaired
 * surrogate, finite numbers and nesting within the payload limit. Checking this here rejects
 * such an event on its own, where it would otherwise fail the whole batch's append.
 */
export function parseDomainEvent(raw: unknown, index: number, domain: string, clock: Clock): ParseOutcome {
  const prefix = `/events/${index}`;
  const parsed = ZOcsfEvent.safeParse(raw);
  if (!parsed.success) return { ok: false, rejected: { index, errors: zodErrors(parsed.error, prefix) } };

  const event: ParsedDomainEvent = { index, normalised: normaliseOcsfEvent(parsed.data, domain), original: raw as Json };
  try {
    normaliseAuditEvent(toAuditEventInput(domain, event, null), clock);
  } catch (error) {
    if (!(error instanceof ValidationFailed)) throw error;
    return { ok: false, rejected: { index, errors: error.errors.map((problem) => toRequestProblem(problem, prefix)) } };
  }
  return { ok: true, event };
}

/** Builds the audit event for an ingested event. The original event is stored under `payload.event`. */
export function toAuditEventInput(domain: string, event: ParsedDomainEvent, correlation: Correlation | null): AuditEventInput {
  const { normalised } = event;
  return {
    occurredAt: normalised.occurredAt,
    actor: { type: "domain", id: normalised.actorId },
    eventType: normalised.eventType,
    ...(correlation?.actionId ? { actionId: correlation.actionId } : {}),
    ...(correlation ? { incidentId: correlation.incidentId } : {}),
    domain,
    ...(normalised.correlationUid ? { correlationId: normalised.correlationUid } : {}),
    source: domain,
    payload: {
      ...normalised.facts,
      correlation: correlation ? { method: correlation.method, actionId: correlation.actionId, incidentId: correlation.incidentId } : null,
      event: event.original,
    },
  };
}

/**
 * Maps a problem found in the audit input back to the request body: `/payload/event/x` is
 * `/events/<index>/x`. A problem in a derived field points at the event and names the field.
 */
function toRequestProblem(problem: { pointer: string; message: string }, prefix: string): { pointer: string; message: string } {
  const original = "/payload/event";
  if (problem.pointer === original || problem.pointer.startsWith(`${original}/`)) {
    return { pointer: `${prefix}${problem.pointer.slice(original.length)}`, message: problem.message };
  }
  return { pointer: prefix, message: `audit event field ${problem.pointer} ${problem.message}` };
}
