"use client";

import { describeRemaining } from "./duration";
import { formatUtc } from "./format";
import { useNow } from "./use-now";

const FIVE_MINUTES = 5 * 60_000;
const FIFTEEN_MINUTES = 15 * 60_000;

/**
 * Live time left until `until` (an ISO 8601 timestamp): `12 min 05 s left`, then `Passed`.
 * It turns amber under 15 minutes and red under 5; the text carries the same information.
 * The exact UTC time is in the `title` and `dateTime` attributes.
 */
export function Countdown({ until, className = "" }: { until: string; className?: string }) {
  const now = useNow();
  const remaining = Date.parse(until) - now;

  let tone = "text-slate-900";
  if (remaining < FIVE_MINUTES) tone = "text-red-800 font-semibold";
  else if (remaining < FIFTEEN_MINUTES) tone = "text-amber-900 font-semibold";

  return (
    <time dateTime={until} title={formatUtc(until)} className={`tabular-nums ${tone} ${className}`.trim()} suppressHydrationWarning>
      {remaining <= 0 ? "Passed" : `${describeRemaining(remaining)} left`}
    </time>
  );
}
