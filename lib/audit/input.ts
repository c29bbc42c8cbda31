import { UNSTORABLE_TEXT } from "@/lib/util/text";
import { z } from "zod";
import { ValidationFailed } from "@/lib/errors";
import type { Clock } from "@/lib/time/clock";
import type { Json } from "@/lib/util/canonical-json";
import { AUDIT_EVENT_TYPE_PATTERN } from "./event-types";

/** Chain of the events that belong to no incident. Incident chains are named by the incident's UUID. */
export const GLOBAL_CHAIN = "global";

/** Maximum nesting of arrays and objects in a payload. Deeper documents are rejected, not truncated. */
export const MAX_PAYLOAD_DEPTH = 64;

// The earliest and latest instants that keep a four-digit year in ISO 8601, so the hashed
// text of `occurredAt` is the same before and after a round trip through PostgreSQL.
const EARLIEST_OCCURRED_AT = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST_OCCURRED_AT = Date.parse("9999-12-31T23:59:59.999Z");

// PostgreSQL text and jsonb reject U+0000, jsonb rejects an unpaired surrogate, and the UTF-8
// encoding on the way to a text column replaces one with U+FFFD. The append would fail, or the
// stored row would differ from what was hashed.

const ZStoredText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((text) => !UNSTORABLE_TEXT.test(text), "contains U+0000 or an unpaired surrogate, which PostgreSQL cannot store unchanged");

// PostgreSQL returns UUIDs in lower case; the hashed value must match what it returns.
const ZUuid = z.uuid().transform((id) => id.toLowerCase());

export const ZAuditActor = z
  .object({
    type: z.enum(["person", "workload", "system", "domain"]),
    id: ZStoredText(1000),
  })
  .strict();

export const ZAuditEventInput = z
  .object({
    occurredAt: z
      .date()
      .refine((date) => date.getTime() >= EARLIEST_OCCURRED_AT && date.getTime() <= LATEST_OCCURRED_AT, "must be between the years 0001 and 9999")
      .optional(),
    actor: ZAuditActor,
    eventType: z.string().max(100).regex(AUDIT_EVENT_TYPE_PATTERN, "must be dot-separated lower-case words, such as action.approved"),
    actionId: ZUuid.optional(),
    incidentId: ZUuid.optional(),
    domain: ZStoredText(200).optional(),
    correlationId: ZStoredText(200).optional(),
    source: ZStoredText(200).optional(),
    payload: z.unknown(),
  })
  .strict();

export type AuditActor = z.input<typeof ZAuditActor>;

/** One audit event to append. The chain is the incident id, or `global` without one. */
export interface AuditEventInput {
  /** Time of the event, by default the clock's current time. Stored with millisecond precision. */
  occurredAt?: Date;
  actor: AuditActor;
  eventType: string;
  actionId?: string;
  incidentId?: string;
  /** Name of the identity domain involved. */
  domain?: string;
  /** W3C trace id when given, else the request id. */
  correlationId?: string;
  /** `cordon` (the default) for Cordon's own events, else the domain that reported it. */
  source?: string;
  payload: Json;
}

/** An input after validation, with defaults applied: the values that are stored and hashed. */
export interface NormalisedAuditEvent {
  chain: string;
  occurredAt: Date;
  actorType: AuditActor["type"];
  actorId: string;
  eventType: string;
  actionId: string | null;
  incidentId: string | null;
  domain: string | null;
  correlationId: string | null;
  source: string;
  payload: Json;
}

/**
 * Validates an audit event input and applies its defaults. Throws ValidationFailed, with a
 * JSON pointer per problem, for a value PostgreSQL could not store exactly as it is hashed.
 */
export function normaliseAuditEvent(input: AuditEventInput, clock: Clock): NormalisedAuditEvent {
  const parsed = ZAuditEventInput.safeParse(input);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ pointer: toPointer(issue.path), message: issue.message }));
    throw new ValidationFailed(`invalid audit event: ${errors.map((error) => `${error.pointer} ${error.message}`).join("; ")}`, errors);
  }

  const event = parsed.data;
  const occurredAt = event.occurredAt ?? clock.now();
  return {
    chain: event.incidentId ?? GLOBAL_CHAIN,
    occurredAt: new Date(occurredAt.getTime()),
    actorType: event.actor.type,
    actorId: event.actor.id,
    eventType: event.eventType,
    actionId: event.actionId ?? null,
    incidentId: event.incidentId ?? null,
    domain: event.domain ?? null,
    correlationId: event.correlationId ?? null,
    source: event.source ?? "cordon",
    payload: toStorableJson(event.payload, "/payload", 0),
  };
}

/**
 * Copies a payload as plain JSON, so the stored jsonb and the hashed value are the same
 * document. Object members that are `undefined` are dropped, as JSON.stringify drops them.
 * Anything else that is not JSON (NaN, Date, bigint, class instances) is rejected.
 */
function toStorableJson(value: unknown, pointer: string, depth: number): Json {
  if (value === undefined) throw invalidPayload(pointer, "is missing; use null for no value");
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    throw invalidPayload(pointer, `${value} is not a finite number`);
  }
  if (typeof value === "string") {
    if (UNSTORABLE_TEXT.test(value)) throw invalidPayload(pointer, "contains U+0000 or an unpaired surrogate, which PostgreSQL cannot store unchanged");
    return value;
  }
  if (depth >= MAX_PAYLOAD_DEPTH) throw invalidPayload(pointer, `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);

  if (Array.isArray(value)) {
    return value.map((item, index) => {
      if (item === undefined) throw invalidPayload(`${pointer}/${index}`, "is undefined; use null");
      return toStorableJson(item, `${pointer}/${index}`, depth + 1);
    });
  }
  if (typeof value === "object" && isPlainObject(value)) {
    const copy: { [key: string]: Json } = {};
    for (const [key, member] of Object.entries(value)) {
      const memberPointer = `${pointer}/${escapePointerToken(key)}`;
      if (UNSTORABLE_TEXT.test(key)) throw invalidPayload(memberPointer, "has a name with U+0000 or an unpaired surrogate");
      if (member === undefined) continue;
      // defineProperty, not assignment: a "__proto__" key from an ingested event must be kept
      // as data, not turned into the copy's prototype.
      Object.defineProperty(copy, key, { value: toStorableJson(member, memberPointer, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }
  throw invalidPayload(pointer, `is a ${describeType(value)}, which is not JSON`);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeType(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value;
  return value.constructor?.name ?? "object";
}

function invalidPayload(pointer: string, message: string): ValidationFailed {
  return new ValidationFailed(`invalid audit event: ${pointer} ${message}`, [{ pointer, message }]);
}

/** Escapes one JSON Pointer reference token (RFC 6901 §3). */
function escapePointerToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

function toPointer(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${escapePointerToken(String(part))}`).join("");
}
