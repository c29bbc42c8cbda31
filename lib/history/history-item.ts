import type { Prisma } from "@/lib/db/client";
import type { ActionKind, ActionState, ActorType, ApprovalDecision, DomainKind, RiskLevel, Severity } from "@/lib/db/generated/enums";
import type { Json } from "@/lib/util/canonical-json";

/** One person's approve or reject decision on an action, in any round. */
export interface HistoryDecision {
  approverEmail: string;
  approverName: string;
  decision: ApprovalDecision;
  reason: string;
  decidedAt: string;
}

/**
 * One action as the history, the CSV export and the OCSF export show it. Times are ISO 8601
 * in UTC. It carries no plan, grant or execution detail: the review page shows those.
 */
export interface HistoryItem {
  id: string;
  state: ActionState;
  stateReason: string | null;
  kind: ActionKind;
  risk: RiskLevel;
  reversible: boolean;
  domain: { name: string; kind: DomainKind };
  target: { identity: string; resource: string | null; displayName: string; nameFlags: string[] };
  incident: { id: string; externalId: string; title: string; severity: Severity };
  requestedBy: { type: ActorType; id: string; name: string; email: string | null };
  decisions: HistoryDecision[];
  requiredApprovals: number;
  justification: string;
  parameters: Json;
  createdAt: string;
  /** When the action entered its current state: the audit event of that transition. */
  stateChangedAt: string;
}

/** The relations `toHistoryItem` reads; a select, so no secret column can be loaded by accident. */
export const HISTORY_INCLUDE = {
  domain: { select: { name: true, kind: true } },
  incident: { select: { id: true, externalId: true, title: true, severity: true } },
  requestedByClient: { select: { id: true, name: true } },
  requestedByUser: { select: { id: true, email: true, displayName: true } },
  approvals: {
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { decision: true, reason: true, createdAt: true, approver: { select: { email: true, displayName: true } } },
  },
} satisfies Prisma.ActionInclude;

export type HistoryActionRow = Prisma.ActionGetPayload<{ include: typeof HISTORY_INCLUDE }>;

function requester(row: HistoryActionRow): HistoryItem["requestedBy"] {
  if (row.requestedByType === "workload" && row.requestedByClient) {
    return { type: "workload", id: row.requestedByClient.id, name: row.requestedByClient.name, email: null };
  }
  if (row.requestedByType === "person" && row.requestedByUser) {
    return { type: "person", id: row.requestedByUser.id, name: row.requestedByUser.displayName, email: row.requestedByUser.email };
  }
  return { type: row.requestedByType, id: row.requestedByClientId ?? row.requestedByUserId ?? "cordon", name: "Cordon", email: null };
}

export function toHistoryItem(row: HistoryActionRow, stateChangedAt: Date | null): HistoryItem {
  return {
    id: row.id,
    state: row.state,
    stateReason: row.stateReason,
    kind: row.kind,
    risk: row.risk,
    reversible: row.reversible,
    domain: { name: row.domain.name, kind: row.domain.kind },
    target: { identity: row.targetIdentity, resource: row.targetResource, displayName: row.targetDisplayName, nameFlags: [...row.targetNameFlags] },
    incident: row.incident,
    requestedBy: requester(row),
    decisions: row.approvals.map((approval) => ({
      approverEmail: approval.approver.email,
      approverName: approval.approver.displayName,
      decision: approval.decision,
      reason: approval.reason,
      decidedAt: approval.createdAt.toISOString(),
    })),
    requiredApprovals: row.requiredApprovals,
    justification: row.justification,
    parameters: row.parameters as Json,
    createdAt: row.createdAt.toISOString(),
    // Every transition appends its event in the same transaction, so the fallback is only for
    // rows written outside the lifecycle verbs.
    stateChangedAt: (stateChangedAt ?? row.updatedAt).toISOString(),
  };
}
