import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import { invalidateIssuerCache } from "@/lib/auth/authenticate-bearer";
import { createClient } from "@/lib/clients/create-client";
import type { WorkloadClient } from "@/lib/db/client";
import type { AdminContext } from "@/lib/users/admin-context";
import { DEMO_AUTOMATION_CLIENT, DEMO_AUTOMATION_KINDS, DEMO_DOMAIN_NAMES } from "./demo-names";

export interface DemoClientSpec {
  ownerEmail: string;
  /** Issuer of demo-oauth for this start; its port changes between starts. */
  jwtIssuer: string;
  jwksUrl: string;
  /** The `sub` of the automation's client_credentials tokens: oidc-provider puts the client id there. */
  jwtSubject: string;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
}

/**
 * Registers the demo automation as a workload client that authenticates with demo-oauth's JWTs,
 * and on later starts points it at this start's issuer and JWKS URL, with a
 * `workload_client.updated` audit event in the same transaction. Its kinds and domains are set
 * back to the demo's, so the playbook's proposals stay in scope.
 */
export async function upsertDemoClient(context: AdminContext, spec: DemoClientSpec): Promise<WorkloadClient> {
  const jwt = { issuer: spec.jwtIssuer, subject: spec.jwtSubject, jwksUrl: spec.jwksUrl };
  const existing = await context.db.workloadClient.findUnique({ where: { name: DEMO_AUTOMATION_CLIENT } });
  if (!existing) {
    const { client } = await createClient(context, {
      name: DEMO_AUTOMATION_CLIENT,
      ownerEmail: spec.ownerEmail,
      allowedKinds: DEMO_AUTOMATION_KINDS,
      allowedDomains: [...DEMO_DOMAIN_NAMES],
      jwt,
    });
    return client;
  }

  const unchanged =
    existing.jwtIssuer === jwt.issuer &&
    existing.jwtSubject === jwt.subject &&
    existing.jwksUrl === jwt.jwksUrl &&
    existing.ownerEmail === spec.ownerEmail &&
    sameList(existing.allowedKinds, DEMO_AUTOMATION_KINDS) &&
    sameList(existing.allowedDomains, DEMO_DOMAIN_NAMES);
  if (unchanged) return existing;

  const now = context.clock.now();
  const client = await context.db.$transaction(async (tx) => {
    const updated = await tx.workloadClient.update({
      where: { id: existing.id },
      data: {
        ownerEmail: spec.ownerEmail,
        allowedKinds: DEMO_AUTOMATION_KINDS,
        allowedDomains: [...DEMO_DOMAIN_NAMES],
        jwtIssuer: jwt.issuer,
        jwtSubject: jwt.subject,
        jwksUrl: jwt.jwksUrl,
        updatedAt: now,
      },
    });
    await appendAuditEvent(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: "workload_client.updated",
      correlationId: context.requestId,
      payload: {
        clientId: updated.id,
        name: updated.name,
        ownerEmail: updated.ownerEmail,
        allowedKinds: updated.allowedKinds,
        allowedDomains: updated.allowedDomains,
        jwtIssuer: updated.jwtIssuer,
        jwtSubject: updated.jwtSubject,
        jwksUrl: updated.jwksUrl,
      },
    });
    return updated;
  });
  invalidateIssuerCache();
  context.logger.info({ clientId: client.id }, "demo automation client pointed at this start's issuer");
  return client;
}
