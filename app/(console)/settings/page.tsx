import { forbidden } from "next/navigation";
import type { Metadata } from "next";
import { ClientTable } from "@/components/settings/client-table";
import { DomainList } from "@/components/settings/domain-list";
import { PolicyList } from "@/components/settings/policy-list";
import { SettingsSection } from "@/components/settings/settings-section";
import { UserTable } from "@/components/settings/user-table";
import { requirePerson } from "@/lib/console/require-person";
import { hasAnyRole } from "@/lib/history/access";
import { consoleAdminContext } from "@/lib/settings/admin-context";
import { loadSettings } from "@/lib/settings/load-settings";
import { disableClientAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Settings · Cordon" };

const SECTIONS = [
  { id: "domains", title: "Identity domains" },
  { id: "clients", title: "Automation clients" },
  { id: "people", title: "People and roles" },
  { id: "policies", title: "Active policies" },
];

/**
 * Administration overview: identity domains, workload clients, people and policies. It is
 * read-only except for disabling a workload client; the rest changes through the cordon CLI
 * and the policy files. Administrators only.
 */
export default async function SettingsPage() {
  const actor = await requirePerson("/settings");
  if (!hasAnyRole(actor, ["admin"])) forbidden();

  const view = await loadSettings(consoleAdminContext(actor));
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="text-2xl font-semibold">Settings</h1>
        <p className="mt-1 text-slate-700">
          What Cordon is connected to and who may use it. Change it with the <code className="font-mono">cordon</code> CLI and the policy files; here you can disable a workload client.
        </p>
        <nav aria-label="Settings sections" className="mt-3">
          <ul className="flex flex-wrap gap-4 text-sm">
            {SECTIONS.map((section) => (
              <li key={section.id}>
                <a href={`#${section.id}-title`} className="text-blue-800 underline underline-offset-2 hover:text-blue-950">
                  {section.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </div>
      <SettingsSection id="domains" title="Identity domains" description="Each domain's connector, where its secret is read from (never the secret itself) and the least privileges that secret needs." result={view.domains}>
        {(domains) => <DomainList domains={domains} />}
      </SettingsSection>
      <SettingsSection id="clients" title="Automation clients" description="Workload clients that propose actions. Disabling a client rejects its API keys and JWTs from the next request on, and policy denies its approved actions when they come to execution." result={view.clients}>
        {(clients) => <ClientTable clients={clients} disableAction={disableClientAction} />}
      </SettingsSection>
      <SettingsSection id="people" title="People and roles" description="People who sign in to the console. Approvers decide, analysts search and export, administrators manage Cordon." result={view.users}>
        {(users) => <UserTable users={users} />}
      </SettingsSection>
      <SettingsSection id="policies" title="Active policies" description="The Cedar policies this server evaluates at proposal, approval and execution time, read-only." result={view.policies}>
        {(policies) => <PolicyList settings={policies} />}
      </SettingsSection>
    </div>
  );
}
