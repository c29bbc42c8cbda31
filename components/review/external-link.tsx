import type { ReactNode } from "react";
import { safeHref } from "@/components/ui/format";

/**
 * Renders a link to another site that opens in a new tab without access to this page
 * (noopener) or its URL (noreferrer). A URL that is not http(s) is rendered as plain text,
 * never as an href.
 */
export function ExternalLink({ href, children }: { href: string; children: ReactNode }) {
  const safe = safeHref(href);
  if (!safe) return <span>{children}</span>;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer" className="break-all text-blue-800 underline underline-offset-2 hover:text-blue-950">
      {children}
      <span className="sr-only"> (opens in a new tab)</span>
    </a>
  );
}
