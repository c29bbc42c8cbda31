import type { ActionKind, ActionState, RiskLevel } from "@/lib/db/generated/enums";
import type { HistoryItem } from "./history-item";
import { OCSF_EXPORT_VERSION, type OcsfActionEvent } from "./ocsf-event-schema";

/*
 * Maps an action to one OCSF 1.1.0 event. Kinds that change an account map to Account Change
 * (class 3001, category 3 Identity & Access Management); the others map to API Activity
 * (class 6003, category 6 Application Activity), the class for an API call that changes a
 * resource. Class, category, activity and severity ids are those of schema.ocsf.io 1.1.0.
 */

interface ClassMapping {
  classUid: 3001 | 6003;
  className: string;
  categoryUid: 3 | 6;
  categoryName: string;
  activityId: number;
  activityName: string;
}

const ACCOUNT_CHANGE = { classUid: 3001, className: "Account Change", categoryUid: 3, categoryName: "Identity & Access Management" } as const;
const API_ACTIVITY = { classUid: 6003, className: "API Activity", categoryUid: 6, categoryName: "Application Activity" } as const;

const CLASS_BY_KIND: Record<ActionKind, ClassMapping> = {
  disable_account: { ...ACCOUNT_CHANGE, activityId: 5, activityName: "Disable" },
  // Cordon sets a new random secret without knowing the old one: a reset, not a change.
  rotate_credential: { ...ACCOUNT_CHANGE, activityId: 4, activityName: "Password Reset" },
  // An entitlement (role membership, group, grant) is the closest OCSF has to a detached policy.
  remove_entitlement: { ...ACCOUNT_CHANGE, activityId: 8, activityName: "Detach Policy" },
  revoke_token: { ...API_ACTIVITY, activityId: 4, activityName: "Delete" },
  quarantine_workload: { ...API_ACTIVITY, activityId: 3, activityName: "Update" },
};

const SEVERITY_BY_RISK: Record<RiskLevel, { id: number; name: "Low" | "Medium" | "High" | "Critical" }> = {
  low: { id: 2, name: "Low" },
  medium: { id: 3, name: "Medium" },
  high: { id: 4, name: "High" },
  critical: { id: 5, name: "Critical" },
};

/**
 * OCSF status of a state: Success once the change was made (a later revert keeps it a
 * success, named in the detail), Failure when it was not and never will be, and Other with
 * Cordon's word while the action is still open.
 */
function status(state: ActionState): { id: 1 | 2 | 99; name: string } {
  switch (state) {
    case "succeeded":
    case "reverted":
      return { id: 1, name: "Success" };
    case "failed":
    case "denied":
    case "rejected":
    case "cancelled":
    case "expired":
      return { id: 2, name: "Failure" };
    case "proposed":
    case "pending":
    case "approved":
    case "executing":
      return { id: 99, name: state.charAt(0).toUpperCase() + state.slice(1) };
  }
}

function statusDetail(item: HistoryItem): string | undefined {
  if (item.stateReason) return `${item.state}: ${item.stateReason}`;
  return status(item.state).id === 99 ? undefined : item.state;
}

function nonEmpty(text: string | null | undefined): string | undefined {
  return text ? text : undefined;
}

function actor(item: HistoryItem): OcsfActionEvent["actor"] {
  const { requestedBy } = item;
  const user = { uid: requestedBy.id, ...(nonEmpty(requestedBy.name) ? { name: requestedBy.name } : {}), ...(nonEmpty(requestedBy.email) ? { email_addr: requestedBy.email! } : {}) };
  return requestedBy.type === "workload" && nonEmpty(requestedBy.name) ? { user, app_name: requestedBy.name } : { user };
}

function unmapped(item: HistoryItem): OcsfActionEvent["unmapped"] {
  return {
    cordon_state: item.state,
    cordon_kind: item.kind,
    risk: item.risk,
    reversible: item.reversible,
    domain: item.domain.name,
    domain_kind: item.domain.kind,
    target_resource: item.target.resource,
    target_name_flags: item.target.nameFlags,
    incident: { id: item.incident.id, external_id: item.incident.externalId, title: item.incident.title, severity: item.incident.severity },
    requested_by_type: item.requestedBy.type,
    required_approvals: item.requiredApprovals,
    decisions: item.decisions.map((decision) => ({
      approver_email: decision.approverEmail,
      approver_name: decision.approverName,
      decision: decision.decision,
      reason: decision.reason,
      decided_at: decision.decidedAt,
    })),
    justification: item.justification,
    parameters: item.parameters,
    proposed_at: item.createdAt,
  };
}

/** Maps one action to its OCSF event: metadata.uid is the action id, time its last state change, actor its requester. */
export function toOcsfEvent(item: HistoryItem): OcsfActionEvent {
  const mapping = CLASS_BY_KIND[item.kind];
  const severity = SEVERITY_BY_RISK[item.risk];
  const itemStatus = status(item.state);
  const detail = statusDetail(item);
  const target = { uid: item.target.identity, ...(nonEmpty(item.target.displayName) ? { name: item.target.displayName } : {}) };

  const common = {
    category_name: mapping.categoryName,
    class_name: mapping.className,
    activity_id: mapping.activityId,
    activity_name: mapping.activityName,
    type_uid: mapping.classUid * 100 + mapping.activityId,
    type_name: `${mapping.className}: ${mapping.activityName}`,
    time: Date.parse(item.stateChangedAt),
    severity_id: severity.id,
    severity: severity.name,
    status_id: itemStatus.id,
    status: itemStatus.name,
    ...(detail ? { status_detail: detail } : {}),
    message: `${item.kind} of ${item.target.displayName || item.target.identity} in ${item.domain.name}: ${item.state}`,
    metadata: {
      uid: item.id,
      version: OCSF_EXPORT_VERSION,
      product: { name: "Cordon" as const, vendor_name: "Cordon" as const },
      correlation_uid: item.incident.id,
      event_code: item.kind,
    },
    actor: actor(item),
    src_endpoint: { svc_name: "cordon" },
    dst_endpoint: { svc_name: item.domain.name },
    unmapped: unmapped(item),
  };

  if (mapping.classUid === 3001) return { ...common, class_uid: 3001, category_uid: 3, user: target };
  return {
    ...common,
    class_uid: 6003,
    category_uid: 6,
    api: { operation: item.kind, service: { name: item.domain.name } },
    resources: [
      { ...target, type: `${item.domain.kind} identity` },
      ...(item.target.resource ? [{ uid: item.target.resource, type: `${item.domain.kind} resource` }] : []),
    ],
  };
}

/** One line of the NDJSON export. */
export function toOcsfLine(item: HistoryItem): string {
  return `${JSON.stringify(toOcsfEvent(item))}\n`;
}
