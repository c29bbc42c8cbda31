import { createHash } from "node:crypto";
import type { AdapterPayload } from "oidc-provider";

export const TOKEN_MODELS = ["AccessToken", "ClientCredentials", "RefreshToken"] as const;
export type TokenModel = (typeof TOKEN_MODELS)[number];

/** A token as the admin API lists it; never contains the token value. */
export interface TokenRecord {
  /** SHA-256 prefix of an opaque token, or the `jti` claim of a JWT access token. */
  tokenId: string;
  kind: TokenModel;
  /** The RFC 7009 `token_type_hint` for this token. */
  tokenType: "access_token" | "refresh_token";
  format: "opaque" | "jwt";
  state: "active" | "revoked";
  clientId: string;
  subject: string | null;
  scopes: string[];
  audience: string | null;
  grantId: string | null;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

export function isTokenModel(model: string): model is TokenModel {
  return (TOKEN_MODELS as readonly string[]).includes(model);
}

/**
 * Identifies an opaque token without revealing it. oidc-provider uses the opaque token
 * itself as its `jti` and adapter key, so the `jti` of an opaque token is a secret.
 */
export function opaqueTokenId(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 32);
}

export function compareTokenIds(a: TokenRecord, b: TokenRecord): number {
  if (a.tokenId === b.tokenId) return 0;
  return a.tokenId < b.tokenId ? -1 : 1;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function audienceOf(value: unknown): string | null {
  if (Array.isArray(value)) return value.filter((item) => typeof item === "string").join(" ") || null;
  return stringOrNull(value);
}

function scopesOf(value: unknown): string[] {
  return typeof value === "string" ? value.split(" ").filter(Boolean).sort() : [];
}

function epochSecondsToIso(value: unknown, fallbackMs: number): string {
  return new Date(typeof value === "number" ? value * 1000 : fallbackMs).toISOString();
}

/** Builds the record of an opaque token from the payload oidc-provider stored for it. */
export function opaqueTokenRecord(
  model: TokenModel,
  value: string,
  payload: AdapterPayload,
  expiresAtMs: number | undefined,
  revokedAtMs: number | null,
): TokenRecord {
  const now = Date.now();
  return {
    tokenId: opaqueTokenId(value),
    kind: model,
    tokenType: model === "RefreshToken" ? "refresh_token" : "access_token",
    format: "opaque",
    state: revokedAtMs === null ? "active" : "revoked",
    clientId: String(payload.clientId),
    subject: stringOrNull(payload.accountId),
    scopes: scopesOf(payload.scope),
    audience: audienceOf(payload.aud),
    grantId: stringOrNull(payload.grantId),
    issuedAt: epochSecondsToIso(payload.iat, now),
    expiresAt: epochSecondsToIso(payload.exp, expiresAtMs ?? now),
    revokedAt: revokedAtMs === null ? null : new Date(revokedAtMs).toISOString(),
  };
}

/** Builds the record of a JWT access token from its claims. */
export function jwtTokenRecord(kind: TokenModel, claims: Record<string, unknown>, expiresAtMs: number): TokenRecord {
  const subject = stringOrNull(claims.sub);
  const clientId = String(claims.client_id);
  return {
    tokenId: String(claims.jti),
    kind,
    tokenType: "access_token",
    format: "jwt",
    state: "active",
    clientId,
    // A client_credentials JWT carries the client id as `sub`; only a person's token has a subject.
    subject: kind === "ClientCredentials" || subject === clientId ? null : subject,
    scopes: scopesOf(claims.scope),
    audience: audienceOf(claims.aud),
    grantId: null,
    issuedAt: epochSecondsToIso(claims.iat, Date.now()),
    expiresAt: new Date(expiresAtMs).toISOString(),
    revokedAt: null,
  };
}
