import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import type { Metadata } from "next";
import { notFound, forbidden } from "next/navigation";
import { NO_TIMELINE_FILTERS, TIMELINE_PAGE_SIZE, timelineKeys } from "@/components/timeline/timeline-keys";
import { TimelineView } from "@/components/timeline/timeline-view";
import { requirePerson } from "@/lib/console/require-person";
import { NotFound } from "@/lib/errors";
import { hasAnyRole, TIMELINE_ROLES } from "@/lib/history/access";
import { loadTimelinePage, type TimelineFacets } from "@/lib/history/timeline-page";
import { logger } from "@/lib/log/logger";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Incident timeline · Cordon" };

/**
 * Renders one incident's correlated timeline. The server reads the first page and seeds
 * react-query, so the first paint has the events and the chain status, and the client then
 * polls. An unknown incident is a 404. When the read fails otherwise, the cache stays empty
 * and the client's own request shows the loading or error state.
 */
export default async function IncidentTimelinePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requirePerson(`/incidents/${id}`);
  if (!hasAnyRole(actor, TIMELINE_ROLES)) forbidden();

  const queryClient = new QueryClient();
  let facets: TimelineFacets = { domains: [], eventTypes: [] };
  try {
    const data = await loadTimelinePage(id, { limit: TIMELINE_PAGE_SIZE });
    queryClient.setQueryData(timelineKeys.incident(id, NO_TIMELINE_FILTERS), { pages: [data.timeline], pageParams: [null] });
    facets = data.facets;
  } catch (error) {
    if (error instanceof NotFound) notFound();
    logger.child({ component: "console" }).error({ err: error, incidentId: id }, "incident timeline could not be read for the first render");
  }

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <TimelineView incidentId={id} facets={facets} />
    </HydrationBoundary>
  );
}
