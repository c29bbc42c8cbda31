import type { ReactNode } from "react";
import { RiskBadge, StateBadge } from "@/components/ui/badge";
import { Countdown } from "@/components/ui/countdown";
import { describeIsoDuration } from "@/components/ui/duration";
import { formatUtc, kindLabel } from "@/components/ui/format";
import type { ReviewModel } from "@/lib/console/load-review";

function Clock({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2">
      <dt className="text-xs font-semibold uppercase tracking-wide text-slate-700">{name}</dt>
      <dd className="mt-0.5 text-sm">{children}</dd>
    </div>
  );
}

/** Title, state, target and the three clocks of an action. */
export function ActionHeader({ review }: { review: ReviewModel }) {
  const { action } = review;
  const { clocks, target, requestedBy } = action;
  const grantOpen = action.grant && !action.grant.redeemedAt && action.state === "approved";

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">
          {kindLabel(action.kind)}: <bdi>{target.displayName}</bdi>
        </h1>
        <RiskBadge risk={action.risk} />
        <StateBadge state={action.state} />
      </div>
      <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="font-medium">Identity</dt>
        <dd className="break-all font-mono text-xs leading-5">{target.identity}</dd>
        {target.resource ? (
          <>
            <dt className="font-medium">Resource</dt>
            <dd className="break-all font-mono text-xs leading-5">{target.resource}</dd>
          </>
        ) : null}
        <dt className="font-medium">Domain</dt>
        <dd>
          {target.domain} <span className="text-slate-700">({target.domainKind})</span>
        </dd>
        <dt className="font-medium">Requested by</dt>
        <dd>
          <bdi>{requestedBy.name}</bdi> <span className="text-slate-700">({requestedBy.type}) at {formatUtc(action.createdAt)}</span>
        </dd>
        {action.stateReason ? (
          <>
            <dt className="font-medium">State reason</dt>
            <dd className="whitespace-pre-wrap break-words">{action.stateReason}</dd>
          </>
        ) : null}
      </dl>
      <dl className="grid gap-3 sm:grid-cols-3">
        <Clock name="Decision deadline">
          {action.state === "pending" ? <Countdown until={clocks.decisionDeadline} /> : <span>{formatUtc(clocks.decisionDeadline)}</span>}
        </Clock>
        <Clock name="Execution window">
          {clocks.executionWindow ? (
            <>
              {describeIsoDuration(clocks.executionWindow.duration)}, {grantOpen ? <Countdown until={clocks.executionWindow.endsAt} /> : `ends ${formatUtc(clocks.executionWindow.endsAt)}`}
            </>
          ) : (
            <span>Chosen at approval, at most {describeIsoDuration(clocks.maxExecutionWindow)}</span>
          )}
        </Clock>
        <Clock name="Effect duration">
          {!action.reversible ? (
            <span>Not reversible</span>
          ) : clocks.effectEndsAt ? (
            <>
              Until {formatUtc(clocks.effectEndsAt)}, <Countdown until={clocks.effectEndsAt} />
            </>
          ) : clocks.effectDuration ? (
            <span>{describeIsoDuration(clocks.effectDuration)} once applied</span>
          ) : (
            <span>None: stays until reverted by hand</span>
          )}
        </Clock>
      </dl>
    </div>
  );
}
