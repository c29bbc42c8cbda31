import type { CredentialRequirement, DomainKind } from "@/lib/connectors/types";
import { describeDomainCredentials } from "@/lib/domains/settings-schemas";

/** Returns the least privileges a domain's credential needs, for the settings page. */
export function domainCredentialRequirements(kind: DomainKind, settings: unknown): CredentialRequirement[] {
  return describeDomainCredentials(kind, settings);
}
