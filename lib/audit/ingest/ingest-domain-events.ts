import type { Actor, ServiceContext } from "@/lib/actions/context";
import { appendAuditEvents, type AuditEventInput } from "@/lib/audit/append";
import type { Db } from "@/lib/db/client";
import { Forbidden } from "@/lib/errors";
import { correlateEvents, type Correlation } from "./correlate";
import { parseDomainEvent, toAuditEventInput, type ParsedDomainEvent } from "./parse-event";
import type { AcceptedEvent, IngestEventsBody, IngestResult, RejectedEvent } from "./schemas";

export type IngestContext = Pick<ServiceContext, "db" | "actor" | "clock" | "logger">;

/**
 * Interactive transaction timeout for one batch. Prisma's default of 5 s is short for 1000
 * events behind another batch of the same domain, which holds the domain's lock.
 */
const INGEST_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * Ingests a batch of OCSF events reported by one identity domain. Each event is validated on
 * its own: valid events are stored even when others in the batch are rejected. Accepted events
 * are correlated with Cordon's actions in the client's domains and appended to their
 * incident's audit chain (`global` when uncorrelated), all in one transaction. An event whose `metadata.uid` the domain sent
 * before is reported with the stored event's id and not stored again.
 *
 * Throws Forbidden unless the actor is a workload client scoped to `body.domain`.
 */
export async function ingestDomainEvents(context: IngestContext, body: IngestEventsBody): Promise<IngestResult> {
  const scope = requireDomainScope(context.actor, body.domain);

  const parsed: ParsedDomainEvent[] = [];
  const rejected: RejectedEvent[] = [];
  body.events.forEach((raw, index) => {
    const outcome = parseDomainEvent(raw, index, body.domain, context.clock);
    if (outcome.ok) parsed.push(outcome.event);
    else rejected.push(outcome.rejected);
  });

  const correlations = await correlateEvents(
    context.db,
    body.domain,
    scope,
    parsed.map((event) => event.normalised),
  );
  const accepted =
    parsed.length === 0
      ? []
      : await context.db.$transaction((tx) => storeEvents(tx, context, body.domain, parsed, correlations), { timeout: INGEST_TRANSACTION_TIMEOUT_MS });

  context.logger.info(
    {
      domain: body.domain,
      accepted: accepted.length,
      rejected: rejected.length,
      duplicates: accepted.filter((event) => event.duplicate).length,
      correlated: accepted.filter((event) => event.incidentId).length,
    },
    "domain events ingested",
  );
  return { domain: body.domain, accepted, rejected };
}

/** Returns the domains the sending client is scoped to, after checking that `domain` is one of them. */
function requireDomainScope(actor: Actor, domain: string): readonly string[] {
  if (actor.type !== "workload") throw new Forbidden("domain events are sent by workload clients only");
  if (!actor.client.allowedDomains.includes(domain)) {
    throw new Forbidden(`client ${actor.client.name} is not scoped to domain ${JSON.stringify(domain)}; an administrator must add the domain to the client's allowed domains`, { domain });
  }
  return actor.client.allowedDomains;
}

interface StoredRef {
  eventId: string;
  actionId: string | null;
  incidentId: string | null;
}

/**
 * Appends the events that are not yet stored. A transaction-level advisory lock per domain
 * makes the duplicate check and the insert atomic, so two concurrent batches carrying the same
 * `metadata.uid` store it once. Batches of different domains do not wait on this lock, only on
 * the audit chain heads they share.
 */
async function storeEvents(
  tx: Db,
  context: IngestContext,
  domain: string,
  events: readonly ParsedDomainEvent[],
  correlations: readonly (Correlation | null)[],
): Promise<AcceptedEvent[]> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('cordon.ingest:' || ${domain}))`;
  const known = await findStoredEvents(tx, domain, events);

  // Events whose uid repeats an earlier event, stored or in this batch, point at that event.
  const firstInBatch = new Map<string, number>();
  const inputs: AuditEventInput[] = [];
  const inputPosition = new Map<number, number>();
  events.forEach((event, position) => {
    const uid = event.normalised.ocsfUid;
    if (uid !== null && (known.has(uid) || firstInBatch.has(uid))) return;
    if (uid !== null) firstInBatch.set(uid, position);
    inputPosition.set(position, inputs.length);
    inputs.push(toAuditEventInput(domain, event, correlations[position] ?? null));
  });

  const records = await appendAuditEvents(tx, inputs, { clock: context.clock });

  return events.map((event, position): AcceptedEvent => {
    const uid = event.normalised.ocsfUid;
    const stored = uid !== null ? known.get(uid) : undefined;
    if (stored) return acceptedEvent(event.index, stored, true);

    const original = uid !== null ? firstInBatch.get(uid) : position;
    const record = records[inputPosition.get(original ?? position) ?? -1];
    if (!record) throw new Error(`no audit event was stored for event ${event.index} of the batch`);
    return acceptedEvent(event.index, { eventId: record.id, actionId: record.actionId, incidentId: record.incidentId }, original !== position);
  });
}

/** Finds events of this domain already stored under the batch's OCSF `metadata.uid` values. */
async function findStoredEvents(tx: Db, domain: string, events: readonly ParsedDomainEvent[]): Promise<Map<string, StoredRef>> {
  const uids = [...new Set(events.flatMap((event) => (event.normalised.ocsfUid === null ? [] : [event.normalised.ocsfUid])))];
  const known = new Map<string, StoredRef>();
  if (uids.length === 0) return known;

  // NOTE: no index covers payload->'ocsf'->>'uid'. The domain index narrows the scan to the
  // domain's events, so the check slows down as the domain's history grows.
  const rows = await tx.$queryRaw<{ id: string; uid: string; actionId: string | null; incidentId: string | null }[]>`
    SELECT id::text AS id, payload->'ocsf'->>'uid' AS uid, "actionId"::text AS "actionId", "incidentId"::text AS "incidentId"
    FROM audit_events
    WHERE domain = ${domain} AND source = ${domain} AND "eventType" LIKE 'domain.%'
      AND payload->'ocsf'->>'uid' = ANY(${uids}::text[])
    ORDER BY "createdAt", id`;
  for (const row of rows) {
    if (!known.has(row.uid)) known.set(row.uid, { eventId: row.id, actionId: row.actionId, incidentId: row.incidentId });
  }
  return known;
}

function acceptedEvent(index: number, stored: StoredRef, duplicate: boolean): AcceptedEvent {
  return {
    index,
    eventId: stored.eventId,
    ...(stored.actionId ? { correlatedActionId: stored.actionId } : {}),
    ...(stored.incidentId ? { incidentId: stored.incidentId } : {}),
    ...(duplicate ? { duplicate: true as const } : {}),
  };
}
