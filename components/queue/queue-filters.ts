import type { ActionView } from "@/lib/actions/read-action";

/** Filter values of the queue; an empty string means "any". */
export interface QueueFilters {
  risk: string;
  kind: string;
  domain: string;
  incident: string;
}

export const NO_FILTERS: QueueFilters = { risk: "", kind: "", domain: "", incident: "" };

export interface FilterOption {
  value: string;
  label: string;
}

const RISK_ORDER = ["critical", "high", "medium", "low"];

export function isFiltered(filters: QueueFilters): boolean {
  return Object.values(filters).some((value) => value !== "");
}

/** Returns the actions that pass every filter, soonest Decision deadline first. */
export function applyFilters(items: ActionView[], filters: QueueFilters): ActionView[] {
  return items
    .filter((action) => filters.risk === "" || action.risk === filters.risk)
    .filter((action) => filters.kind === "" || action.kind === filters.kind)
    .filter((action) => filters.domain === "" || action.target.domain === filters.domain)
    .filter((action) => filters.incident === "" || action.incidentId === filters.incident)
    .sort((a, b) => Date.parse(a.clocks.decisionDeadline) - Date.parse(b.clocks.decisionDeadline) || a.id.localeCompare(b.id));
}

function distinct(entries: FilterOption[]): FilterOption[] {
  const seen = new Map<string, FilterOption>();
  for (const entry of entries) if (!seen.has(entry.value)) seen.set(entry.value, entry);
  return [...seen.values()];
}

/**
 * Options for each filter, taken from the loaded actions, so every option matches at least
 * one action. A selected value that is no longer present stays listed, so the select never
 * shows a value it does not offer.
 */
export function filterOptions(items: ActionView[], filters: QueueFilters, labels: { kind: (kind: string) => string }) {
  const keep = (options: FilterOption[], selected: string) => (selected === "" || options.some((option) => option.value === selected) ? options : [...options, { value: selected, label: selected }]);
  const risks = distinct(items.map((action) => ({ value: action.risk, label: action.risk }))).sort((a, b) => RISK_ORDER.indexOf(a.value) - RISK_ORDER.indexOf(b.value));
  const kinds = distinct(items.map((action) => ({ value: action.kind, label: labels.kind(action.kind) }))).sort((a, b) => a.label.localeCompare(b.label));
  const domains = distinct(items.map((action) => ({ value: action.target.domain, label: action.target.domain }))).sort((a, b) => a.label.localeCompare(b.label));
  const incidents = distinct(
    items.map((action) => ({ value: action.incidentId, label: action.incident ? `${action.incident.externalId}: ${action.incident.title}` : action.incidentId })),
  ).sort((a, b) => a.label.localeCompare(b.label));
  return {
    risk: keep(risks, filters.risk),
    kind: keep(kinds, filters.kind),
    domain: keep(domains, filters.domain),
    incident: keep(incidents, filters.incident),
  };
}
