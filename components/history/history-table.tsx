import Link from "next/link";
import { Badge, RiskBadge, StateBadge } from "@/components/ui/badge";
import { formatUtc, kindLabel } from "@/components/ui/format";
import type { HistoryItem } from "@/lib/history/history-item";

const REQUESTER_TYPES: Record<string, string> = { workload: "Workload", person: "Person", system: "Cordon", domain: "Domain" };

function Requester({ requestedBy }: { requestedBy: HistoryItem["requestedBy"] }) {
  const type = REQUESTER_TYPES[requestedBy.type] ?? requestedBy.type;
  return (
    <>
      <bdi>{requestedBy.email ?? requestedBy.name}</bdi>
      <span className="block text-xs text-slate-600">{type}</span>
    </>
  );
}

function Decisions({ decisions }: { decisions: HistoryItem["decisions"] }) {
  if (decisions.length === 0) return <span className="text-slate-600">none</span>;
  return (
    <ul className="flex flex-col gap-1">
      {decisions.map((decision) => (
        <li key={`${decision.approverEmail}-${decision.decidedAt}`}>
          <bdi>{decision.approverEmail}</bdi>
          <span className="block text-xs text-slate-600">
            {decision.decision === "approve" ? "approved" : "rejected"} {formatUtc(decision.decidedAt)}
          </span>
        </li>
      ))}
    </ul>
  );
}

function Row({ item }: { item: HistoryItem }) {
  return (
    <tr className="border-t border-slate-200 align-top">
      <td className="whitespace-nowrap px-3 py-3 tabular-nums">{formatUtc(item.createdAt)}</td>
      <td className="px-3 py-3">
        <Link href={`/actions/${item.id}`} className="font-semibold text-blue-800 underline underline-offset-2 hover:text-blue-950">
          {kindLabel(item.kind)}: <bdi>{item.target.displayName}</bdi>
          <span className="sr-only">, review this action</span>
        </Link>
        <div className="mt-1 break-all font-mono text-xs text-slate-700">
          <bdi>{item.target.identity}</bdi>
        </div>
        <div className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-600">
          <span>
            <span className="sr-only">Domain: </span>
            <bdi>{item.domain.name}</bdi>
          </span>
          <RiskBadge risk={item.risk} />
          {item.target.nameFlags.length > 0 ? <Badge tone="warning">Suspicious name</Badge> : null}
        </div>
      </td>
      <td className="px-3 py-3">
        <StateBadge state={item.state} />
        <div className="mt-1 whitespace-nowrap text-xs text-slate-600">since {formatUtc(item.stateChangedAt)}</div>
        {item.stateReason ? (
          <div className="mt-1 max-w-56 break-words text-xs text-slate-700">
            <bdi>{item.stateReason}</bdi>
          </div>
        ) : null}
      </td>
      <td className="px-3 py-3">
        <Link href={`/incidents/${item.incident.id}`} className="text-blue-800 underline underline-offset-2 hover:text-blue-950">
          <bdi>{item.incident.title}</bdi>
          <span className="sr-only">: open the incident timeline</span>
        </Link>
        <div className="text-xs text-slate-600">
          <bdi>{item.incident.externalId}</bdi>
        </div>
      </td>
      <td className="px-3 py-3">
        <Requester requestedBy={item.requestedBy} />
      </td>
      <td className="px-3 py-3">
        <Decisions decisions={item.decisions} />
      </td>
    </tr>
  );
}

/** Actions as a table, one row per action, in the order given. */
export function HistoryTable({ items, caption }: { items: HistoryItem[]; caption: string }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 text-slate-800">
          <tr>
            <th scope="col" className="px-3 py-2 font-semibold">
              Proposed
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Action and target
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              State
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Incident
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Requested by
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Decided by
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <Row key={item.id} item={item} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
