import type { Logger } from "@/lib/log/logger";
import type { z } from "zod";
import {
  type BlastRadiusEntry,
  type ConnectorAction,
  ConnectorError,
  type ConnectorPlan,
  type DomainReference,
  type GrantForApply,
  type Plan,
  type ScopeDiffObject,
  type VerifyResult,
  type ApplyResult,
} from "@/lib/connectors/types";
import type { Json } from "@/lib/util/canonical-json";
import type { AdminApi, TokenRecord } from "./admin-api";
import type { TokenEndpoints } from "./token-endpoints";

/** Largest token set one action may change, which keeps plans readable and calls bounded. */
export const MAX_TOKENS_PER_ACTION = 500;

export interface OAuth2Deps {
  tokens: TokenEndpoints;
  /** Undefined when the domain has no admin API configured. */
  admin: AdminApi | undefined;
  logger: Logger;
}

export interface OAuth2ActionHandler {
  plan(deps: OAuth2Deps, action: ConnectorAction, signal: AbortSignal): Promise<ConnectorPlan>;
  apply(deps: OAuth2Deps, action: ConnectorAction, grant: GrantForApply, signal: AbortSignal): Promise<ApplyResult>;
  verify(deps: OAuth2Deps, action: ConnectorAction, signal: AbortSignal): Promise<VerifyResult>;
  revert(deps: OAuth2Deps, action: ConnectorAction, plan: Plan, signal: AbortSignal): Promise<ApplyResult>;
}

export function requireAdmin(deps: OAuth2Deps, kind: string): AdminApi {
  if (!deps.admin) {
    throw new ConnectorError(`${kind} needs the token administration API; set adminUrl in the domain settings and adminToken in its credentials`, false);
  }
  return deps.admin;
}

export function parseParameters<T>(schema: z.ZodType<T>, action: ConnectorAction): T {
  const result = schema.safeParse(action.parameters);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "parameters"}: ${issue.message}`);
    throw new ConnectorError(`invalid ${action.kind} parameters (${issues.join("; ")})`, false);
  }
  return result.data;
}

export function tokenIdReferences(records: readonly TokenRecord[]): DomainReference[] {
  return records.map((record) => ({ type: "oauth2_token_id", value: record.tokenId }));
}

function tokenAttributes(record: TokenRecord): Record<string, Json> {
  return {
    tokenType: record.tokenType,
    clientId: record.clientId,
    subject: record.subject,
    scopes: record.scopes,
    audience: record.audience,
    expiresAt: record.expiresAt,
  };
}

/** Builds the diff object for one token. `before` and `after` carry the same attributes and differ only in `state`. */
export function tokenDiffObject(record: TokenRecord, after: "active" | "revoked"): ScopeDiffObject {
  const attributes = tokenAttributes(record);
  return {
    type: "oauth2_token",
    id: record.tokenId,
    displayName: `${record.tokenType} of ${record.clientId}${record.subject === null ? "" : ` for ${record.subject}`}`,
    before: { state: record.state, ...attributes },
    after: { state: after, ...attributes },
  };
}

/** Blast-radius entry for a JWT access token, which stays usable until it expires. */
export function jwtResidualEntry(record: TokenRecord): BlastRadiusEntry {
  return {
    type: "oauth2_token",
    id: record.tokenId,
    description: `self-contained JWT access token of ${record.clientId} for ${record.audience ?? "no audience"} stays valid until ${record.expiresAt}, because RFC 7009 revocation cannot recall it`,
  };
}

/** Blast-radius entries for the people whose tokens the action revokes, one per subject. */
export function subjectEntries(records: readonly TokenRecord[]): BlastRadiusEntry[] {
  const countBySubject = new Map<string, number>();
  for (const record of records) {
    if (record.subject !== null) countBySubject.set(record.subject, (countBySubject.get(record.subject) ?? 0) + 1);
  }
  return [...countBySubject].map(([subject, count]) => ({
    type: "oauth2_subject",
    id: subject,
    description: `${count} token(s) held for ${subject} stop working; the person must sign in again`,
  }));
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Orders token records by token id, the order in which plans list them. */
export function compareTokenIds(a: TokenRecord, b: TokenRecord): number {
  return compareStrings(a.tokenId, b.tokenId);
}

/** Sorts blast-radius entries by type and id, so equal states give equal plan hashes. */
export function sortEntries(entries: BlastRadiusEntry[]): BlastRadiusEntry[] {
  return entries.sort((a, b) => compareStrings(a.type, b.type) || compareStrings(a.id, b.id));
}

export function guardTokenCount(count: number, kind: string): void {
  if (count > MAX_TOKENS_PER_ACTION) {
    throw new ConnectorError(
      `${kind} would change ${count} tokens, more than the ${MAX_TOKENS_PER_ACTION} one action may change; narrow it with tokenIds or use disable_account`,
      false,
    );
  }
}

/**
 * Revokes tokens through RFC 7009, refresh tokens first, because RFC 7009 §2.1 lets a server
 * revoke the access tokens of a grant together with its refresh token. Tokens whose value the
 * admin API no longer returns have expired or were revoked meanwhile, and are reported as vanished.
 */
export async function revokeTokens(
  deps: OAuth2Deps,
  admin: AdminApi,
  records: readonly TokenRecord[],
  signal: AbortSignal,
): Promise<{ revoked: TokenRecord[]; vanished: TokenRecord[]; references: DomainReference[] }> {
  const rank = (record: TokenRecord) => (record.tokenType === "refresh_token" ? 0 : 1);
  const ordered = [...records].sort((a, b) => rank(a) - rank(b));
  const revealed = await admin.revealTokens(
    ordered.map((record) => record.tokenId),
    signal,
  );
  const references = [...revealed.references];
  const revoked: TokenRecord[] = [];
  const vanished: TokenRecord[] = [];

  for (const record of ordered) {
    const value = revealed.value.get(record.tokenId);
    if (value === undefined) {
      vanished.push(record);
      continue;
    }
    references.push(...(await deps.tokens.revoke(value, record.tokenType, signal)));
    references.push({ type: "oauth2_token_id", value: record.tokenId });
    revoked.push(record);
  }
  return { revoked, vanished, references };
}

/** Introspects tokens through RFC 7662. Tokens whose value the admin API no longer returns are reported as unavailable. */
export async function introspectTokens(
  deps: OAuth2Deps,
  admin: AdminApi,
  records: readonly TokenRecord[],
  signal: AbortSignal,
): Promise<{ active: TokenRecord[]; inactive: TokenRecord[]; unavailable: TokenRecord[]; references: DomainReference[] }> {
  const revealed = await admin.revealTokens(
    records.map((record) => record.tokenId),
    signal,
  );
  const references = [...revealed.references];
  const active: TokenRecord[] = [];
  const inactive: TokenRecord[] = [];
  const unavailable: TokenRecord[] = [];

  for (const record of records) {
    const value = revealed.value.get(record.tokenId);
    if (value === undefined) {
      unavailable.push(record);
      continue;
    }
    const result = await deps.tokens.introspect(value, record.tokenType, signal);
    references.push(...result.references);
    (result.active ? active : inactive).push(record);
  }
  return { active, inactive, unavailable, references };
}

export function listIds(records: readonly TokenRecord[]): string {
  return records.map((record) => record.tokenId).join(", ");
}
