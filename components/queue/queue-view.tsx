"use client";

import { useMemo, useState } from "react";
import { describeApiError } from "@/components/ui/api-client";
import { EmptyBlock, ErrorBlock, LoadingBlock } from "@/components/ui/blocks";
import { Button } from "@/components/ui/button";
import { formatUtc, kindLabel } from "@/components/ui/format";
import { applyFilters, filterOptions, isFiltered, NO_FILTERS, type QueueFilters } from "./queue-filters";
import { QueueFilterBar } from "./queue-filter-bar";
import { QueueTable } from "./queue-table";
import { usePendingQueue } from "./use-pending-queue";

function countText(count: number): string {
  return `${count} pending action${count === 1 ? "" : "s"}`;
}

/**
 * Renders the approval queue: pending actions, soonest Decision deadline first, with filters.
 * It starts from the list the server rendered and polls for changes. A failed request shows an
 * error and never an empty queue. With no data the error replaces the list, and with older
 * data it is shown above that data with the time the data was read.
 */
export function QueueView() {
  const query = usePendingQueue();
  const [filters, setFilters] = useState<QueueFilters>(NO_FILTERS);
  const items = useMemo(() => query.data?.items ?? [], [query.data]);
  const visible = useMemo(() => applyFilters(items, filters), [items, filters]);
  const options = useMemo(() => filterOptions(items, filters, { kind: kindLabel }), [items, filters]);

  if (query.isPending) return <LoadingBlock label="Loading pending actions…" />;
  if (query.isError && !query.data) {
    return (
      <ErrorBlock
        title="The queue could not be loaded"
        message={describeApiError(query.error)}
        action={
          <Button onClick={() => void query.refetch()} disabled={query.isFetching}>
            Try again
          </Button>
        }
      />
    );
  }

  const page = query.data;
  const stale = query.isError ? (
    <ErrorBlock title="The queue could not be refreshed" message={`${describeApiError(query.error)} The list below is from ${formatUtc(new Date(query.dataUpdatedAt).toISOString())} and may be out of date.`} />
  ) : null;

  return (
    <div className="flex flex-col gap-4">
      <p role="status" className="text-sm text-slate-700">
        {countText(page.total)}
        {isFiltered(filters) ? `, ${visible.length} shown with the filters below` : ""}
        {page.total > page.items.length ? `. Showing the ${page.items.length} with the soonest Decision deadline.` : ""}
      </p>
      {stale}
      {items.length === 0 ? (
        query.isError ? null : (
          <EmptyBlock title="Nothing is waiting for a decision.">New proposals from automation appear here within a few seconds.</EmptyBlock>
        )
      ) : (
        <>
          <QueueFilterBar filters={filters} options={options} onChange={setFilters} />
          {visible.length === 0 ? (
            <EmptyBlock title="No pending action matches these filters.">
              <Button onClick={() => setFilters(NO_FILTERS)}>Clear filters</Button>
            </EmptyBlock>
          ) : (
            <QueueTable actions={visible} caption={`Pending actions, soonest Decision deadline first (${visible.length})`} />
          )}
        </>
      )}
    </div>
  );
}
