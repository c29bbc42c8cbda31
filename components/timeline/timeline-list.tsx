import Link from "next/link";
import { formatUtc } from "@/components/ui/format";
import type { TimelineItem } from "@/lib/audit/timeline";
import { describeActorType, describeAgo, describeEventType } from "./event-labels";
import { SourceBadge } from "./source-badge";

function Actor({ actor }: { actor: TimelineItem["actor"] }) {
  return (
    <span>
      <span className="font-medium">{describeActorType(actor.type)}</span>{" "}
      {actor.name ? (
        <bdi>{actor.name}</bdi>
      ) : (
        <span className="break-all font-mono text-xs">
          <bdi>{actor.id}</bdi>
        </span>
      )}
    </span>
  );
}

function Event({ item, now }: { item: TimelineItem; now: number }) {
  return (
    <li className="grid grid-cols-1 gap-x-4 gap-y-2 border-t border-slate-200 px-4 py-3 first:border-t-0 md:grid-cols-[13rem_1fr]">
      <div className="text-sm">
        <time dateTime={item.occurredAt} className="block tabular-nums">
          {formatUtc(item.occurredAt)}
        </time>
        <span className="block text-slate-600" suppressHydrationWarning>
          {describeAgo(item.occurredAt, now)}
        </span>
      </div>
      <div className="flex min-w-0 flex-col gap-1">
        <div className="flex flex-wrap items-center gap-2">
          <SourceBadge source={item.source} />
          <span className="font-semibold">{describeEventType(item.eventType)}</span>
          <span className="font-mono text-xs text-slate-600">{item.eventType}</span>
        </div>
        <p className="break-words">
          <bdi>{item.summary}</bdi>
        </p>
        <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-700">
          <span>
            <span className="sr-only">Actor: </span>
            <Actor actor={item.actor} />
          </span>
          {item.domain ? (
            <span>
              Domain <bdi className="font-medium">{item.domain}</bdi>
            </span>
          ) : null}
          {item.actionId ? (
            <Link href={`/actions/${item.actionId}`} className="font-medium text-blue-800 underline underline-offset-2 hover:text-blue-950">
              Review action<span className="sr-only"> {item.actionId}</span>
            </Link>
          ) : null}
          <span>Sequence {item.sequence}</span>
          {item.correlationId ? (
            <span className="break-all">
              Correlation <span className="font-mono text-xs">{item.correlationId}</span>
            </span>
          ) : null}
        </p>
        <details className="text-sm">
          <summary className="cursor-pointer text-slate-700">Event data</summary>
          <pre tabIndex={0} className="mt-2 max-h-80 overflow-auto rounded-md bg-slate-100 p-3 text-xs">{JSON.stringify(item.payload, null, 2)}</pre>
        </details>
      </div>
    </li>
  );
}

/** Renders the events in the order given, with the time in UTC and relative to `now`. */
export function TimelineList({ items, now, label }: { items: TimelineItem[]; now: number; label: string }) {
  return (
    <ol aria-label={label} className="rounded-lg border border-slate-200 bg-white">
      {items.map((item) => (
        <Event key={item.id} item={item} now={now} />
      ))}
    </ol>
  );
}
