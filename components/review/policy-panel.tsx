import { Badge } from "@/components/ui/badge";
import { describeIsoDuration } from "@/components/ui/duration";
import { approvalsProgress, formatUtc, humanise } from "@/components/ui/format";
import type { ReviewModel } from "@/lib/console/load-review";

const SECTION = "rounded-lg border border-slate-200 bg-white p-5";

function remainingText(action: ReviewModel["action"]): string {
  if (action.state !== "pending") return "";
  const remaining = Math.max(0, action.requiredApprovals - action.approvalsSoFar);
  if (remaining === 0) return ", enough to approve";
  return `, ${remaining} more needed from distinct approvers`;
}

function Approvals({ review }: { review: ReviewModel }) {
  const { action, drift } = review;
  const round = drift.count;
  return (
    <div className="mt-4">
      <h3 className="font-semibold">Approvals</h3>
      <p className="mt-1 text-sm">
        <span className="font-semibold tabular-nums">{approvalsProgress(action.approvalsSoFar, action.requiredApprovals)}</span>
        {remainingText(action)}
      </p>
      {action.approvals.length > 0 ? (
        <ul className="mt-2 flex flex-col gap-2 text-sm">
          {action.approvals.map((approval) => (
            <li key={approval.id} className={`rounded-md border p-2 ${approval.round < round ? "border-dashed border-slate-300 text-slate-700" : "border-slate-200"}`}>
              <p>
                <span className="font-medium">{approval.approver.displayName}</span> {approval.decision === "approve" ? "approved" : "rejected"}
                {approval.executionWindow ? ` with an Execution window of ${describeIsoDuration(approval.executionWindow)}` : ""}
                {approval.effectDuration ? ` and an Effect duration of ${describeIsoDuration(approval.effectDuration)}` : ""}
              </p>
              <p className="text-xs text-slate-700">{formatUtc(approval.decidedAt)}</p>
              {approval.reason ? <p className="mt-1 whitespace-pre-wrap break-words">{approval.reason}</p> : null}
              {approval.round < round ? <p className="mt-1 text-xs font-medium">Given before the target changed, so it no longer counts.</p> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Shows the latest policy decision with the policies that made it and its reasons, then the approvals so far. */
export function PolicyPanel({ review }: { review: ReviewModel }) {
  const { action } = review;
  const decision = action.policyDecision;
  return (
    <section aria-labelledby="policy-heading" className={SECTION}>
      <h2 id="policy-heading" className="text-lg font-semibold">
        Policy decision
      </h2>
      {decision ? (
        <>
          <p className="mt-2 flex flex-wrap items-center gap-2 text-sm">
            <Badge tone={decision.effect === "allow" ? "success" : "danger"}>{decision.effect === "allow" ? "Allowed" : "Denied"}</Badge>
            <span>
              {humanise(decision.operation)} at {formatUtc(decision.decidedAt)}
            </span>
          </p>
          <h3 className="mt-3 text-sm font-semibold">Determined by</h3>
          {decision.policies.length > 0 ? (
            <ul className="mt-1 flex flex-col gap-1">
              {decision.policies.map((policy) => (
                <li key={policy} className="break-all font-mono text-xs">
                  {policy}
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-1 text-sm text-slate-700">No policy matched.</p>
          )}
          {decision.reasons.length > 0 ? (
            <>
              <h3 className="mt-3 text-sm font-semibold">Reasons</h3>
              <ul className="mt-1 list-disc pl-5 text-sm">
                {decision.reasons.map((reason, index) => (
                  <li key={index}>{reason}</li>
                ))}
              </ul>
            </>
          ) : null}
          <p className="mt-3 text-sm">
            Longest Execution window allowed: <span className="font-semibold">{describeIsoDuration(action.clocks.maxExecutionWindow)}</span>
          </p>
        </>
      ) : (
        <p className="mt-2 text-sm text-slate-700">No policy decision is recorded for this action.</p>
      )}
      <Approvals review={review} />
      {action.policyDecisions.length > 1 ? (
        <details className="mt-4 text-sm">
          <summary className="cursor-pointer font-medium">All policy decisions ({action.policyDecisions.length})</summary>
          <ol className="mt-2 flex flex-col gap-2">
            {action.policyDecisions.map((entry) => (
              <li key={entry.id} className="rounded-md border border-slate-200 p-2">
                {humanise(entry.operation)}: {entry.effect === "allow" ? "allowed" : "denied"} at {formatUtc(entry.decidedAt)}
                {entry.policies.length > 0 ? <span className="block break-all font-mono text-xs">{entry.policies.join(", ")}</span> : null}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </section>
  );
}
