import { Badge } from "@/components/ui/badge";
import { Callout } from "@/components/ui/blocks";
import type { ReviewModel } from "@/lib/console/load-review";
import type { DiffObject, DiffValue } from "@/lib/console/review-shapes";

const SECTION = "rounded-lg border border-slate-200 bg-white p-5";

/** Canonical text of a JSON value with sorted keys, so equal values compare equal. */
function canonical(value: DiffValue | undefined): string {
  if (value === undefined) return "";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  return `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
    .join(",")}}`;
}

function ValueCell({ value }: { value: DiffValue | undefined }) {
  if (value === undefined) return <span className="italic text-slate-600">not set</span>;
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 1);
  return <span className="whitespace-pre-wrap break-all font-mono text-xs">{text}</span>;
}

function changeSummary(changed: number, total: number): string {
  const noun = total === 1 ? "attribute" : "attributes";
  const verb = changed === 1 ? "changes" : "change";
  return `${changed} of ${total} ${noun} ${verb}.`;
}

/** Renders every attribute of one object before and after, highlighting and labelling the rows that change. */
function DiffTable({ object, index }: { object: DiffObject; index: number }) {
  const keys = [...new Set([...Object.keys(object.before), ...Object.keys(object.after)])].sort();
  const changed = keys.filter((key) => canonical(object.before[key]) !== canonical(object.after[key]));
  const headingId = `diff-object-${index}`;
  return (
    <div className="mt-4">
      <h3 id={headingId} className="font-semibold">
        <span className="text-slate-700">{object.type}: </span>
        <bdi>{object.displayName ?? object.id}</bdi>
      </h3>
      {object.displayName ? <p className="break-all font-mono text-xs text-slate-700">{object.id}</p> : null}
      {keys.length === 0 ? (
        <p className="mt-2 text-sm text-slate-700">The plan lists no attributes for this object.</p>
      ) : (
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm" aria-labelledby={headingId}>
            <thead className="bg-slate-100">
              <tr>
                <th scope="col" className="px-2 py-1.5 font-semibold">
                  Attribute
                </th>
                <th scope="col" className="px-2 py-1.5 font-semibold">
                  Before
                </th>
                <th scope="col" className="px-2 py-1.5 font-semibold">
                  After
                </th>
                <th scope="col" className="px-2 py-1.5 font-semibold">
                  Change
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => {
                const isChanged = changed.includes(key);
                return (
                  <tr key={key} className={`border-t border-slate-200 align-top ${isChanged ? "bg-amber-50" : ""}`}>
                    <th scope="row" className={`px-2 py-1.5 font-mono text-xs ${isChanged ? "font-bold" : "font-normal"}`}>
                      {key}
                    </th>
                    <td className="px-2 py-1.5">
                      <ValueCell value={object.before[key]} />
                    </td>
                    <td className="px-2 py-1.5">
                      <ValueCell value={object.after[key]} />
                    </td>
                    <td className="px-2 py-1.5">{isChanged ? <Badge tone="warning">Changes</Badge> : <span className="text-slate-600">Unchanged</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p className="mt-1 text-xs text-slate-700">{changeSummary(changed.length, keys.length)}</p>
    </div>
  );
}

/** Renders the scope diff (every affected object, before and after) and the blast radius. */
export function ScopeDiff({ review }: { review: ReviewModel }) {
  const { scopeDiff, action } = review;
  return (
    <>
      <section aria-labelledby="scope-diff-heading" className={SECTION}>
        <h2 id="scope-diff-heading" className="text-lg font-semibold">
          Scope diff
        </h2>
        <p className="mt-1 text-sm text-slate-700">
          What this action changes, read from the target before approval. Plan hash <span className="break-all font-mono text-xs">{action.planHash}</span>
        </p>
        {scopeDiff === null ? (
          <div className="mt-3">
            <Callout tone="warning">The stored plan does not have the expected shape, so it is shown as stored.</Callout>
            <pre className="mt-2 overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-3 text-xs">{JSON.stringify(action.plan, null, 2)}</pre>
          </div>
        ) : scopeDiff.objects.length === 0 ? (
          <p className="mt-3 text-sm text-slate-700">The plan lists no affected object.</p>
        ) : (
          scopeDiff.objects.map((object, index) => <DiffTable key={`${object.type}-${object.id}-${index}`} object={object} index={index} />)
        )}
      </section>

      <section aria-labelledby="blast-radius-heading" className={SECTION}>
        <h2 id="blast-radius-heading" className="text-lg font-semibold">
          Blast radius
        </h2>
        {scopeDiff && scopeDiff.blastRadius.length > 0 ? (
          <ul className="mt-2 flex flex-col gap-2 text-sm">
            {scopeDiff.blastRadius.map((entry, index) => (
              <li key={`${entry.type}-${entry.id}-${index}`} className="rounded-md border border-slate-200 p-2">
                <span className="font-medium">{entry.type}</span> <span className="break-all font-mono text-xs">{entry.id}</span>
                <p className="text-slate-800">
                  <bdi>{entry.description}</bdi>
                </p>
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-2 text-sm text-slate-700">The connector reported nothing else that depends on this identity.</p>
        )}
      </section>
    </>
  );
}
