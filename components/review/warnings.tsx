import { Callout } from "@/components/ui/blocks";
import { formatUtc } from "@/components/ui/format";
import type { ReviewModel } from "@/lib/console/load-review";
import { revealName } from "./reveal";

const NAME_FLAG_TEXT: Record<string, string> = {
  mixed_scripts: "It mixes letters from different scripts, such as Latin and Cyrillic, which can imitate another identity's name.",
  invisible_characters: "It contains invisible characters, so two names that look the same can differ.",
  bidi_controls: "It contains bidirectional control characters, which can change the order in which it is displayed.",
  control_characters: "It contains control characters.",
  changed_by_normalisation: "Cordon normalised it (Unicode NFKC), so the requester sent a different spelling.",
};

function RevealedName({ name }: { name: string }) {
  return (
    <span className="break-all rounded bg-white px-1 font-mono">
      {revealName(name).map((segment, index) => {
        if (segment.kind === "text") return <span key={index}>{segment.text}</span>;
        if (segment.kind === "hidden") {
          return (
            <mark key={index} className="mx-0.5 rounded bg-red-200 px-1 text-xs text-red-950">
              {segment.codePoint}
            </mark>
          );
        }
        return (
          <mark key={index} className="mx-0.5 rounded bg-amber-200 px-0.5 text-amber-950">
            {segment.text}
            <sub className="ml-0.5 text-[0.65rem]">{segment.codePoint}</sub>
          </mark>
        );
      })}
    </span>
  );
}

/**
 * Shows what an approver must see before deciding: a target name built to deceive, a target
 * that changed after planning, and a requesting client flagged for flooding.
 */
export function Warnings({ review }: { review: ReviewModel }) {
  const { action, drift } = review;
  const flags = action.target.nameFlags;
  const drifted = drift.count > 0 || action.approvals.some((approval) => approval.round > 0);
  const flood = action.requestedBy.type === "workload" && action.requestedBy.floodFlagged;
  if (flags.length === 0 && !drifted && !flood) return null;

  return (
    <section aria-labelledby="warnings-heading" className="flex flex-col gap-3">
      <h2 id="warnings-heading" className="text-lg font-semibold text-red-900">
        Warnings
      </h2>
      {flags.length > 0 ? (
        <Callout tone="danger" title="Check the target name">
          <ul className="list-disc pl-5">
            {flags.map((flag) => (
              <li key={flag}>{NAME_FLAG_TEXT[flag] ?? `Flagged: ${flag}.`}</li>
            ))}
          </ul>
          <p className="mt-2">
            Character by character: <RevealedName name={action.target.displayName} />
          </p>
          <p className="mt-1">
            Compare the immutable identity instead: <span className="break-all font-mono">{action.target.identity}</span>
          </p>
        </Callout>
      ) : null}
      {drifted ? (
        <Callout tone="warning" title="The target changed after planning">
          The target&apos;s state changed {drift.count > 1 ? `${drift.count} times ` : ""}since the scope diff was first computed
          {drift.lastAt ? `, last at ${formatUtc(drift.lastAt)}` : ""}. The scope diff below is the fresh one, and approvals given before the change no longer count.
        </Callout>
      ) : null}
      {flood && action.requestedBy.type === "workload" ? (
        <Callout tone="danger" title="The requesting client was flagged for flooding">
          <bdi>{action.requestedBy.name}</bdi> exceeded its rate limit repeatedly (10 times within an hour). A flood of proposals can be an attempt to rush approvers; check this one with care.
        </Callout>
      ) : null}
    </section>
  );
}
