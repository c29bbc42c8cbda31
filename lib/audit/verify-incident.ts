import type { Db } from "@/lib/db/client";

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/** An incident that shares the external id the caller gave, with the client that reported it. */
export interface IncidentCandidate {
  id: string;
  /** Name of the reporting workload client; null when a person created the incident. */
  clientName: string | null;
}

export type IncidentChainLookup =
  | { kind: "found"; chain: string }
  | { kind: "unknown" }
  | { kind: "ambiguous"; candidates: IncidentCandidate[] };

/**
 * Finds the audit chain of an incident named by its UUID or by its external id (`INC-2041`).
 * A UUID names an incident, else an external id, else an audit chain of that name that has
 * no incident row.
 * External ids are unique per reporting client only, so one can match several incidents.
 * The result then lists them, oldest first, for the caller to pick one by UUID.
 */
export async function findIncidentChain(db: Db, reference: string): Promise<IncidentChainLookup> {
  // Chains are named by the lower-case UUID, as PostgreSQL returns it.
  const id = UUID.test(reference) ? reference.toLowerCase() : undefined;
  if (id !== undefined && (await db.incident.findUnique({ where: { id }, select: { id: true } }))) return { kind: "found", chain: id };

  const matches = await db.incident.findMany({ where: { externalId: reference }, select: { id: true, createdByClientId: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  const only = matches[0];
  if (only && matches.length === 1) return { kind: "found", chain: only.id };
  if (matches.length > 1) return { kind: "ambiguous", candidates: await withClientNames(db, matches) };

  if (id !== undefined && (await chainExists(db, id))) return { kind: "found", chain: id };
  return { kind: "unknown" };
}

async function withClientNames(db: Db, incidents: { id: string; createdByClientId: string | null }[]): Promise<IncidentCandidate[]> {
  const clientIds = incidents.flatMap((incident) => (incident.createdByClientId === null ? [] : [incident.createdByClientId]));
  const clients = await db.workloadClient.findMany({ where: { id: { in: clientIds } }, select: { id: true, name: true } });
  const names = new Map(clients.map((client) => [client.id, client.name]));
  return incidents.map((incident) => ({ id: incident.id, clientName: incident.createdByClientId === null ? null : (names.get(incident.createdByClientId) ?? null) }));
}

async function chainExists(db: Db, chain: string): Promise<boolean> {
  const head = await db.auditChainHead.findUnique({ where: { chain }, select: { chain: true } });
  if (head) return true;
  return (await db.auditEvent.findFirst({ where: { chain }, select: { id: true } })) !== null;
}
