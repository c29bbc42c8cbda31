import { Badge, type BadgeTone } from "@/components/ui/badge";
import { EmptyBlock } from "@/components/ui/blocks";
import type { CredentialSource, DomainSettingsRow } from "@/lib/settings/list-domain-settings";

const STATUS: Record<DomainSettingsRow["status"], { tone: BadgeTone; label: string }> = {
  ready: { tone: "success", label: "Ready" },
  attention: { tone: "warning", label: "Needs attention" },
  disabled: { tone: "neutral", label: "Disabled" },
};

function Credential({ credential }: { credential: CredentialSource }) {
  if (credential.kind === "env") {
    return (
      <>
        environment variable <code className="break-all font-mono">{credential.variable}</code>
      </>
    );
  }
  if (credential.kind === "file") {
    return (
      <>
        file <code className="break-all font-mono">{credential.path}</code>
      </>
    );
  }
  return <span className="text-red-800">invalid reference, not shown</span>;
}

function Settings({ settings }: { settings: DomainSettingsRow["settings"] }) {
  if (settings === null || typeof settings !== "object" || Array.isArray(settings) || Object.keys(settings).length === 0) {
    return <span className="text-slate-600">none</span>;
  }
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1">
      {Object.entries(settings).map(([key, value]) => (
        <div key={key} className="contents">
          <dt className="font-mono text-xs text-slate-700">{key}</dt>
          <dd className="break-all font-mono text-xs">{typeof value === "string" ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function DomainCard({ domain }: { domain: DomainSettingsRow }) {
  const status = STATUS[domain.status];
  return (
    <article aria-labelledby={`domain-${domain.id}`} className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-center gap-3">
        <h3 id={`domain-${domain.id}`} className="text-lg font-semibold">
          <bdi>{domain.name}</bdi>
        </h3>
        <Badge>{domain.kind}</Badge>
        <Badge tone={status.tone}>{status.label}</Badge>
      </div>
      {domain.problems.length > 0 ? (
        <ul className="list-disc pl-5 text-sm text-amber-950">
          {domain.problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm md:grid-cols-[max-content_1fr]">
        <dt className="font-medium text-slate-700">Enabled</dt>
        <dd>{domain.enabled ? "yes" : "no"}</dd>
        <dt className="font-medium text-slate-700">Credential read from</dt>
        <dd>
          <Credential credential={domain.credential} />
        </dd>
        <dt className="font-medium text-slate-700">Settings</dt>
        <dd>
          <Settings settings={domain.settings} />
        </dd>
      </dl>
      <div>
        <h4 className="text-sm font-semibold">Least privileges the credential needs</h4>
        <ul className="mt-1 flex flex-col gap-2 text-sm">
          {domain.requirements.map((requirement) => (
            <li key={requirement.privilege} className="rounded-md bg-slate-50 p-2">
              <span className="font-medium">{requirement.privilege}</span>
              <span className="block text-slate-700">{requirement.reason}</span>
            </li>
          ))}
        </ul>
      </div>
    </article>
  );
}

export function DomainList({ domains }: { domains: DomainSettingsRow[] }) {
  if (domains.length === 0) return <EmptyBlock title="No identity domains are registered.">Register one with <code className="font-mono">cordon domains add</code>.</EmptyBlock>;
  return (
    <div className="flex flex-col gap-3">
      {domains.map((domain) => (
        <DomainCard key={domain.id} domain={domain} />
      ))}
    </div>
  );
}
