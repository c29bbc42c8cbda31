import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { ServiceContext } from "@/lib/actions/context";
import { actorRef } from "@/lib/actions/context";
import { Forbidden } from "@/lib/errors";
import type { IncidentBody } from "@/lib/actions/schemas";

/**
 * Creates an incident, or updates the one with the same external id, with its audit event
 * in the same transaction. Idempotent: sending the same body twice changes nothing.
 */
export async function upsertIncident(context: ServiceContext, body: IncidentBody) {
  if (context.actor.type === "system") throw new Forbidden("incidents are created by workloads or people");
  const now = context.clock.now();
  // Each client has its own external id space: another client's incident with the same
  // external id is neither found nor changed, so clients cannot overwrite or discover it.
  const createdByClientId = context.actor.type === "workload" ? context.actor.client.id : null;
  const data = { title: body.title, severity: body.severity, summary: body.summary, source: body.source ?? null, links: body.links ?? [] };

  return auditedTransaction(context.db, async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('incident:' || ${createdByClientId ?? "person"} || ':' || ${body.externalId}))`;
    const existing = await tx.incident.findFirst({ where: { externalId: body.externalId, createdByClientId } });
    const unchanged =
      existing &&
      existing.title === data.title &&
      existing.severity === data.severity &&
      existing.summary === data.summary &&
      existing.source === data.source &&
      JSON.stringify(existing.links) === JSON.stringify(data.links);
    if (existing && unchanged) return { incident: existing, created: false };

    const incident = existing
      ? await tx.incident.update({ where: { id: existing.id }, data: { ...data, updatedAt: now } })
      : await tx.incident.create({ data: { externalId: body.externalId, createdByClientId, ...data, createdAt: now, updatedAt: now } });
    await recordAudit(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: existing ? "incident.updated" : "incident.created",
      incidentId: incident.id,
      correlationId: context.correlationId ?? context.requestId,
      payload: { externalId: incident.externalId, title: incident.title, severity: incident.severity },
    });
    return { incident, created: !existing };
  });
}

export function toIncidentView(incident: { id: string; externalId: string; title: string; severity: string; summary: string; source: string | null; links: unknown; createdAt: Date; updatedAt: Date }) {
  return {
    id: incident.id,
    externalId: incident.externalId,
    title: incident.title,
    severity: incident.severity,
    summary: incident.summary,
    source: incident.source,
    links: incident.links,
    createdAt: incident.createdAt.toISOString(),
    updatedAt: incident.updatedAt.toISOString(),
  };
}
