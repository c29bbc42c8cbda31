import type { TimelineChainStatus } from "@/lib/audit/timeline";

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/**
 * Shows the verification result of the incident's hash chain above the events, because a broken
 * chain means the events from that sequence on may have been changed after they were written.
 */
export function ChainStatus({ chain }: { chain: TimelineChainStatus }) {
  if (chain.ok) {
    return (
      <div role="status" className="rounded-lg border-l-4 border border-green-500 bg-green-50 p-4 text-green-950">
        <p className="font-semibold">
          <span aria-hidden="true">✓ </span>
          Audit chain verified: {plural(chain.events, "event")}
        </p>
        <p className="mt-1 text-sm">Every event's hash and its link to the previous event were recomputed on this request.</p>
      </div>
    );
  }

  const problem = chain.problem;
  return (
    <div role="alert" className="rounded-lg border-l-4 border border-red-600 bg-red-50 p-4 text-red-950">
      <p className="font-semibold">
        <span aria-hidden="true">✗ </span>
        {problem ? `Audit chain broken at sequence ${problem.sequence}: ${problem.detail}` : "Audit chain broken"}
      </p>
      <p className="mt-1 text-sm">
        {plural(chain.events, "event")} verified before the problem. Do not rely on the events from that point on as evidence; run <code className="font-mono">cordon audit verify</code> and
        compare with a backup.
      </p>
    </div>
  );
}
