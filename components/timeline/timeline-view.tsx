"use client";

import { useEffect, useMemo, useState } from "react";
import { describeApiError } from "@/components/ui/api-client";
import { EmptyBlock, ErrorBlock, LoadingBlock } from "@/components/ui/blocks";
import { Button } from "@/components/ui/button";
import { formatUtc } from "@/components/ui/format";
import type { TimelineFacets } from "@/lib/history/timeline-page";
import { ChainStatus } from "./chain-status";
import { IncidentHeader } from "./incident-header";
import { TimelineFilterBar } from "./timeline-filter-bar";
import { NO_TIMELINE_FILTERS, TIMELINE_AUTO_PAGES, TIMELINE_POLL_MS, type TimelineFilters } from "./timeline-keys";
import { TimelineList } from "./timeline-list";
import { useIncidentTimeline } from "./use-incident-timeline";
import { useRelativeClock } from "./use-relative-clock";

/** Sorted union of the values known at first paint and those seen since, so new domains appear. */
function mergeOptions(known: string[], seen: Iterable<string | null>, selected: string): string[] {
  const values = new Set(known);
  for (const value of seen) if (value) values.add(value);
  if (selected) values.add(selected);
  return [...values].sort();
}

/**
 * Shows the incident timeline: header, audit chain status, filters and events, oldest first. It
 * starts from the page the server rendered and polls every TIMELINE_POLL_MS. A failed request
 * shows an error, never an empty timeline. With no data the error replaces the list, and with
 * older data it is shown above that data with the time of the last successful read.
 */
export function TimelineView({ incidentId, facets }: { incidentId: string; facets: TimelineFacets }) {
  const [filters, setFilters] = useState<TimelineFilters>(NO_TIMELINE_FILTERS);
  const query = useIncidentTimeline(incidentId, filters);
  const now = useRelativeClock();
  const pages = query.data?.pages;
  const items = useMemo(() => pages?.flatMap((page) => page.items) ?? [], [pages]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isPlaceholderData } = query;
  const pageCount = pages?.length ?? 0;

  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isPlaceholderData && pageCount < TIMELINE_AUTO_PAGES) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isPlaceholderData, pageCount, fetchNextPage]);

  const domains = useMemo(() => mergeOptions(facets.domains, items.map((item) => item.domain), filters.domain), [facets.domains, items, filters.domain]);
  const eventTypes = useMemo(() => mergeOptions(facets.eventTypes, items.map((item) => item.eventType), filters.eventType), [facets.eventTypes, items, filters.eventType]);

  if (query.isPending) return <LoadingBlock label="Loading the incident timeline…" />;
  if (query.isError && !query.data) {
    return (
      <ErrorBlock
        title="The timeline could not be loaded"
        message={describeApiError(query.error)}
        action={
          <Button onClick={() => void query.refetch()} disabled={query.isFetching}>
            Try again
          </Button>
        }
      />
    );
  }

  const first = query.data.pages[0]!;
  const filtered = filters.domain !== "" || filters.actorType !== "" || filters.eventType !== "";
  return (
    <div className="flex flex-col gap-4">
      <IncidentHeader incident={first.incident} />
      <ChainStatus chain={first.chain} />
      {query.isError ? (
        <ErrorBlock
          title="The timeline could not be refreshed"
          message={`${describeApiError(query.error)} The events below are from ${formatUtc(new Date(query.dataUpdatedAt).toISOString())} and may be out of date.`}
        />
      ) : null}
      <section aria-labelledby="timeline-title" className="flex flex-col gap-3">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="timeline-title" className="text-xl font-semibold">
            Timeline
          </h2>
          <p className="text-sm text-slate-700">
            Oldest first. Cordon&apos;s own events and events reported by identity domains; updates every {TIMELINE_POLL_MS / 1000} seconds.
          </p>
        </div>
        <TimelineFilterBar filters={filters} domains={domains} eventTypes={eventTypes} onChange={setFilters} />
        <p role="status" className={`text-sm text-slate-700 ${isPlaceholderData ? "invisible" : ""}`}>
          {items.length} event{items.length === 1 ? "" : "s"}
          {filtered ? " match the filters" : ""}
          {hasNextPage ? ", more to load" : ""}
        </p>
        {isPlaceholderData ? (
          <LoadingBlock label="Applying the filters…" />
        ) : items.length === 0 ? (
          query.isError ? null : filtered ? (
            <EmptyBlock title="No event matches these filters.">
              <Button onClick={() => setFilters(NO_TIMELINE_FILTERS)}>Clear filters</Button>
            </EmptyBlock>
          ) : (
            <EmptyBlock title="No events for this incident yet.">Proposals, decisions and domain events appear here within a few seconds.</EmptyBlock>
          )
        ) : (
          <TimelineList items={items} now={now} label="Incident events, oldest first" />
        )}
        {hasNextPage && pageCount >= TIMELINE_AUTO_PAGES ? (
          <div>
            <Button onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
              {isFetchingNextPage ? "Loading more events…" : "Load more events"}
            </Button>
          </div>
        ) : null}
      </section>
    </div>
  );
}
