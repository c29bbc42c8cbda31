import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import type { CredentialRequirement, DomainKind } from "@/lib/connectors/types";
import { Prisma, type Domain } from "@/lib/db/client";
import { ValidationFailed } from "@/lib/errors";
import { requireAdministrator, type AdminContext } from "@/lib/users/admin-context";
import { isUniqueViolation } from "@/lib/users/is-unique-violation";
import { parseAdminInput } from "@/lib/users/parse-admin-input";
import type { Json } from "@/lib/util/canonical-json";
import { formatCredentialReference, type CredentialReference } from "./credentials";
import { ZAddDomainInput, type AddDomainInput } from "./schemas";
import { DOMAIN_SETTINGS_SCHEMAS, assertSettingsStorable, describeDomainCredentials } from "./settings-schemas";

export interface AddDomainResult {
  domain: Domain;
  credentialReference: CredentialReference;
  /** Minimum privileges of the domain's credential; null when the connector cannot list them without it. */
  credentialRequirements: CredentialRequirement[];
}

/**
 * Registers an identity domain, with the `domain.created` audit event in the same transaction.
 * The settings must pass the connector's schema for the kind and must not name a secret. The
 * secret stays behind the credential reference and is never read here. The stored settings are
 * the parsed ones, with the connector's defaults filled in. Throws ValidationFailed for an
 * invalid input, a settings key that names a secret, or a name already registered.
 */
export async function addDomain(context: AdminContext, input: AddDomainInput): Promise<AddDomainResult> {
  requireAdministrator(context.actor, "adding a domain");
  const data = parseAdminInput(ZAddDomainInput, input, "domain");

  assertSettingsStorable(data.settings);
  const settings = parseConnectorSettings(data.kind, data.settings);

  const now = context.clock.now();
  const credentialRef = formatCredentialReference(data.credentialRef);
  let domain: Domain;
  try {
    domain = await context.db.$transaction(async (tx) => {
      const created = await tx.domain.create({
        data: { name: data.name, kind: data.kind, settings: settings as Prisma.InputJsonObject, credentialRef, createdAt: now, updatedAt: now },
      });
      await appendAuditEvent(tx, {
        occurredAt: now,
        actor: actorRef(context.actor),
        eventType: "domain.created",
        domain: created.name,
        correlationId: context.requestId,
        payload: { domainId: created.id, name: created.name, kind: created.kind, settings: settings as Json, credentialRef },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ValidationFailed(`a domain named ${data.name} already exists`, [{ pointer: "/name", message: `is already registered: ${data.name}` }]);
    throw error;
  }

  context.logger.info({ domainId: domain.id, kind: domain.kind }, "domain added");
  return { domain, credentialReference: data.credentialRef, credentialRequirements: describeDomainCredentials(data.kind, data.settings) };
}

function parseConnectorSettings(kind: DomainKind, settings: Record<string, unknown>): Record<string, unknown> {
  return parseAdminInput(DOMAIN_SETTINGS_SCHEMAS[kind], settings, `${kind} settings`, { pointerPrefix: "/settings" });
}
