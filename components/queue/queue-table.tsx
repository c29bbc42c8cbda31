import Link from "next/link";
import { Badge, RiskBadge } from "@/components/ui/badge";
import { Countdown } from "@/components/ui/countdown";
import { approvalsProgress, kindLabel } from "@/components/ui/format";
import type { ActionView } from "@/lib/actions/read-action";

const REQUESTER_TYPES: Record<ActionView["requestedBy"]["type"], string> = { workload: "Workload", person: "Person", system: "Cordon" };

function Requester({ requestedBy }: { requestedBy: ActionView["requestedBy"] }) {
  return (
    <div className="flex flex-col gap-1">
      <bdi>{requestedBy.name}</bdi>
      <span className="text-xs text-slate-600">{REQUESTER_TYPES[requestedBy.type]}</span>
      {requestedBy.type === "workload" && requestedBy.floodFlagged ? <Badge tone="danger">Flood-flagged client</Badge> : null}
    </div>
  );
}

function Row({ action }: { action: ActionView }) {
  const flagged = action.target.nameFlags.length > 0;
  return (
    <tr className="border-t border-slate-200 align-top">
      <td className="px-3 py-3">
        <Countdown until={action.clocks.decisionDeadline} />
      </td>
      <td className="px-3 py-3">
        <RiskBadge risk={action.risk} />
      </td>
      <td className="px-3 py-3">{kindLabel(action.kind)}</td>
      <td className="px-3 py-3">
        <Link href={`/actions/${action.id}`} className="font-semibold text-blue-800 underline underline-offset-2 hover:text-blue-950">
          <bdi>{action.target.displayName}</bdi>
          <span className="sr-only">: review this action</span>
        </Link>
        <div className="mt-1 break-all font-mono text-xs text-slate-700">{action.target.identity}</div>
        <div className="text-xs text-slate-600">
          <span className="sr-only">Domain: </span>
          {action.target.domain}
        </div>
        {flagged ? (
          <div className="mt-1">
            <Badge tone="warning">Suspicious name</Badge>
          </div>
        ) : null}
      </td>
      <td className="px-3 py-3">
        {action.incident ? (
          <>
            <Link href={`/incidents/${action.incidentId}`} className="text-blue-800 underline underline-offset-2 hover:text-blue-950">
              <bdi>{action.incident.title}</bdi>
            </Link>
            <div className="text-xs text-slate-600">{action.incident.externalId}</div>
          </>
        ) : (
          action.incidentId
        )}
      </td>
      <td className="px-3 py-3">
        <Requester requestedBy={action.requestedBy} />
      </td>
      <td className="px-3 py-3 whitespace-nowrap tabular-nums">{approvalsProgress(action.approvalsSoFar, action.requiredApprovals)}</td>
    </tr>
  );
}

/** Renders the pending actions as a table, one row per action, in the order given. */
export function QueueTable({ actions, caption }: { actions: ActionView[]; caption: string }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 text-slate-800">
          <tr>
            <th scope="col" className="px-3 py-2 font-semibold">
              Decision deadline
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Risk
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Kind
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Target
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Incident
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Requested by
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Approvals
            </th>
          </tr>
        </thead>
        <tbody>
          {actions.map((action) => (
            <Row key={action.id} action={action} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
