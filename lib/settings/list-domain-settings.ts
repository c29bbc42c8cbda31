import type { CredentialRequirement } from "@/lib/connectors/types";
import { inspectCredentialReference, ZCredentialReference } from "@/lib/domains/credentials";
import { listDomains } from "@/lib/domains/list-domains";
import { DOMAIN_SETTINGS_SCHEMAS } from "@/lib/domains/settings-schemas";
import type { DomainKind } from "@/lib/db/generated/enums";
import type { AdminContext } from "@/lib/users/admin-context";
import type { Json } from "@/lib/util/canonical-json";
import { domainCredentialRequirements } from "./credential-requirements";

/** Source of a domain's secret: the variable or file name, never the secret or an unparsable reference. */
export type CredentialSource = { kind: "env"; variable: string } | { kind: "file"; path: string } | { kind: "invalid" };

export interface DomainSettingsRow {
  id: string;
  name: string;
  kind: DomainKind;
  enabled: boolean;
  /** `ready`: settings valid and credential found; `attention`: see `problems`; `disabled`. */
  status: "ready" | "attention" | "disabled";
  problems: string[];
  /** Connector settings (URLs, client ids); secrets are rejected when a domain is registered. */
  settings: Json;
  credential: CredentialSource;
  requirements: CredentialRequirement[];
  createdAt: string;
}

function credentialSource(reference: string): CredentialSource {
  const parsed = ZCredentialReference.safeParse(reference);
  if (!parsed.success) return { kind: "invalid" };
  return parsed.data.source === "env" ? { kind: "env", variable: parsed.data.name } : { kind: "file", path: parsed.data.path };
}

async function domainProblems(kind: DomainKind, settings: unknown, reference: string): Promise<string[]> {
  const problems: string[] = [];
  const parsedSettings = DOMAIN_SETTINGS_SCHEMAS[kind].safeParse(settings);
  if (!parsedSettings.success) {
    for (const issue of parsedSettings.error.issues) problems.push(`settings ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }

  const parsedReference = ZCredentialReference.safeParse(reference);
  // The reference itself is not repeated: a secret typed there by mistake must not be shown.
  if (!parsedReference.success) problems.push("the credential reference is not env:NAME or file:/absolute/path; register the domain again with a valid one");
  else problems.push(...(await inspectCredentialReference(parsedReference.data)));
  return problems;
}

/**
 * Lists every identity domain for the settings page with its status, where its credential is
 * read from, and the least privileges that credential needs. The status checks the settings
 * against the connector's schema and whether the credential's variable or file exists for this
 * process, without reading the secret. Requires the admin role.
 */
export async function listDomainSettings(context: AdminContext): Promise<DomainSettingsRow[]> {
  const domains = await listDomains(context);
  return Promise.all(
    domains.map(async (domain) => {
      const problems = await domainProblems(domain.kind, domain.settings, domain.credentialRef);
      const requirements = domainCredentialRequirements(domain.kind, domain.settings);
      let status: DomainSettingsRow["status"] = "ready";
      if (!domain.enabled) status = "disabled";
      else if (problems.length > 0) status = "attention";
      return {
        id: domain.id,
        name: domain.name,
        kind: domain.kind,
        enabled: domain.enabled,
        status,
        problems,
        settings: domain.settings as Json,
        credential: credentialSource(domain.credentialRef),
        requirements,
        createdAt: domain.createdAt.toISOString(),
      };
    }),
  );
}
