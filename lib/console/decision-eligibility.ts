import type { ActionView } from "@/lib/actions/read-action";
import type { ConsolePerson } from "./person";

// This module has no server imports: the review page also runs it in the browser, because
// the action changes while the page is open (another approver, the deadline passing).

export interface DecisionEligibility {
  canApprove: boolean;
  canReject: boolean;
  /** Sentence for the page that explains a missing control; null when both are offered. */
  explanation: string | null;
}

type EligibilityAction = Pick<ActionView, "state" | "requestedBy" | "approvals" | "approvalsSoFar" | "requiredApprovals" | "clocks">;

const STATE_PHRASES: Record<string, string> = {
  proposed: "is still being proposed",
  approved: "is already approved",
  executing: "is being executed",
  succeeded: "has succeeded",
  failed: "has failed",
  denied: "was denied by policy",
  rejected: "was rejected",
  cancelled: "was cancelled",
  expired: "has expired",
  reverted: "was reverted",
};

function neither(explanation: string): DecisionEligibility {
  return { canApprove: false, canReject: false, explanation };
}

function remainingApprovals(action: EligibilityAction): number {
  return Math.max(0, action.requiredApprovals - action.approvalsSoFar);
}

/**
 * Decides which decision controls the console offers a person. It mirrors the checks of
 * recordApproval and the default policies: the approver role, no decision on one's own
 * proposal, and no approval by the owner of the proposing workload. The owner may still
 * reject, because stopping a containment step needs no independence. The API enforces all
 * of these again, so the result only shapes the page.
 */
export function decisionEligibility(person: ConsolePerson, action: EligibilityAction, options: { now: number; round: number }): DecisionEligibility {
  if (action.state !== "pending") return neither(`This action ${STATE_PHRASES[action.state] ?? `is ${action.state}`}, so it takes no further decision.`);
  if (options.now >= Date.parse(action.clocks.decisionDeadline)) return neither("The Decision deadline has passed, so this action can no longer be approved or rejected.");
  if (!person.roles.includes("approver")) return neither("You can review this action, but only a person with the approver role can approve or reject it.");

  const requester = action.requestedBy;
  if (requester.type === "person" && requester.id === person.id) return neither("You proposed this action, so another approver has to decide on it.");

  const mine = action.approvals.find((approval) => approval.round === options.round && approval.approver.id === person.id);
  if (mine) {
    const remaining = remainingApprovals(action);
    const waiting = remaining > 0 ? ` It needs ${remaining} more approval${remaining === 1 ? "" : "s"} from other approvers.` : "";
    return neither(`You already ${mine.decision === "approve" ? "approved" : "rejected"} this action.${waiting}`);
  }

  if (requester.type === "workload" && requester.owner.toLowerCase() === person.email.toLowerCase()) {
    return {
      canApprove: false,
      canReject: true,
      explanation: `You own the workload “${requester.name}” that proposed this action, so you do not count as an independent approver. You can still reject it.`,
    };
  }
  return { canApprove: true, canReject: true, explanation: null };
}
