import { Badge } from "@/components/ui/badge";
import { EmptyBlock } from "@/components/ui/blocks";
import { describeSeconds } from "@/components/ui/duration";
import type { PolicySettings } from "@/lib/settings/load-settings";

/** Lists the loaded Cedar policies, read-only, each with its file, line and text. */
export function PolicyList({ settings }: { settings: PolicySettings }) {
  return (
    <div className="flex flex-col gap-3">
      <p className="text-sm">
        Loaded from <code className="break-all font-mono">{settings.directory}</code>: {settings.policies.length} polic{settings.policies.length === 1 ? "y" : "ies"}.
      </p>
      {settings.policies.length === 0 ? (
        <EmptyBlock title="No policies are loaded, so every request is denied." />
      ) : (
        <ul className="flex flex-col gap-2">
          {settings.policies.map((policy) => (
            <li key={`${policy.file}:${policy.line}:${policy.id}`} className="rounded-lg border border-slate-200 bg-white">
              <details>
                <summary className="flex cursor-pointer flex-wrap items-center gap-2 p-3">
                  <span className="font-mono text-sm font-semibold">{policy.id}</span>
                  <Badge tone={policy.effect === "permit" ? "success" : "danger"}>{policy.effect}</Badge>
                  <span className="text-sm text-slate-700">
                    {policy.file}:{policy.line}
                  </span>
                  {policy.description ? <span className="basis-full text-sm">{policy.description}</span> : null}
                </summary>
                <div className="flex flex-col gap-2 border-t border-slate-200 p-3 text-sm">
                  <p>
                    Required approvals: {policy.requiredApprovals ?? "not set"}. Maximum execution window:{" "}
                    {policy.maxExecutionWindowSeconds === undefined ? "not set" : describeSeconds(policy.maxExecutionWindowSeconds)}.
                    {policy.flags.length > 0 ? ` Flags: ${policy.flags.join(", ")}.` : ""}
                  </p>
                  <pre tabIndex={0} className="overflow-auto rounded-md bg-slate-100 p-3 text-xs">
                    {policy.source}
                  </pre>
                </div>
              </details>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
