"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import { describeApiError } from "@/components/ui/api-client";
import { EmptyBlock, ErrorBlock, LoadingBlock } from "@/components/ui/blocks";
import { Button } from "@/components/ui/button";
import type { HistoryFilterOptions } from "@/lib/history/filter-options";
import { ExportLinks } from "./export-links";
import { HistoryFilterForm } from "./history-filter-form";
import { historyQueryString, isFiltered, pickHistoryFilters, type HistoryFilterParams } from "./history-keys";
import { HistoryTable } from "./history-table";
import { useHistorySearch } from "./use-history-search";

function Results({ filters }: { filters: HistoryFilterParams }) {
  const query = useHistorySearch(filters);
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);

  if (query.isPending) return <LoadingBlock label="Searching the action history…" />;
  if (query.isError && !query.data) {
    return (
      <ErrorBlock
        title="The history could not be searched"
        message={describeApiError(query.error)}
        action={
          <Button onClick={() => void query.refetch()} disabled={query.isFetching}>
            Try again
          </Button>
        }
      />
    );
  }

  const filtered = isFiltered(filters);
  if (items.length === 0) {
    return filtered ? (
      <EmptyBlock title="No action matches these filters.">Loosen or clear the filters to see more.</EmptyBlock>
    ) : (
      <EmptyBlock title="No actions yet.">Actions appear here once automation or a person proposes one.</EmptyBlock>
    );
  }

  return (
    <div className="flex flex-col gap-3">
      {query.isError ? <ErrorBlock title="More actions could not be loaded" message={describeApiError(query.error)} /> : null}
      <p role="status" className="text-sm text-slate-700">
        {items.length} action{items.length === 1 ? "" : "s"} shown{query.hasNextPage ? ", more match" : ""}, newest proposal first.
      </p>
      <HistoryTable items={items} caption={`Actions${filtered ? " matching the filters" : ""}, newest proposal first`} />
      {query.hasNextPage ? (
        <div>
          <Button onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? "Loading more actions…" : "Load more actions"}
          </Button>
        </div>
      ) : null}
    </div>
  );
}

/**
 * Shows the action history a page at a time. The filters live in the page URL, so a filtered
 * view can be shared or bookmarked, and analysts and admins get exports with the same filters.
 */
export function HistoryView({ options, canExport }: { options: HistoryFilterOptions; canExport: boolean }) {
  const searchParams = useSearchParams();
  const filters = useMemo(() => pickHistoryFilters((key) => searchParams?.get(key)), [searchParams]);
  const queryString = historyQueryString(filters);

  // Next.js keeps useSearchParams in step with pushState, so no server round trip is needed.
  const apply = useCallback((next: HistoryFilterParams) => {
    const nextQuery = historyQueryString(next);
    window.history.pushState(null, "", nextQuery ? `/history?${nextQuery}` : "/history");
  }, []);

  return (
    <div className="flex flex-col gap-4">
      <HistoryFilterForm key={queryString} filters={filters} domains={options.domains} requesters={options.requesters} onApply={apply} />
      {canExport ? <ExportLinks filters={filters} /> : null}
      <Results filters={filters} />
    </div>
  );
}
