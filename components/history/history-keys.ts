// Query keys, filter parameters and URLs of the history page. No hooks here, so the server
// page can import it to seed the react-query cache under the key the client reads.

export const HISTORY_URL = "/api/console/history";
export const HISTORY_PAGE_SIZE = 50;

/** The filter parameters of the history, in the order the form shows them. */
export const HISTORY_FILTER_KEYS = ["q", "state", "kind", "domain", "requester", "approver", "from", "to"] as const;
export type HistoryFilterKey = (typeof HISTORY_FILTER_KEYS)[number];

/** Set filters by parameter name; a filter that is not set is absent. */
export type HistoryFilterParams = Partial<Record<HistoryFilterKey, string>>;

/**
 * Picks the history filters out of a page's search parameters: known keys only, first value
 * only, empty values dropped. Other parameters never reach the API, which rejects them.
 */
export function pickHistoryFilters(read: (key: HistoryFilterKey) => string | string[] | null | undefined): HistoryFilterParams {
  const filters: HistoryFilterParams = {};
  for (const key of HISTORY_FILTER_KEYS) {
    const raw = read(key);
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined && value !== null && value.trim() !== "") filters[key] = value;
  }
  return filters;
}

/** Encodes the filters as a query string, keys in HISTORY_FILTER_KEYS order, without `?`. */
export function historyQueryString(filters: HistoryFilterParams): string {
  const params = new URLSearchParams();
  for (const key of HISTORY_FILTER_KEYS) {
    const value = filters[key];
    if (value !== undefined) params.set(key, value);
  }
  return params.toString();
}

export function isFiltered(filters: HistoryFilterParams): boolean {
  return HISTORY_FILTER_KEYS.some((key) => filters[key] !== undefined);
}

export const historyKeys = {
  all: ["console", "history"] as const,
  search: (filters: HistoryFilterParams) => [...historyKeys.all, historyQueryString(filters)] as const,
};

/** URL of one history page; `cursor` is the previous page's `nextCursor`. */
export function historyUrl(filters: HistoryFilterParams, cursor: string | null): string {
  const params = new URLSearchParams(historyQueryString(filters));
  params.set("limit", String(HISTORY_PAGE_SIZE));
  if (cursor) params.set("cursor", cursor);
  return `${HISTORY_URL}?${params.toString()}`;
}

/** URL of an export with the same filters. */
export function exportUrl(format: "csv" | "ocsf", filters: HistoryFilterParams): string {
  const query = historyQueryString(filters);
  return `/api/console/exports/${format}${query ? `?${query}` : ""}`;
}
