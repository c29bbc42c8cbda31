import type { ReactNode } from "react";
import { Countdown } from "@/components/ui/countdown";
import { formatUtc, humanise } from "@/components/ui/format";
import type { ReviewModel } from "@/lib/console/load-review";

type StepStatus = "done" | "waiting" | "failed" | "skipped";
type Execution = ReviewModel["action"]["executions"][number];

interface Step {
  title: string;
  status: StepStatus;
  detail: ReactNode;
}

const STATUS_TEXT: Record<StepStatus, string> = { done: "Done", waiting: "Waiting", failed: "Failed", skipped: "Did not happen" };
const STATUS_STYLE: Record<StepStatus, string> = {
  done: "border-green-600 bg-green-50 text-green-900",
  waiting: "border-slate-400 bg-white text-slate-800",
  failed: "border-red-600 bg-red-50 text-red-900",
  skipped: "border-slate-300 bg-slate-50 text-slate-700",
};

function references(executions: Execution[]): { key: string; type: string; value: string; label: string }[] {
  const list: { key: string; type: string; value: string; label: string }[] = [];
  executions.forEach((execution) => {
    const entries = Array.isArray(execution.references) ? execution.references : [];
    entries.forEach((entry, index) => {
      if (entry && typeof entry === "object" && !Array.isArray(entry) && typeof entry.type === "string" && typeof entry.value === "string") {
        list.push({ key: `${execution.id}-${index}`, type: entry.type, value: entry.value, label: `${humanise(execution.operation)}, attempt ${execution.attempt}` });
      }
    });
  });
  return list;
}

function steps(review: ReviewModel): Step[] {
  const { action } = review;
  const grant = action.grant;
  const apply = action.executions.filter((execution) => execution.operation === "apply").at(-1);
  const expired = action.state === "expired";

  const redeemed: Step = grant?.redeemedAt
    ? { title: "Grant redeemed", status: "done", detail: `The executor redeemed the grant at ${formatUtc(grant.redeemedAt)}.` }
    : { title: "Grant redeemed", status: expired ? "skipped" : "waiting", detail: expired ? "The Execution window closed before the executor redeemed the grant." : "Waiting for the executor to redeem the grant." };

  let applied: Step = { title: "Applied", status: expired ? "skipped" : "waiting", detail: "Not started yet." };
  if (apply?.status === "running") applied = { title: "Applied", status: "waiting", detail: `In progress, attempt ${apply.attempt}, since ${formatUtc(apply.startedAt)}.` };
  if (apply?.status === "succeeded") applied = { title: "Applied", status: "done", detail: `${humanise(apply.outcome ?? "applied")}${apply.detail ? `: ${apply.detail}` : ""}` };
  if (apply?.status === "failed") applied = { title: "Applied", status: "failed", detail: apply.error ?? "The connector reported a failure." };

  let verified: Step = { title: "Verified", status: applied.status === "failed" || expired ? "skipped" : "waiting", detail: "Not verified yet." };
  if (apply?.verified === true) verified = { title: "Verified", status: "done", detail: apply.verificationDetail ?? "The target reads back as changed." };
  if (apply?.verified === false) verified = { title: "Verified", status: "failed", detail: apply.verificationDetail ?? "The target does not read back as changed." };

  return [
    {
      title: "Approved",
      status: "done",
      detail: grant ? (
        <>
          Grant issued. Execution window ends {formatUtc(grant.expiresAt)}
          {!grant.redeemedAt && !expired ? (
            <>
              {" "}
              (<Countdown until={grant.expiresAt} />)
            </>
          ) : null}
          .
        </>
      ) : (
        "Approved."
      ),
    },
    redeemed,
    applied,
    verified,
  ];
}

/** Shows an approved action's execution steps (grant redeemed, applied, verified) and the domain's reference ids. */
export function ExecutionProgress({ review }: { review: ReviewModel }) {
  const { action } = review;
  if (!action.grant && !["approved", "executing", "succeeded", "failed", "reverted"].includes(action.state)) return null;
  const refs = references(action.executions);

  return (
    <section aria-labelledby="execution-heading" className="rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="execution-heading" className="text-lg font-semibold">
        Execution
      </h2>
      <ol className="mt-3 flex flex-col gap-2">
        {steps(review).map((step) => (
          <li key={step.title} className={`rounded-md border-l-4 border p-2 text-sm ${STATUS_STYLE[step.status]}`}>
            <p className="font-semibold">
              {step.title}: {STATUS_TEXT[step.status]}
            </p>
            <p className="break-words">{step.detail}</p>
          </li>
        ))}
      </ol>
      {action.clocks.effectEndsAt ? (
        <p className="mt-3 text-sm">
          {action.state === "reverted" ? (
            <>The change was reverted.</>
          ) : (
            <>
              Effect duration ends {formatUtc(action.clocks.effectEndsAt)} (<Countdown until={action.clocks.effectEndsAt} />
              ); Cordon reverts the change then.
            </>
          )}
        </p>
      ) : null}
      <h3 className="mt-4 text-sm font-semibold">Reference ids from the domain</h3>
      {refs.length === 0 ? (
        <p className="mt-1 text-sm text-slate-700">None yet.</p>
      ) : (
        <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
          {refs.map((ref) => (
            <div key={ref.key} className="contents">
              <dt className="font-medium">
                {ref.type} <span className="text-xs font-normal text-slate-700">({ref.label})</span>
              </dt>
              <dd className="break-all font-mono text-xs">{ref.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
