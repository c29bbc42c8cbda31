import type { ActionKind } from "@/lib/db/generated/enums";
import { requireAdministrator, type AdminContext } from "@/lib/users/admin-context";

/** One workload client as the operator sees it; never a key hash. */
export interface ClientSummary {
  id: string;
  name: string;
  ownerEmail: string;
  allowedKinds: ActionKind[];
  allowedDomains: string[];
  rateLimitPerMinute: number;
  enabled: boolean;
  authentication: "api_key" | "jwt";
  jwtIssuer: string | null;
  jwtSubject: string | null;
  jwksUrl: string | null;
  /** When the client exceeded its rate limit often enough to be flagged; null when never. */
  floodFlaggedAt: Date | null;
  /** API keys that are neither revoked nor expired. */
  activeKeyCount: number;
  /** Latest use of any of the client's API keys; null for JWT clients and unused keys. */
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** Lists every workload client, ordered by name. */
export async function listClients(context: AdminContext): Promise<ClientSummary[]> {
  requireAdministrator(context.actor, "listing workload clients");
  const now = context.clock.now();

  const clients = await context.db.workloadClient.findMany({
    orderBy: { name: "asc" },
    include: { apiKeys: { select: { revokedAt: true, expiresAt: true, lastUsedAt: true } } },
  });

  return clients.map((client) => {
    const active = client.apiKeys.filter((key) => key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now));
    const lastUses = client.apiKeys.flatMap((key) => (key.lastUsedAt ? [key.lastUsedAt.getTime()] : []));
    return {
      id: client.id,
      name: client.name,
      ownerEmail: client.ownerEmail,
      allowedKinds: client.allowedKinds,
      allowedDomains: client.allowedDomains,
      rateLimitPerMinute: client.rateLimitPerMinute,
      enabled: client.enabled,
      authentication: client.jwtIssuer === null ? "api_key" : "jwt",
      jwtIssuer: client.jwtIssuer,
      jwtSubject: client.jwtSubject,
      jwksUrl: client.jwksUrl,
      floodFlaggedAt: client.floodFlaggedAt,
      activeKeyCount: active.length,
      lastUsedAt: lastUses.length > 0 ? new Date(Math.max(...lastUses)) : null,
      createdAt: client.createdAt,
    };
  });
}
