"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { getJson } from "@/components/ui/api-client";
import type { IncidentTimeline } from "@/lib/audit/timeline";
import { TIMELINE_POLL_MS, timelineKeys, timelineUrl, type TimelineFilters } from "./timeline-keys";

/**
 * Reads the incident's timeline, oldest event first, in pages. Polling refetches every loaded page,
 * so events that arrive late with an earlier time still show up in place. While new filters
 * load, the previous result stays as placeholder, so the header and chain status do not blink.
 */
export function useIncidentTimeline(incidentId: string, filters: TimelineFilters) {
  return useInfiniteQuery({
    queryKey: timelineKeys.incident(incidentId, filters),
    queryFn: ({ pageParam, signal }) => getJson<IncidentTimeline>(timelineUrl(incidentId, filters, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: TIMELINE_POLL_MS,
    placeholderData: keepPreviousData,
  });
}
