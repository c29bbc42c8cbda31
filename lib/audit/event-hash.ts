import type { NormalisedAuditEvent } from "./input";
import { hashCanonical, type Json } from "@/lib/util/canonical-json";
import type { ActorType } from "@/lib/db/generated/client";

/** prevHash of the first event of every chain. */
export const GENESIS_HASH = "0".repeat(64);

/** The columns an audit event's hash covers; `id` and `createdAt` are not covered. */
export interface HashedAuditFields extends NormalisedAuditEvent {
  sequence: number;
  prevHash: string;
}

/**
 * Computes an audit event's hash: SHA-256 hex over the canonical JSON of the covered columns.
 * The object is built member by member, so passing a whole database row hashes the same as
 * passing only the covered fields. Absent optional columns are hashed as `null`.
 */
export function auditEventHash(fields: HashedAuditFields): string {
  return hashCanonical({
    chain: fields.chain,
    sequence: fields.sequence,
    occurredAt: fields.occurredAt.toISOString(),
    actorType: fields.actorType,
    actorId: fields.actorId,
    eventType: fields.eventType,
    actionId: fields.actionId,
    incidentId: fields.incidentId,
    domain: fields.domain,
    correlationId: fields.correlationId,
    source: fields.source,
    payload: fields.payload,
    prevHash: fields.prevHash,
  });
}
