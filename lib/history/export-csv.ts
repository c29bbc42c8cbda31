import { canonicalJson } from "@/lib/util/canonical-json";
import { csvLine, type CsvValue } from "./csv";
import type { HistoryItem } from "./history-item";

/** Columns of the CSV export, in order, with the value each takes from an action. */
const COLUMNS: readonly [string, (item: HistoryItem) => CsvValue][] = [
  ["action_id", (item) => item.id],
  ["proposed_at", (item) => item.createdAt],
  ["state", (item) => item.state],
  ["state_changed_at", (item) => item.stateChangedAt],
  ["state_reason", (item) => item.stateReason],
  ["kind", (item) => item.kind],
  ["risk", (item) => item.risk],
  ["reversible", (item) => item.reversible],
  ["domain", (item) => item.domain.name],
  ["domain_kind", (item) => item.domain.kind],
  ["target_identity", (item) => item.target.identity],
  ["target_resource", (item) => item.target.resource],
  ["target_name", (item) => item.target.displayName],
  ["target_name_flags", (item) => item.target.nameFlags.join(" ")],
  ["incident_id", (item) => item.incident.id],
  ["incident_external_id", (item) => item.incident.externalId],
  ["incident_title", (item) => item.incident.title],
  ["incident_severity", (item) => item.incident.severity],
  ["requested_by_type", (item) => item.requestedBy.type],
  ["requested_by", (item) => item.requestedBy.email ?? item.requestedBy.name],
  ["required_approvals", (item) => item.requiredApprovals],
  ["decisions", (item) => item.decisions.map((decision) => `${decision.approverEmail} ${decision.decision} ${decision.decidedAt}`).join("; ")],
  ["justification", (item) => item.justification],
  ["parameters", (item) => canonicalJson(item.parameters)],
];

/** The header record of the CSV export. */
export function csvHeader(): string {
  return csvLine(COLUMNS.map(([name]) => name));
}

/** One action as a record of the CSV export. */
export function toCsvRecord(item: HistoryItem): string {
  return csvLine(COLUMNS.map(([, value]) => value(item)));
}
