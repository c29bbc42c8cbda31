"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { getJson } from "@/components/ui/api-client";
import type { HistoryPage } from "@/lib/history/search-actions";
import { historyKeys, historyUrl, type HistoryFilterParams } from "./history-keys";

/** Matching actions, newest proposal first, a page at a time. */
export function useHistorySearch(filters: HistoryFilterParams) {
  return useInfiniteQuery({
    queryKey: historyKeys.search(filters),
    queryFn: ({ pageParam, signal }) => getJson<HistoryPage>(historyUrl(filters, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  });
}
