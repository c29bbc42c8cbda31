import type { ActionKind } from "@/lib/db/generated/enums";
import { requireAdministrator, type AdminContext } from "@/lib/users/admin-context";

/** One API key as the settings page shows it: ids and dates, never the secret's hash. */
export interface ApiKeyRow {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

export type ClientAuthentication = { method: "api_key"; keys: ApiKeyRow[] } | { method: "jwt"; issuer: string; subject: string | null; jwksUrl: string | null };

export interface ClientSettingsRow {
  id: string;
  name: string;
  ownerEmail: string;
  allowedKinds: ActionKind[];
  allowedDomains: string[];
  rateLimitPerMinute: number;
  enabled: boolean;
  authentication: ClientAuthentication;
  /** When the client was flagged for repeated rate limit violations; null when never. */
  floodFlaggedAt: string | null;
  createdAt: string;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/**
 * Lists every workload client with its API keys (newest first) or its JWT issuer and
 * subject, ordered by name. Keys are read with an explicit select, so the hash column is never
 * loaded. Requires the admin role.
 */
export async function listClientSettings(context: AdminContext): Promise<ClientSettingsRow[]> {
  requireAdministrator(context.actor, "listing workload clients");
  const now = context.clock.now();

  const clients = await context.db.workloadClient.findMany({
    orderBy: { name: "asc" },
    include: { apiKeys: { orderBy: { createdAt: "desc" }, select: { id: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true } } },
  });

  return clients.map((client) => ({
    id: client.id,
    name: client.name,
    ownerEmail: client.ownerEmail,
    allowedKinds: client.allowedKinds,
    allowedDomains: client.allowedDomains,
    rateLimitPerMinute: client.rateLimitPerMinute,
    enabled: client.enabled,
    authentication:
      client.jwtIssuer !== null
        ? { method: "jwt", issuer: client.jwtIssuer, subject: client.jwtSubject, jwksUrl: client.jwksUrl }
        : {
            method: "api_key",
            keys: client.apiKeys.map((key) => ({
              id: key.id,
              createdAt: key.createdAt.toISOString(),
              lastUsedAt: iso(key.lastUsedAt),
              expiresAt: iso(key.expiresAt),
              revokedAt: iso(key.revokedAt),
              active: key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now),
            })),
          },
    floodFlaggedAt: iso(client.floodFlaggedAt),
    createdAt: client.createdAt.toISOString(),
  }));
}
