import type { Db } from "@/lib/db/client";

/** How long after an action's last execution (or its proposal, before any) a target match still counts. */
export const TARGET_WINDOW_AFTER_MS = 24 * 60 * 60 * 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Cordon action and incident an ingested event belongs to, and how that was decided. */
export interface Correlation {
  method: "correlation_uid" | "target_identity";
  actionId: string | null;
  incidentId: string;
}

/** The parts of a normalised event that correlation reads. */
export interface CorrelationKeys {
  occurredAt: Date;
  correlationUid: string | null;
  targetKeys: readonly string[];
}

interface TargetCandidate {
  actionId: string;
  incidentId: string;
  targetIdentity: string;
  /** Lower case; stored NFKC-normalised at proposal. */
  displayName: string;
  windowStart: number;
  windowEnd: number;
}

/**
 * Correlates events received from `domain` with Cordon's actions and incidents, returning one
 * result per event in input order (null for an uncorrelated event).
 *
 * A `correlation_uid` that equals an action id, or the correlation id of one of Cordon's own
 * audit events, links the event to that action's incident, because the producer put the id
 * there on purpose. The action's domain must be in `scope`, the domains the sending client
 * may act on. Action ids are not secret, and a client must not place events in the timeline
 * of an incident whose domains it has no part in. Otherwise the event's target user or resources are matched against the
 * target identity or display name of actions in the same domain. A match counts from the
 * action's proposal to TARGET_WINDOW_AFTER_MS after its last execution. Of several matches,
 * the action proposed last wins.
 */
export async function correlateEvents(db: Db, domain: string, scope: readonly string[], events: readonly CorrelationKeys[]): Promise<(Correlation | null)[]> {
  const byUid = await correlateByUid(db, scope, unique(events.flatMap((event) => (event.correlationUid ? [event.correlationUid] : []))));

  const unmatched = events.filter((event) => !(event.correlationUid && byUid.has(event.correlationUid)));
  const candidates = await loadTargetCandidates(db, domain, unmatched);

  return events.map((event) => {
    const byCorrelationUid = event.correlationUid ? byUid.get(event.correlationUid) : undefined;
    return byCorrelationUid ?? matchTarget(candidates, event);
  });
}

async function correlateByUid(db: Db, scope: readonly string[], uids: readonly string[]): Promise<Map<string, Correlation>> {
  const found = new Map<string, Correlation>();
  if (uids.length === 0 || scope.length === 0) return found;

  const actionIds = uids.filter((uid) => UUID.test(uid)).map((uid) => uid.toLowerCase());
  const actions =
    actionIds.length === 0 ? [] : await db.action.findMany({ where: { id: { in: actionIds }, domain: { name: { in: [...scope] } } }, select: { id: true, incidentId: true } });
  const actionById = new Map(actions.map((action) => [action.id, action]));
  for (const uid of uids) {
    const action = actionById.get(uid.toLowerCase());
    if (action) found.set(uid, { method: "correlation_uid", actionId: action.id, incidentId: action.incidentId });
  }

  const remaining = uids.filter((uid) => !found.has(uid));
  if (remaining.length === 0) return found;

  // Only Cordon's own events are searched, so an ingested event cannot become the anchor that
  // pulls later domain events into an incident. Of the events of one request, the earliest
  // that names an action of a domain in scope is taken.
  const rows = await db.$queryRaw<{ correlationId: string; actionId: string | null; incidentId: string }[]>`
    SELECT DISTINCT ON ("correlationId") "correlationId", "actionId"::text AS "actionId", "incidentId"::text AS "incidentId"
    FROM audit_events
    WHERE source = 'cordon' AND "incidentId" IS NOT NULL AND "correlationId" = ANY(${remaining}::text[])
      AND domain = ANY(${[...scope]}::text[])
    ORDER BY "correlationId", ("actionId" IS NULL), "occurredAt", sequence`;
  for (const row of rows) found.set(row.correlationId, { method: "correlation_uid", actionId: row.actionId, incidentId: row.incidentId });
  return found;
}

async function loadTargetCandidates(db: Db, domain: string, events: readonly CorrelationKeys[]): Promise<Map<string, TargetCandidate[]>> {
  const byKey = new Map<string, TargetCandidate[]>();
  const keys = unique(events.flatMap((event) => event.targetKeys));
  if (keys.length === 0) return byKey;
  const latest = Math.max(...events.map((event) => event.occurredAt.getTime()));
  const names = unique(keys.map(displayNameKey));

  const actions = await db.action.findMany({
    where: {
      domain: { name: domain },
      createdAt: { lte: new Date(latest) },
      OR: [{ targetIdentity: { in: keys } }, { targetDisplayName: { in: names, mode: "insensitive" } }],
    },
    select: {
      id: true,
      incidentId: true,
      targetIdentity: true,
      targetDisplayName: true,
      createdAt: true,
      executions: { select: { startedAt: true, finishedAt: true } },
    },
  });

  for (const action of actions) {
    const lastExecution = Math.max(action.createdAt.getTime(), ...action.executions.map((execution) => (execution.finishedAt ?? execution.startedAt).getTime()));
    const candidate: TargetCandidate = {
      actionId: action.id,
      incidentId: action.incidentId,
      targetIdentity: action.targetIdentity,
      displayName: action.targetDisplayName.toLowerCase(),
      windowStart: action.createdAt.getTime(),
      windowEnd: lastExecution + TARGET_WINDOW_AFTER_MS,
    };
    for (const key of unique([candidate.targetIdentity, candidate.displayName])) {
      const list = byKey.get(key);
      if (list) list.push(candidate);
      else byKey.set(key, [candidate]);
    }
  }
  return byKey;
}

function matchTarget(candidates: Map<string, TargetCandidate[]>, event: CorrelationKeys): Correlation | null {
  const time = event.occurredAt.getTime();
  let best: TargetCandidate | null = null;
  for (const key of event.targetKeys) {
    const matches = [...(candidates.get(key) ?? []), ...(candidates.get(displayNameKey(key)) ?? [])];
    for (const candidate of matches) {
      const identityMatch = candidate.targetIdentity === key || candidate.displayName === displayNameKey(key);
      if (!identityMatch || time < candidate.windowStart || time > candidate.windowEnd) continue;
      if (!best || candidate.windowStart > best.windowStart || (candidate.windowStart === best.windowStart && candidate.actionId > best.actionId)) best = candidate;
    }
  }
  return best ? { method: "target_identity", actionId: best.actionId, incidentId: best.incidentId } : null;
}

/** Display names are compared as Cordon stores them at proposal (NFKC), ignoring case. */
function displayNameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
