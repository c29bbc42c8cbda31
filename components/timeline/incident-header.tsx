import { SeverityBadge } from "@/components/ui/badge";
import { formatUtc, safeHref } from "@/components/ui/format";
import type { IncidentTimeline } from "@/lib/audit/timeline";

type IncidentView = IncidentTimeline["incident"];

interface IncidentLink {
  title: string | null;
  href: string;
}

/** Returns the incident's links that are http(s) URLs. Any other value is dropped and never linked. */
function safeLinks(links: unknown): IncidentLink[] {
  if (!Array.isArray(links)) return [];
  return links.flatMap((link: unknown) => {
    if (link === null || typeof link !== "object") return [];
    const { url, title } = link as { url?: unknown; title?: unknown };
    const href = safeHref(url);
    return href ? [{ href, title: typeof title === "string" && title !== "" ? title : null }] : [];
  });
}

/** Title, severity, summary, external id and source of the incident. */
export function IncidentHeader({ incident }: { incident: IncidentView }) {
  const source = safeHref(incident.source);
  const links = safeLinks(incident.links);
  return (
    <header className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-5">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">
          <bdi>{incident.title}</bdi>
        </h1>
        <SeverityBadge severity={incident.severity} />
      </div>
      <p className="whitespace-pre-line text-slate-800">
        <bdi>{incident.summary}</bdi>
      </p>
      <dl className="grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="font-medium text-slate-700">External id</dt>
        <dd className="break-all font-mono">
          <bdi>{incident.externalId}</bdi>
        </dd>
        <dt className="font-medium text-slate-700">Source</dt>
        <dd className="break-all">
          {source ? (
            <a href={source} rel="noopener noreferrer" target="_blank" className="text-blue-800 underline underline-offset-2 hover:text-blue-950">
              {source}
              <span className="sr-only"> (opens in a new tab)</span>
            </a>
          ) : incident.source ? (
            // Not an http(s) URL: shown as text so a javascript: or data: value never becomes a link.
            <bdi>{incident.source}</bdi>
          ) : (
            <span className="text-slate-600">none</span>
          )}
        </dd>
        <dt className="font-medium text-slate-700">Opened in Cordon</dt>
        <dd>{formatUtc(incident.createdAt)}</dd>
        {links.length > 0 ? (
          <>
            <dt className="font-medium text-slate-700">Links</dt>
            <dd>
              <ul className="flex flex-col gap-1">
                {links.map((link) => (
                  <li key={link.href} className="break-all">
                    <a href={link.href} rel="noopener noreferrer" target="_blank" className="text-blue-800 underline underline-offset-2 hover:text-blue-950">
                      <bdi>{link.title ?? link.href}</bdi>
                      <span className="sr-only"> (opens in a new tab)</span>
                    </a>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>
    </header>
  );
}
