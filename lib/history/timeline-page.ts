import { loadTimeline, MAX_TIMELINE_LIMIT, type IncidentTimeline } from "@/lib/audit/timeline";
import { getPrisma, type Db } from "@/lib/db/client";

/** Values the timeline filters offer: those present in the incident's events. */
export interface TimelineFacets {
  domains: string[];
  eventTypes: string[];
}

export interface TimelinePageData {
  timeline: IncidentTimeline;
  facets: TimelineFacets;
}

/** Distinct domains and event types of an incident's audit events, sorted. */
export async function loadTimelineFacets(incidentId: string, options: { db?: Db } = {}): Promise<TimelineFacets> {
  const db = options.db ?? getPrisma();
  const [domains, eventTypes] = await Promise.all([
    db.auditEvent.findMany({ where: { incidentId, domain: { not: null } }, distinct: ["domain"], select: { domain: true } }),
    db.auditEvent.findMany({ where: { incidentId }, distinct: ["eventType"], select: { eventType: true } }),
  ]);
  return {
    domains: domains.flatMap((row) => (row.domain === null ? [] : [row.domain])).sort(),
    eventTypes: eventTypes.map((row) => row.eventType).sort(),
  };
}

/**
 * Reads what the timeline page renders first: the first page of the unfiltered timeline and
 * the filter values. `limit` must be the page size the client requests, so the first page
 * seeds the client's cache. Throws NotFound for an unknown incident. Checks no access; the
 * page checks the role first.
 */
export async function loadTimelinePage(incidentId: string, options: { db?: Db; limit?: number } = {}): Promise<TimelinePageData> {
  const db = options.db ?? getPrisma();
  const timeline = await loadTimeline(db, incidentId, { limit: options.limit ?? MAX_TIMELINE_LIMIT });
  const facets = await loadTimelineFacets(incidentId, { db });
  return { timeline, facets };
}
