import { z } from "zod";
import { MAX_AUDIT_BATCH } from "@/lib/audit/append";
import { UNSTORABLE_TEXT } from "./ocsf-schema";

/** Maximum number of events in one `POST /api/v1/audit/events` request. Larger batches are rejected with 422. */
export const MAX_EVENTS_PER_REQUEST = MAX_AUDIT_BATCH;

/**
 * Source name of Cordon's own audit events. Events of a domain with this name would look like
 * Cordon's own on the timeline, so they are rejected.
 */
const CORDON_SOURCE = "cordon";

export const ZDomainName = z
  .string()
  .min(1)
  .max(128)
  .refine((name) => !UNSTORABLE_TEXT.test(name), "contains U+0000 or an unpaired surrogate")
  .refine((name) => name !== CORDON_SOURCE, `"${CORDON_SOURCE}" names Cordon's own events and cannot be used as a domain`);

/**
 * Body of `POST /api/v1/audit/events`. Events are checked one by one after this envelope
 * parses, so one malformed event does not reject the others.
 */
export const ZIngestEventsBody = z
  .object({
    /** Name of the identity domain that produced the events. The client must be scoped to it. */
    domain: ZDomainName,
    events: z
      .array(z.unknown())
      .min(1, "must contain at least one event")
      .superRefine((events, context) => {
        if (events.length <= MAX_EVENTS_PER_REQUEST) return;
        context.addIssue({ code: "custom", message: `contains ${events.length} events; send at most ${MAX_EVENTS_PER_REQUEST} per request and split larger batches` });
      }),
  })
  .strict();

export type IngestEventsBody = z.infer<typeof ZIngestEventsBody>;

/** One event that was stored, or found already stored. */
export interface AcceptedEvent {
  /** Position of the event in the request's `events`. */
  index: number;
  eventId: string;
  correlatedActionId?: string;
  incidentId?: string;
  /** Set when the domain sent this `metadata.uid` before: nothing new was stored. */
  duplicate?: true;
}

export interface RejectedEvent {
  index: number;
  /** JSON pointers into the request body, such as `/events/3/time`. */
  errors: { pointer: string; message: string }[];
}

/** Response body of `POST /api/v1/audit/events`. */
export interface IngestResult {
  domain: string;
  accepted: AcceptedEvent[];
  rejected: RejectedEvent[];
}

/**
 * A batch of up to 1000 OCSF events needs more than the API's usual 64 KiB.
 * NOTE: 4 MiB assumes about 4 KiB per event, an estimate for a CloudTrail record mapped to OCSF.
 */
export const MAX_INGEST_BODY_BYTES = 4 * 1024 * 1024;
