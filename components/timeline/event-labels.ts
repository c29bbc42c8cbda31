// Words for the timeline: event types, actor types and times relative to now.

const EVENT_LABELS: Record<string, string> = {
  "incident.created": "Incident opened",
  "incident.updated": "Incident updated",
  "action.proposed": "Action proposed",
  "policy.decided": "Policy decision",
  "action.pending": "Waiting for approval",
  "approval.recorded": "Approval decision",
  "action.approved": "Action approved",
  "action.rejected": "Action rejected",
  "action.cancelled": "Action cancelled",
  "action.expired": "Action expired",
  "action.denied": "Action denied by policy",
  "action.executing": "Execution started",
  "action.drifted": "Target changed since the plan",
  "action.succeeded": "Action succeeded",
  "action.failed": "Action failed",
  "action.reverted": "Action reverted",
  "grant.minted": "Execution grant issued",
  "grant.redeemed": "Execution grant redeemed",
  "execution.started": "Execution attempt started",
  "execution.applied": "Change applied",
  "execution.verified": "Change verified",
  "execution.failed": "Execution attempt failed",
  "domain.event": "Domain event",
  "domain.account_change": "Account change in the domain",
  "domain.authentication": "Authentication in the domain",
  "domain.group_management": "Group change in the domain",
  "domain.api_activity": "API activity in the domain",
};

/** Words for an event type: `action.approved` → `Action approved`; unknown types are spelled out. */
export function describeEventType(eventType: string): string {
  const known = EVENT_LABELS[eventType];
  if (known) return known;
  const words = eventType.replaceAll(/[._]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ACTOR_LABELS: Record<string, string> = { person: "Person", workload: "Workload", system: "Cordon", domain: "Domain" };

export function describeActorType(actorType: string): string {
  return ACTOR_LABELS[actorType] ?? actorType;
}

/** `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`; `in 2 min` for a time ahead of this clock. */
export function describeAgo(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const difference = now - then;
  const seconds = Math.round(Math.abs(difference) / 1000);
  if (seconds < 10) return "just now";

  let amount: string;
  if (seconds < 60) amount = `${seconds} s`;
  else if (seconds < 3_600) amount = `${Math.floor(seconds / 60)} min`;
  else if (seconds < 86_400) amount = `${Math.floor(seconds / 3_600)} h`;
  else amount = `${Math.floor(seconds / 86_400)} d`;
  return difference >= 0 ? `${amount} ago` : `in ${amount}`;
}
