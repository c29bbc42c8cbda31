import Link from "next/link";
import { SeverityBadge } from "@/components/ui/badge";
import { formatUtc } from "@/components/ui/format";
import type { ReviewModel } from "@/lib/console/load-review";
import { ExternalLink } from "./external-link";

const SECTION = "rounded-lg border border-slate-200 bg-white p-5";

/** Renders the incident behind the action, the requester's justification and the evidence, all as text. */
export function IncidentPanel({ review }: { review: ReviewModel }) {
  const { incident, action, evidence } = review;
  return (
    <>
      <section aria-labelledby="incident-heading" className={SECTION}>
        <h2 id="incident-heading" className="text-lg font-semibold">
          Incident
        </h2>
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <p className="font-semibold">
            <Link href={`/incidents/${action.incidentId}`} className="text-blue-800 underline underline-offset-2 hover:text-blue-950">
              <bdi>{incident.title}</bdi>
              <span className="sr-only"> (incident timeline)</span>
            </Link>
          </p>
          <SeverityBadge severity={incident.severity} />
          <span className="font-mono text-xs text-slate-700">{incident.externalId}</span>
        </div>
        <p className="mt-3 whitespace-pre-wrap break-words text-slate-800">{incident.summary || "No summary was given."}</p>
        {incident.source ? (
          <p className="mt-3 text-sm">
            <span className="font-medium">Source: </span>
            {incident.sourceUrl ? <ExternalLink href={incident.sourceUrl}>{incident.source}</ExternalLink> : <bdi>{incident.source}</bdi>}
          </p>
        ) : null}
        {incident.links.length > 0 ? (
          <ul className="mt-3 flex flex-col gap-1 text-sm">
            {incident.links.map((link, index) => (
              <li key={`${link.url}-${index}`}>
                <ExternalLink href={link.url}>{link.title ?? link.url}</ExternalLink>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="justification-heading" className={SECTION}>
        <h2 id="justification-heading" className="text-lg font-semibold">
          Justification and evidence
        </h2>
        <p className="mt-2 whitespace-pre-wrap break-words text-slate-800">{action.justification}</p>
        {evidence.length === 0 ? (
          <p className="mt-3 text-sm text-slate-700">The requester attached no evidence.</p>
        ) : (
          <ul className="mt-3 flex flex-col gap-3">
            {evidence.map((item, index) => (
              <li key={index} className="rounded-md border border-slate-200 p-3 text-sm">
                <p className="font-semibold">
                  <bdi>{item.title}</bdi>
                </p>
                {item.observedAt ? <p className="text-xs text-slate-700">Observed {formatUtc(item.observedAt)}</p> : null}
                {item.detail ? <p className="mt-1 whitespace-pre-wrap break-words font-mono text-xs text-slate-800">{item.detail}</p> : null}
                {item.url ? (
                  <p className="mt-1">
                    <ExternalLink href={item.url}>{item.url}</ExternalLink>
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
