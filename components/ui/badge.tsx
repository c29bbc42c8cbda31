import type { ReactNode } from "react";
import { humanise } from "./format";

export type BadgeTone = "neutral" | "info" | "success" | "warning" | "danger" | "critical";

const TONES: Record<BadgeTone, string> = {
  neutral: "bg-slate-100 text-slate-800 ring-slate-300",
  info: "bg-blue-50 text-blue-800 ring-blue-300",
  success: "bg-green-50 text-green-800 ring-green-300",
  warning: "bg-amber-50 text-amber-900 ring-amber-400",
  danger: "bg-red-50 text-red-800 ring-red-300",
  critical: "bg-red-700 text-white ring-red-800",
};

/** Renders a small coloured label. The text carries the meaning, and the colour only repeats it. */
export function Badge({ tone = "neutral", children }: { tone?: BadgeTone; children: ReactNode }) {
  return <span className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${TONES[tone]}`}>{children}</span>;
}

const LEVEL_TONES: Record<string, BadgeTone> = { low: "neutral", medium: "warning", high: "danger", critical: "critical" };

/** Risk of an action kind (low, medium, high, critical). */
export function RiskBadge({ risk }: { risk: string }) {
  return (
    <Badge tone={LEVEL_TONES[risk] ?? "neutral"}>
      {humanise(risk)} risk
    </Badge>
  );
}

/** Severity of an incident. */
export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <Badge tone={LEVEL_TONES[severity] ?? "neutral"}>
      {humanise(severity)} severity
    </Badge>
  );
}

const STATE_TONES: Record<string, BadgeTone> = {
  proposed: "neutral",
  pending: "info",
  approved: "info",
  executing: "info",
  succeeded: "success",
  reverted: "neutral",
  failed: "danger",
  denied: "danger",
  rejected: "danger",
  cancelled: "neutral",
  expired: "warning",
};

/** Lifecycle state of an action. */
export function StateBadge({ state }: { state: string }) {
  return (
    <Badge tone={STATE_TONES[state] ?? "neutral"}>
      <span className="sr-only">State: </span>
      {humanise(state)}
    </Badge>
  );
}
