import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import type { DomainKind } from "@/lib/connectors/types";
import { Prisma, type Domain } from "@/lib/db/client";
import { addDomain } from "@/lib/domains/add-domain";
import { DOMAIN_SETTINGS_SCHEMAS, assertSettingsStorable } from "@/lib/domains/settings-schemas";
import type { AdminContext } from "@/lib/users/admin-context";
import type { Json } from "@/lib/util/canonical-json";

export interface DemoDomainSpec {
  name: string;
  kind: DomainKind;
  /** Connector settings; URLs change on every start because the demo servers listen on free ports. */
  settings: Record<string, unknown>;
  /** `file:<path>` of the secret in the demo-secrets folder. */
  credentialRef: string;
}

/** A domain of the given name exists with another kind; the demo cannot take it over. */
export class DemoDomainConflict extends Error {
  override readonly name = "DemoDomainConflict";
}

/**
 * Registers a demo domain on first start, and on later starts points it at the demo servers
 * of this start: new settings and credential reference, with a `domain.updated` audit event in
 * the same transaction. A domain that already matches is left untouched. Throws
 * DemoDomainConflict when the name is taken by a domain of another kind.
 */
export async function upsertDemoDomain(context: AdminContext, spec: DemoDomainSpec): Promise<Domain> {
  const existing = await context.db.domain.findUnique({ where: { name: spec.name } });
  if (!existing) {
    const { domain } = await addDomain(context, spec);
    return domain;
  }
  if (existing.kind !== spec.kind) {
    throw new DemoDomainConflict(`domain ${spec.name} exists with kind ${existing.kind}, not ${spec.kind}; rename it or set CORDON_DEMO=off`);
  }

  assertSettingsStorable(spec.settings);
  const settings = DOMAIN_SETTINGS_SCHEMAS[spec.kind].parse(spec.settings) as Json;
  const unchanged = JSON.stringify(existing.settings) === JSON.stringify(settings) && existing.credentialRef === spec.credentialRef;
  if (unchanged) return existing;

  const now = context.clock.now();
  const domain = await context.db.$transaction(async (tx) => {
    const updated = await tx.domain.update({
      where: { id: existing.id },
      data: { settings: settings as Prisma.InputJsonObject, credentialRef: spec.credentialRef, updatedAt: now },
    });
    await appendAuditEvent(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: "domain.updated",
      domain: updated.name,
      correlationId: context.requestId,
      payload: { domainId: updated.id, name: updated.name, kind: updated.kind, settings, credentialRef: spec.credentialRef },
    });
    return updated;
  });
  context.logger.info({ domainId: domain.id, domain: domain.name }, "demo domain updated for this start");
  return domain;
}
