import { Badge } from "@/components/ui/badge";
import { EmptyBlock } from "@/components/ui/blocks";
import { formatUtc, kindLabel } from "@/components/ui/format";
import type { ClientSettingsRow } from "@/lib/settings/list-client-settings";
import { ClientStatusControl, type DisableClientState } from "./client-status-control";

type DisableAction = (state: DisableClientState, form: FormData) => Promise<DisableClientState>;

function Authentication({ authentication }: { authentication: ClientSettingsRow["authentication"] }) {
  if (authentication.method === "jwt") {
    return (
      <dl className="flex flex-col gap-1 text-xs">
        <dt className="font-semibold">Workload JWT</dt>
        <dd className="break-all">
          issuer <span className="font-mono">{authentication.issuer}</span>
        </dd>
        <dd className="break-all">
          subject <span className="font-mono">{authentication.subject ?? "any"}</span>
        </dd>
        <dd className="break-all">
          keys from <span className="font-mono">{authentication.jwksUrl ?? "OIDC discovery"}</span>
        </dd>
      </dl>
    );
  }
  if (authentication.keys.length === 0) return <span className="text-xs">API key: none issued</span>;
  return (
    <div className="text-xs">
      <span className="font-semibold">API keys</span>
      <ul className="mt-1 flex flex-col gap-2">
        {authentication.keys.map((key) => (
          <li key={key.id}>
            <span className="font-mono">{key.id}</span> {key.active ? <Badge tone="success">active</Badge> : <Badge>{key.revokedAt ? "revoked" : "expired"}</Badge>}
            <span className="block text-slate-700">created {formatUtc(key.createdAt)}</span>
            <span className="block text-slate-700">last used {key.lastUsedAt ? formatUtc(key.lastUsedAt) : "never"}</span>
            {key.expiresAt ? <span className="block text-slate-700">expires {formatUtc(key.expiresAt)}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Workload clients with their scope, authentication, rate limit and a Disable control. */
export function ClientTable({ clients, disableAction }: { clients: ClientSettingsRow[]; disableAction: DisableAction }) {
  if (clients.length === 0) return <EmptyBlock title="No workload clients are registered.">Register one with <code className="font-mono">cordon clients create</code>.</EmptyBlock>;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Workload clients, by name</caption>
        <thead className="bg-slate-100 text-slate-800">
          <tr>
            <th scope="col" className="px-3 py-2 font-semibold">
              Client
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              May propose
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Authentication
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Rate limit
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              State
            </th>
          </tr>
        </thead>
        <tbody>
          {clients.map((client) => (
            <tr key={client.id} className="border-t border-slate-200 align-top">
              <th scope="row" className="px-3 py-3 text-left font-normal">
                <bdi className="font-semibold">{client.name}</bdi>
                <span className="block text-xs text-slate-700">
                  owner <bdi>{client.ownerEmail}</bdi>
                </span>
                <span className="block text-xs text-slate-600">registered {formatUtc(client.createdAt)}</span>
              </th>
              <td className="px-3 py-3 text-xs">
                <span className="block">{client.allowedKinds.map(kindLabel).join(", ")}</span>
                <span className="mt-1 block text-slate-700">
                  in {client.allowedDomains.length > 0 ? client.allowedDomains.join(", ") : "no domain, so every proposal is denied"}
                </span>
              </td>
              <td className="px-3 py-3">
                <Authentication authentication={client.authentication} />
              </td>
              <td className="px-3 py-3 text-xs">
                <span className="block whitespace-nowrap">{client.rateLimitPerMinute} per minute</span>
                {client.floodFlaggedAt ? (
                  <span className="mt-1 block">
                    <Badge tone="danger">Flood-flagged</Badge>
                    <span className="block text-slate-700">since {formatUtc(client.floodFlaggedAt)}</span>
                  </span>
                ) : null}
              </td>
              <td className="px-3 py-3">
                <ClientStatusControl clientId={client.id} clientName={client.name} enabled={client.enabled} action={disableAction} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
