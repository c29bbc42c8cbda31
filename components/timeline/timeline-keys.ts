// Query keys and URLs of the incident timeline. No hooks here, so the server page can import
// it to seed the react-query cache under the key the client reads.

/** Polling interval of the timeline, in milliseconds. */
export const TIMELINE_POLL_MS = 3_000;

/** Events per request: the largest page `GET /api/v1/incidents/{id}/timeline` serves. */
export const TIMELINE_PAGE_SIZE = 200;

/** Pages loaded without a click; past them a button loads the rest. */
export const TIMELINE_AUTO_PAGES = 5;

/** Filter values of the timeline; an empty string means "any". */
export interface TimelineFilters {
  domain: string;
  actorType: string;
  eventType: string;
}

export const NO_TIMELINE_FILTERS: TimelineFilters = { domain: "", actorType: "", eventType: "" };

export const timelineKeys = {
  all: ["console", "timeline"] as const,
  incident: (incidentId: string, filters: TimelineFilters) => [...timelineKeys.all, incidentId, filters] as const,
};

/** URL of one timeline page; `cursor` is the previous page's `nextCursor`. */
export function timelineUrl(incidentId: string, filters: TimelineFilters, cursor: string | null): string {
  const params = new URLSearchParams({ limit: String(TIMELINE_PAGE_SIZE) });
  if (filters.domain) params.set("domain", filters.domain);
  if (filters.actorType) params.set("actorType", filters.actorType);
  if (filters.eventType) params.set("eventType", filters.eventType);
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/incidents/${encodeURIComponent(incidentId)}/timeline?${params.toString()}`;
}
