import type { ReactNode } from "react";

// The states every data view needs, kept distinct so that a failed request is never shown
// as an empty list. LoadingBlock is shown while nothing is known, EmptyBlock when the server
// returned nothing, and ErrorBlock when the request failed. Callout shows warnings and notes
// beside data.

/** Shown while the first response is on its way; announced politely to screen readers. */
export function LoadingBlock({ label }: { label: string }) {
  return (
    <div role="status" className="flex items-center gap-3 rounded-lg border border-slate-200 bg-white p-6 text-slate-700">
      <span aria-hidden="true" className="h-4 w-4 rounded-full border-2 border-slate-300 border-t-blue-700 motion-safe:animate-spin" />
      <span>{label}</span>
    </div>
  );
}

/** Shown when a request succeeded and returned nothing. */
export function EmptyBlock({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
      <p className="font-semibold text-slate-900">{title}</p>
      {children ? <div className="mt-2 text-sm text-slate-700">{children}</div> : null}
    </div>
  );
}

/** Shown when a request failed; `role="alert"` makes screen readers announce it. */
export function ErrorBlock({ title, message, action }: { title: string; message: string; action?: ReactNode }) {
  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-red-900">
      <p className="font-semibold">{title}</p>
      <p className="mt-1 text-sm">{message}</p>
      {action ? <div className="mt-3">{action}</div> : null}
    </div>
  );
}

export type CalloutTone = "info" | "warning" | "danger" | "success";

const CALLOUT_TONES: Record<CalloutTone, string> = {
  info: "border-blue-300 bg-blue-50 text-blue-950",
  warning: "border-amber-400 bg-amber-50 text-amber-950",
  danger: "border-red-400 bg-red-50 text-red-950",
  success: "border-green-400 bg-green-50 text-green-950",
};

/** Renders a bordered note beside data, such as a warning about the target or the reason a control is missing. */
export function Callout({ tone = "info", title, children, headingLevel = 3 }: { tone?: CalloutTone; title?: string; children: ReactNode; headingLevel?: 2 | 3 | 4 }) {
  const Heading = `h${headingLevel}` as const;
  return (
    <div className={`rounded-lg border-l-4 border p-4 ${CALLOUT_TONES[tone]}`}>
      {title ? <Heading className="font-semibold">{title}</Heading> : null}
      <div className={title ? "mt-1 text-sm" : "text-sm"}>{children}</div>
    </div>
  );
}
