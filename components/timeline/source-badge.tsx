// Badge of an event's source: Cordon itself, or the identity domain that reported the event.
// Each domain gets one colour from a fixed list, picked by its name, so a domain keeps its
// colour across page loads. The name is always written out, so colour only repeats it.

const DOMAIN_TONES = [
  "bg-violet-50 text-violet-900 ring-violet-300",
  "bg-teal-50 text-teal-900 ring-teal-300",
  "bg-orange-50 text-orange-900 ring-orange-300",
  "bg-sky-50 text-sky-900 ring-sky-300",
  "bg-fuchsia-50 text-fuchsia-900 ring-fuchsia-300",
  "bg-lime-50 text-lime-900 ring-lime-400",
];

function toneOf(name: string): string {
  let hash = 0;
  for (const character of name) hash = (hash * 31 + (character.codePointAt(0) ?? 0)) >>> 0;
  return DOMAIN_TONES[hash % DOMAIN_TONES.length]!;
}

export function SourceBadge({ source }: { source: string }) {
  const cordon = source === "cordon";
  const tone = cordon ? "bg-slate-800 text-white ring-slate-900" : toneOf(source);
  return (
    <span className={`inline-flex max-w-full items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${tone}`}>
      <span className="sr-only">Source: </span>
      {cordon ? "Cordon" : <bdi className="truncate">{source}</bdi>}
    </span>
  );
}
