import { ZOAuth2DomainSettings } from "@/lib/connectors/oauth2";
import type { CredentialRequirement, DomainKind } from "@/lib/connectors/types";
import { describeDomainCredentials } from "@/lib/domains/settings-schemas";

export interface DomainCredentialRequirements {
  requirements: CredentialRequirement[];
  /** `connector`: listed by the connector itself; `static`: this file's list for the kind. */
  source: "connector" | "static";
}

// NOTE: the oauth2 and scim connectors list their requirements only on an instance, and building
// one needs the secret, which the settings page never reads. These lists restate them per kind
// and must change when those connectors change what they call.
function oauth2Requirements(settings: unknown): CredentialRequirement[] {
  const parsed = ZOAuth2DomainSettings.safeParse(settings);
  const clientId = parsed.success ? parsed.data.clientId : "named by clientId in the settings";
  const requirements: CredentialRequirement[] = [
    {
      privilege: `OAuth 2.0 client ${clientId} with a client secret (client_secret_basic), allowed to introspect (RFC 7662) and revoke (RFC 7009) tokens issued to other clients`,
      reason: "revoke_token revokes the target's tokens and verification checks by introspection that they are no longer active; the client needs no grant type of its own",
    },
  ];
  if (!parsed.success || parsed.data.adminUrl !== undefined) {
    requirements.push({
      privilege: "bearer token of the token administration API (adminToken), when adminUrl is set: list tokens, read token values, read, disable and re-enable clients",
      reason: "OAuth 2.0 has no standard call to list a client's tokens or to disable a client; the plan lists the tokens, disable_account disables the client and revert enables it again",
    });
  }
  return requirements;
}

const SCIM_REQUIREMENTS: readonly CredentialRequirement[] = [
  { privilege: "read Users: GET /Users/{id}", reason: "plan and verification read the user's active attribute and group memberships" },
  { privilege: "read Groups: GET /Groups/{id} and GET /Groups filtered on displayName or members.value", reason: "remove_entitlement finds the group by id or name and counts its other members" },
  { privilege: "modify the active attribute of Users: PATCH /Users/{id}", reason: "disable_account sets active to false and revert restores the previous value" },
  {
    privilege: "modify the members attribute of Groups: PATCH /Groups/{id}",
    reason: "remove_entitlement removes one member and revert adds it back; no create, replace, delete or Bulk rights are needed",
  },
];

/** Returns the least privileges a domain's credential needs, for the settings page. */
export function domainCredentialRequirements(kind: DomainKind, settings: unknown): DomainCredentialRequirements {
  const fromConnector = describeDomainCredentials(kind);
  if (fromConnector) return { requirements: fromConnector, source: "connector" };
  const requirements = kind === "oauth2" ? oauth2Requirements(settings) : SCIM_REQUIREMENTS.map((requirement) => ({ ...requirement }));
  return { requirements, source: "static" };
}
