import type { Actor } from "@/lib/actions/context";
import type { PrismaClient } from "@/lib/db/client";
import { Unauthenticated } from "@/lib/errors";
import type { Logger } from "@/lib/log/logger";
import { parseApiKey, verifyApiKeySecret } from "./api-key";
import { countCredentialRejection } from "./credential-metrics";
import { parsePersonalToken, verifyPersonalTokenSecret } from "./personal-token";
import { verifyWorkloadJwt, WorkloadAuthError, type RegisteredIssuer } from "./workload-jwt";

export interface BearerOptions {
  audience: string;
  now: () => Date;
  logger: Logger;
}

const ISSUER_CACHE_MS = 30_000;
let issuerCache: { loadedAt: number; issuers: RegisteredIssuer[] } | null = null;

/** Issuers registered on any enabled client, cached briefly so each request does not query them. */
async function registeredIssuers(db: PrismaClient): Promise<RegisteredIssuer[]> {
  if (issuerCache && Date.now() - issuerCache.loadedAt < ISSUER_CACHE_MS) return issuerCache.issuers;
  const rows = await db.workloadClient.findMany({ where: { enabled: true, jwtIssuer: { not: null } }, select: { jwtIssuer: true, jwksUrl: true } });
  const byIssuer = new Map<string, RegisteredIssuer>();
  for (const row of rows) {
    if (!row.jwtIssuer || byIssuer.has(row.jwtIssuer)) continue;
    byIssuer.set(row.jwtIssuer, row.jwksUrl ? { issuer: row.jwtIssuer, jwksUrl: row.jwksUrl } : { issuer: row.jwtIssuer, discovery: true });
  }
  issuerCache = { loadedAt: Date.now(), issuers: [...byIssuer.values()] };
  return issuerCache.issuers;
}

/** Forgets cached issuers after a client is registered or changed. */
export function invalidateIssuerCache(): void {
  issuerCache = null;
}

function reject(logger: Logger, kind: string, reason: string, clientId?: string): never {
  countCredentialRejection(kind, reason);
  // The token itself is never logged: only its kind, the reason and the client when known.
  logger.warn({ credential: kind, reason, clientId }, "credential rejected");
  throw new Unauthenticated("the credentials are missing, invalid or expired");
}

async function authenticateApiKey(db: PrismaClient, token: string, options: BearerOptions): Promise<Actor> {
  const parsed = parseApiKey(token);
  if (!parsed) reject(options.logger, "api_key", "malformed");
  const key = await db.apiKey.findUnique({ where: { id: parsed.id }, include: { client: true } });
  if (!key) reject(options.logger, "api_key", "unknown_key");
  if (!verifyApiKeySecret(parsed.secret, key.secretHash)) reject(options.logger, "api_key", "bad_secret", key.clientId);
  const now = options.now();
  if (key.revokedAt) reject(options.logger, "api_key", "revoked", key.clientId);
  if (key.expiresAt && key.expiresAt <= now) reject(options.logger, "api_key", "expired", key.clientId);
  if (!key.client.enabled) reject(options.logger, "api_key", "client_disabled", key.clientId);
  await db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
  return { type: "workload", client: key.client };
}

async function authenticatePersonalToken(db: PrismaClient, token: string, options: BearerOptions): Promise<Actor> {
  const parsed = parsePersonalToken(token);
  if (!parsed) reject(options.logger, "personal_token", "malformed");
  const stored = await db.personalAccessToken.findUnique({ where: { id: parsed.id }, include: { user: true } });
  if (!stored) reject(options.logger, "personal_token", "unknown_token");
  if (!verifyPersonalTokenSecret(parsed.secret, stored.secretHash)) reject(options.logger, "personal_token", "bad_secret");
  const now = options.now();
  if (stored.revokedAt) reject(options.logger, "personal_token", "revoked");
  if (stored.expiresAt && stored.expiresAt <= now) reject(options.logger, "personal_token", "expired");
  if (stored.user.disabled) reject(options.logger, "personal_token", "user_disabled");
  await db.personalAccessToken.update({ where: { id: stored.id }, data: { lastUsedAt: now } });
  return { type: "person", user: stored.user, via: "token" };
}

async function authenticateJwt(db: PrismaClient, token: string, options: BearerOptions): Promise<Actor> {
  let verified;
  try {
    verified = await verifyWorkloadJwt(token, { audience: options.audience, issuers: await registeredIssuers(db), now: options.now });
  } catch (error) {
    if (error instanceof WorkloadAuthError) reject(options.logger, "jwt", error.reason);
    throw error;
  }
  const client = await db.workloadClient.findUnique({ where: { jwtIssuer_jwtSubject: { jwtIssuer: verified.issuer, jwtSubject: verified.subject } } });
  if (!client) reject(options.logger, "jwt", "unknown_subject");
  if (!client.enabled) reject(options.logger, "jwt", "client_disabled", client.id);
  return { type: "workload", client };
}

/**
 * Authenticates an `Authorization: Bearer …` credential: a workload API key (`cdn_…`), a
 * personal access token (`cdp_…`) or a workload JWT. Throws Unauthenticated (401) with one
 * generic message, so a caller cannot tell which check failed.
 */
export async function authenticateBearer(db: PrismaClient, authorization: string | null, options: BearerOptions): Promise<Actor> {
  if (!authorization) reject(options.logger, "none", "missing");
  const match = /^Bearer\s+(\S{1,8192})$/i.exec(authorization.trim());
  if (!match) reject(options.logger, "unknown", "not_a_bearer_credential");
  const token = match[1]!;
  if (token.startsWith("cdn_")) return authenticateApiKey(db, token, options);
  if (token.startsWith("cdp_")) return authenticatePersonalToken(db, token, options);
  if (token.split(".").length === 3) return authenticateJwt(db, token, options);
  reject(options.logger, "unknown", "unrecognised_format");
}
