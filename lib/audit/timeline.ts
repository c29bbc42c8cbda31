import { z } from "zod";
import type { ServiceContext } from "@/lib/actions/context";
import type { Db, Prisma } from "@/lib/db/client";
import type { ActorType } from "@/lib/db/generated/enums";
import { NotFound, ValidationFailed } from "@/lib/errors";
import { toIncidentView } from "@/lib/incidents/upsert-incident";
import type { Json } from "@/lib/util/canonical-json";
import { toSummaryLine } from "./ingest/normalise-ocsf";
import { verifyAuditChains, type AuditChainProblem } from "./verify";

const ACTOR_TYPES = ["person", "workload", "system", "domain"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const DEFAULT_TIMELINE_LIMIT = 50;
export const MAX_TIMELINE_LIMIT = 200;

/** Query of `GET /api/v1/incidents/{id}/timeline`. */
export const ZTimelineQuery = z
  .object({
    cursor: z.string().max(300).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_TIMELINE_LIMIT).default(DEFAULT_TIMELINE_LIMIT),
    /** Only events that involve this domain. */
    domain: z.string().min(1).max(128).optional(),
    actorType: z.enum(ACTOR_TYPES).optional(),
    /** Exact event type, such as `action.approved` or `domain.authentication`. */
    eventType: z.string().min(1).max(100).optional(),
  })
  .strict();
export type TimelineQuery = z.infer<typeof ZTimelineQuery>;

export interface TimelineFilters {
  domain?: string;
  actorType?: ActorType;
  eventType?: string;
}

export interface TimelineOptions {
  /** `nextCursor` of the previous page. */
  cursor?: string;
  limit?: number;
  filters?: TimelineFilters;
}

export interface TimelineItem {
  id: string;
  /** Position in the incident's audit chain. */
  sequence: number;
  occurredAt: string;
  eventType: string;
  /** `cordon` for Cordon's own events, else the domain that reported the event. */
  source: string;
  domain: string | null;
  actor: { type: ActorType; id: string; name?: string };
  actionId: string | null;
  correlationId: string | null;
  /** One human-readable line without line breaks or bidi controls. */
  summary: string;
  payload: Json;
}

/** Verification result of the incident's audit chain. `events` is 0 for an incident without events. */
export interface TimelineChainStatus {
  ok: boolean;
  events: number;
  problem?: AuditChainProblem;
}

export interface IncidentTimeline {
  incident: ReturnType<typeof toIncidentView>;
  chain: TimelineChainStatus;
  items: TimelineItem[];
  nextCursor: string | null;
}

/**
 * Reads an incident's timeline for the caller. People may read every incident. A workload may
 * read an incident it reported or proposed an action in. For any other incident it
 * gets NotFound, the same error as for a missing one, so it cannot probe which incidents exist.
 */
export async function readIncidentTimeline(context: Pick<ServiceContext, "db" | "actor">, incidentId: string, query: TimelineQuery): Promise<IncidentTimeline> {
  const notFound = new NotFound(`incident ${incidentId} not found`, { incidentId });
  if (!UUID.test(incidentId)) throw notFound;
  const { actor } = context;
  if (actor.type === "system") throw notFound;
  if (actor.type === "workload") {
    const own = await context.db.incident.findFirst({
      where: { id: incidentId, OR: [{ createdByClientId: actor.client.id }, { actions: { some: { requestedByClientId: actor.client.id } } }] },
      select: { id: true },
    });
    if (!own) throw notFound;
  }

  const filters: TimelineFilters = {
    ...(query.domain !== undefined ? { domain: query.domain } : {}),
    ...(query.actorType !== undefined ? { actorType: query.actorType } : {}),
    ...(query.eventType !== undefined ? { eventType: query.eventType } : {}),
  };
  return loadTimeline(context.db, incidentId, { ...(query.cursor !== undefined ? { cursor: query.cursor } : {}), limit: query.limit, filters });
}

/**
 * Loads one page of an incident's correlated timeline, oldest first: Cordon's own events and
 * the domain events correlated to the incident, with the incident and the verification status
 * of its audit chain. Events are ordered by (occurredAt, chain, sequence), which is unique and
 * keeps each chain's append order among events of the same millisecond. Pages are keyed on
 * that triple, so no event is skipped or repeated at a page boundary, and events appended
 * between two page requests do not shift later pages. Checks no access; see readIncidentTimeline.
 *
 * NOTE: the chain status walks the whole chain on every page, which costs O(chain length).
 */
export async function loadTimeline(db: Db, incidentId: string, options: TimelineOptions = {}): Promise<IncidentTimeline> {
  const limit = options.limit ?? DEFAULT_TIMELINE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TIMELINE_LIMIT) {
    throw new ValidationFailed(`limit must be an integer from 1 to ${MAX_TIMELINE_LIMIT}, got ${limit}`, [{ pointer: "/limit", message: `must be from 1 to ${MAX_TIMELINE_LIMIT}` }]);
  }
  const incident = UUID.test(incidentId) ? await db.incident.findUnique({ where: { id: incidentId } }) : null;
  if (!incident) throw new NotFound(`incident ${incidentId} not found`, { incidentId });
  const cursor = options.cursor === undefined ? null : decodeCursor(options.cursor, incident.id);

  const rows = await db.auditEvent.findMany({
    where: { AND: [{ incidentId: incident.id }, filterWhere(options.filters ?? {}), cursor ? afterCursor(cursor) : {}] },
    orderBy: [{ occurredAt: "asc" }, { chain: "asc" }, { sequence: "asc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const names = await loadActorNames(db, page);

  const report = await verifyAuditChains(db, { chain: incident.id });
  const chain = report.chains[0];
  return {
    incident: toIncidentView(incident),
    chain: chain ? { ok: chain.ok, events: chain.events, ...(chain.problem ? { problem: chain.problem } : {}) } : { ok: true, events: 0 },
    items: page.map((row) => toTimelineItem(row, names)),
    nextCursor: rows.length > limit && last ? encodeCursor({ occurredAt: last.occurredAt.toISOString(), chain: last.chain, sequence: last.sequence }) : null,
  };
}

type AuditRow = Prisma.AuditEventGetPayload<object>;

/** The last event of a page, by the timeline's order. */
interface Cursor {
  occurredAt: string;
  chain: string;
  sequence: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/**
 * Parses a `nextCursor`. A cursor without `chain` was issued before the chain joined the page
 * key, when every event of an incident's timeline was in the incident's own chain, so it
 * continues in that chain.
 */
function decodeCursor(text: string, incidentChain: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Record<keyof Cursor, unknown>>;
    const chain = value.chain === undefined ? incidentChain : value.chain;
    if (typeof value.occurredAt === "string" && !Number.isNaN(Date.parse(value.occurredAt)) && typeof chain === "string" && Number.isInteger(value.sequence)) {
      return { occurredAt: value.occurredAt, chain, sequence: value.sequence as number };
    }
  } catch {
    // Not base64url JSON; reported below like any other malformed cursor.
  }
  throw new ValidationFailed("invalid cursor; pass the nextCursor of a previous page", [{ pointer: "/cursor", message: "is not a cursor returned by this endpoint" }]);
}

/** Selects the events after the cursor in (occurredAt, chain, sequence) order. */
function afterCursor(cursor: Cursor): Prisma.AuditEventWhereInput {
  const occurredAt = new Date(cursor.occurredAt);
  return {
    OR: [
      { occurredAt: { gt: occurredAt } },
      { occurredAt, chain: { gt: cursor.chain } },
      { occurredAt, chain: cursor.chain, sequence: { gt: cursor.sequence } },
    ],
  };
}

function filterWhere(filters: TimelineFilters): Prisma.AuditEventWhereInput {
  return {
    ...(filters.domain !== undefined ? { domain: filters.domain } : {}),
    ...(filters.actorType !== undefined ? { actorType: filters.actorType } : {}),
    ...(filters.eventType !== undefined ? { eventType: filters.eventType } : {}),
  };
}

/** Display names of the page's actors: people and workload clients from their tables, domain actors from the OCSF event. */
async function loadActorNames(db: Db, rows: readonly AuditRow[]): Promise<Map<string, string>> {
  const ids = (type: ActorType) => [...new Set(rows.filter((row) => row.actorType === type && UUID.test(row.actorId)).map((row) => row.actorId))];
  const personIds = ids("person");
  const workloadIds = ids("workload");
  const [users, clients] = await Promise.all([
    personIds.length === 0 ? [] : db.user.findMany({ where: { id: { in: personIds } }, select: { id: true, displayName: true } }),
    workloadIds.length === 0 ? [] : db.workloadClient.findMany({ where: { id: { in: workloadIds } }, select: { id: true, name: true } }),
  ]);

  const names = new Map<string, string>();
  for (const user of users) names.set(`person:${user.id}`, user.displayName);
  for (const client of clients) names.set(`workload:${client.id}`, client.name);
  return names;
}

function toTimelineItem(row: AuditRow, names: Map<string, string>): TimelineItem {
  const payload = row.payload as Json;
  const name = row.actorType === "domain" ? domainActorName(payload) : names.get(`${row.actorType}:${row.actorId}`);
  return {
    id: row.id,
    sequence: row.sequence,
    occurredAt: row.occurredAt.toISOString(),
    eventType: row.eventType,
    source: row.source,
    domain: row.domain,
    actor: { type: row.actorType, id: row.actorId, ...(name !== undefined ? { name } : {}) },
    actionId: row.actionId,
    correlationId: row.correlationId,
    summary: toSummaryLine(summarise(row.eventType, payload, name ?? `${row.actorType} ${row.actorId}`)),
    payload,
  };
}

function domainActorName(payload: Json): string | undefined {
  const actor = member(payload, "actor");
  return text(member(actor, "name")) ?? text(member(actor, "email")) ?? undefined;
}

/** Builds the summary line of one of Cordon's own events from the fields its type stores in the payload. */
function summarise(eventType: string, payload: Json, actor: string): string {
  const field = (name: string) => text(member(payload, name));
  switch (eventType) {
    case "incident.created":
      return `${actor} opened incident ${field("externalId") ?? ""}: ${field("title") ?? ""}`;
    case "incident.updated":
      return `${actor} updated incident ${field("externalId") ?? ""}: ${field("title") ?? ""}`;
    case "action.proposed": {
      const target = member(payload, "target");
      return `${actor} proposed ${field("kind") ?? "an action"} on ${text(member(target, "displayName")) ?? text(member(target, "identity")) ?? "(unknown target)"}`;
    }
    case "policy.decided": {
      const policies = member(payload, "policies");
      const named = Array.isArray(policies) && policies.length > 0 ? ` (${policies.filter((policy) => typeof policy === "string").join(", ")})` : "";
      if (field("purpose") === "requester_recheck") {
        return `Policy ${field("effect") === "allow" ? "confirmed" : "no longer allows"} that ${actor} may propose this action, checked before execution${named}`;
      }
      return `Policy ${field("effect") === "allow" ? "allowed" : "denied"} ${field("operation") ?? "the request"}${named}`;
    }
    case "approval.recorded": {
      const verb = field("decision") === "approve" ? "approved" : "rejected";
      const reason = field("reason");
      return `${actor} ${verb}${reason ? `: ${reason}` : ""}`;
    }
    case "grant.minted":
      return `Grant minted for ${field("executionWindow") ?? "the execution window"}, expires ${field("expiresAt") ?? "(unknown)"}`;
    case "grant.redeemed":
      return `${actor} redeemed the grant`;
    case "proposal.already_in_effect": {
      const target = member(payload, "target");
      const name = text(member(target, "displayName")) ?? text(member(target, "identity")) ?? "(unknown target)";
      return `${actor} proposed ${field("kind") ?? "an action"} on ${name}, which changes nothing: ${field("currentState") ?? "already in effect"}`;
    }
    case "action.revert_skipped":
      return `Revert skipped: action ${field("supersededBy") ?? "(unknown)"} keeps the containment in effect`;
    case "credential.delivered":
      return `${actor} viewed ${field("label") ?? "the rotated credential"}`;
    case "credential.discarded":
      return `Discarded ${field("label") ?? "the rotated credential"}: ${field("reason") ?? "nobody viewed it in time"}`;
  }
  if (eventType.startsWith("domain.") && field("summary")) return field("summary")!;
  if (eventType.startsWith("action.") && field("to")) {
    const reason = field("reason");
    return `Action ${field("from") ?? "?"} → ${field("to")}${reason ? `: ${reason}` : ""} (${actor})`;
  }
  return `${eventType} by ${actor}`;
}

function member(value: Json | undefined, name: string): Json | undefined {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, name) ? value[name] : undefined;
}

function text(value: Json | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
