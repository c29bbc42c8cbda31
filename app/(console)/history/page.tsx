import { forbidden } from "next/navigation";
import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import type { Metadata } from "next";
import { HISTORY_PAGE_SIZE, historyKeys, pickHistoryFilters } from "@/components/history/history-keys";
import { HistoryView } from "@/components/history/history-view";
import { requirePerson } from "@/lib/console/require-person";
import { EXPORT_ROLES, hasAnyRole, HISTORY_ROLES } from "@/lib/history/access";
import { historyFilterOptions, type HistoryFilterOptions } from "@/lib/history/filter-options";
import { ZHistoryQuery } from "@/lib/history/schemas";
import { searchActions } from "@/lib/history/search-actions";
import { logger } from "@/lib/log/logger";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "History · Cordon" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * Renders every action across incidents. The server runs the search of the URL's filters and
 * seeds react-query with the first page. Filters that do not validate are not searched here,
 * so the client's own request gets the API's validation message and shows it as an error.
 */
export default async function HistoryPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePerson("/history");
  if (!hasAnyRole(actor, HISTORY_ROLES)) forbidden();

  const params = await searchParams;
  const filters = pickHistoryFilters((key) => params[key]);
  const log = logger.child({ component: "console" });
  const queryClient = new QueryClient();
  const parsed = ZHistoryQuery.safeParse({ ...filters, limit: String(HISTORY_PAGE_SIZE) });
  if (parsed.success) {
    try {
      queryClient.setQueryData(historyKeys.search(filters), { pages: [await searchActions(parsed.data)], pageParams: [null] });
    } catch (error) {
      log.error({ err: error }, "history could not be searched for the first render");
    }
  }

  let options: HistoryFilterOptions = { domains: [], requesters: [] };
  try {
    options = await historyFilterOptions();
  } catch (error) {
    log.error({ err: error }, "history filter options could not be read");
  }

  return (
    <>
      <h1 className="mb-4 text-2xl font-semibold">History</h1>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <HistoryView options={options} canExport={hasAnyRole(actor, EXPORT_ROLES)} />
      </HydrationBoundary>
    </>
  );
}
