import { ZRevokeTokenParameters } from "@/lib/actions/catalogue";
import { planEffect } from "@/lib/connectors/plan-effect";
import { planHash } from "@/lib/connectors/plan-hash";
import { type BlastRadiusEntry, type ConnectorAction, ConnectorError, type ConnectorPlan, type DomainReference, type PlanEffect, type ScopeDiff } from "@/lib/connectors/types";
import type { AdminApi, TokenRecord } from "./admin-api";
import {
  type OAuth2ActionHandler,
  type OAuth2Deps,
  compareTokenIds,
  guardTokenCount,
  introspectTokens,
  jwtResidualEntry,
  listIds,
  parseParameters,
  requireAdmin,
  revokeTokens,
  sortEntries,
  subjectEntries,
  tokenDiffObject,
  tokenIdReferences,
} from "./token-operations";

interface Selection {
  /** Opaque tokens the action revokes, in any state, sorted by token id. */
  targets: TokenRecord[];
  /** Whether the action names its tokens (`target.resource` or `tokenIds`) instead of taking all of them. */
  named: boolean;
  /** Active JWT access tokens of the identity, which RFC 7009 cannot revoke. Empty when tokens are named. */
  jwts: TokenRecord[];
  blastRadius: BlastRadiusEntry[];
}

/**
 * Lists every token of the identity, whether it is the client the token was issued to or the
 * person it was issued for, including revoked ones, sorted by token id.
 */
async function listIdentityTokens(admin: AdminApi, identity: string, signal: AbortSignal) {
  const asClient = await admin.listTokens({ clientId: identity }, true, signal);
  const asSubject = await admin.listTokens({ subject: identity }, true, signal);

  const byId = new Map<string, TokenRecord>();
  for (const record of [...asClient.value, ...asSubject.value]) byId.set(record.tokenId, record);
  const records = [...byId.values()].sort(compareTokenIds);
  return { records, references: [...asClient.references, ...asSubject.references] };
}

function matchesHint(record: TokenRecord, hint: "access_token" | "refresh_token" | "all"): boolean {
  return hint === "all" || record.tokenType === hint;
}

/**
 * Selects the tokens the action revokes. Named tokens are selected regardless of `tokenHint` and
 * must belong to the identity. Without names, every active opaque token of the identity that matches
 * `tokenHint` is selected, and active JWT access tokens become blast-radius entries.
 */
function selectTokens(action: ConnectorAction, records: TokenRecord[]): Selection {
  const parameters = parseParameters(ZRevokeTokenParameters, action);
  const { identity, resource } = action.target;
  const namedIds = [...new Set([...(resource ? [resource] : []), ...(parameters.tokenIds ?? [])])];

  if (namedIds.length > 0) {
    const targets = namedIds.map((tokenId) => {
      const record = records.find((candidate) => candidate.tokenId === tokenId);
      if (!record) throw new ConnectorError(`token ${tokenId} not found among the tokens of ${identity}; check target.resource and tokenIds`, false);
      if (record.format === "jwt") {
        throw new ConnectorError(`token ${tokenId} is a self-contained JWT, which RFC 7009 cannot revoke; disable its client instead`, false);
      }
      return record;
    });
    targets.sort(compareTokenIds);
    return { targets, named: true, jwts: [], blastRadius: blastRadiusFor(targets, records, []) };
  }

  const active = records.filter((record) => record.state === "active" && matchesHint(record, parameters.tokenHint));
  const targets = active.filter((record) => record.format === "opaque");
  const jwts = active.filter((record) => record.format === "jwt");
  return { targets, named: false, jwts, blastRadius: blastRadiusFor(targets, records, jwts) };
}

function blastRadiusFor(targets: TokenRecord[], records: TokenRecord[], jwts: TokenRecord[]): BlastRadiusEntry[] {
  const targetIds = new Set(targets.map((record) => record.tokenId));
  const grantIds = new Set(targets.map((record) => record.grantId).filter((grantId) => grantId !== null));
  const siblings = records.filter(
    (record) => record.state === "active" && record.grantId !== null && grantIds.has(record.grantId) && !targetIds.has(record.tokenId),
  );

  const byClient = new Map<string, TokenRecord[]>();
  for (const record of targets) byClient.set(record.clientId, [...(byClient.get(record.clientId) ?? []), record]);

  return sortEntries([
    ...[...byClient].map(([clientId, tokens]) => ({
      type: "oauth2_client",
      id: clientId,
      description: tokens.every((record) => record.subject !== null)
        ? `${tokens.length} token(s) issued to client ${clientId} for signed-in people stop working`
        : `${tokens.length} token(s) issued to client ${clientId} stop working; the client can still obtain new tokens unless it is disabled`,
    })),
    ...subjectEntries(targets),
    ...siblings.map((record) => ({
      type: "oauth2_token",
      id: record.tokenId,
      description: `${record.tokenType} of ${record.clientId} shares grant ${record.grantId} with a revoked token, and RFC 7009 §2.1 lets the server revoke it too`,
    })),
    ...jwts.map(jwtResidualEntry),
  ]);
}

const HINT_NAMES = { access_token: "access token", refresh_token: "refresh token", all: "token" } as const;

/** Marks the plan as a change when at least one selected token is still active. */
function revokeEffect(action: ConnectorAction, selection: Selection): PlanEffect {
  const { identity } = action.target;
  const changes = selection.targets.some((record) => record.state === "active");
  return planEffect(changes, () => {
    if (selection.named) return `the named token(s) ${listIds(selection.targets)} of ${identity} are already revoked`;
    const { tokenHint } = parseParameters(ZRevokeTokenParameters, action);
    const jwts = selection.jwts.length === 0 ? "" : ` (its ${selection.jwts.length} active self-contained JWT access token(s) stay valid until they expire, because RFC 7009 cannot revoke them)`;
    return `${identity} has no active opaque ${HINT_NAMES[tokenHint]} to revoke${jwts}`;
  });
}

async function plan(deps: OAuth2Deps, action: ConnectorAction, signal: AbortSignal): Promise<ConnectorPlan> {
  const admin = requireAdmin(deps, "revoke_token");
  const { records, references } = await listIdentityTokens(admin, action.target.identity, signal);
  const selection = selectTokens(action, records);
  guardTokenCount(selection.targets.length, "revoke_token");

  const diff: ScopeDiff = {
    objects: selection.targets.map((record) => tokenDiffObject(record, "revoked")),
    blastRadius: selection.blastRadius,
  };
  const planReferences = [...tokenIdReferences(selection.targets), ...references];
  return { diff, hash: planHash(diff), revertState: null, references: planReferences, ...revokeEffect(action, selection) };
}

async function apply(deps: OAuth2Deps, action: ConnectorAction, grant: { id: string }, signal: AbortSignal) {
  const admin = requireAdmin(deps, "revoke_token");
  const { identity } = action.target;
  const { records, references } = await listIdentityTokens(admin, identity, signal);
  const selection = selectTokens(action, records);
  guardTokenCount(selection.targets.length, "revoke_token");
  const pending = selection.targets.filter((record) => record.state === "active");

  if (pending.length === 0) {
    return {
      outcome: "already_in_effect" as const,
      detail: selection.named ? `the named token(s) of ${identity} are already revoked` : `${identity} has no active token to revoke`,
      references,
    };
  }

  const result = await revokeTokens(deps, admin, pending, signal);
  deps.logger.info(
    { actionId: action.id, grantId: grant.id, revoked: result.revoked.length, vanished: result.vanished.length },
    "revoke_token applied",
  );
  const vanished = result.vanished.length > 0 ? `; ${result.vanished.length} expired or were revoked meanwhile` : "";
  return {
    outcome: result.revoked.length > 0 ? ("applied" as const) : ("already_in_effect" as const),
    detail: `revoked ${result.revoked.length} token(s) of ${identity} through RFC 7009${vanished}`,
    references: [...result.references, ...references],
  };
}

/**
 * Confirms by RFC 7662 introspection that every target token is inactive. Without named tokens
 * the targets are all opaque tokens of the identity that match `tokenHint`, revoked or not, so a
 * token issued after the revocation fails verification.
 */
async function verify(deps: OAuth2Deps, action: ConnectorAction, signal: AbortSignal) {
  const admin = requireAdmin(deps, "revoke_token");
  const { identity } = action.target;
  const { records, references: listReferences } = await listIdentityTokens(admin, identity, signal);
  const parameters = parseParameters(ZRevokeTokenParameters, action);
  const selection = selectTokens(action, records);
  const targets = selection.named
    ? selection.targets
    : records.filter((record) => record.format === "opaque" && matchesHint(record, parameters.tokenHint));

  const introspection = await introspectTokens(deps, admin, targets, signal);
  const references: DomainReference[] = [...introspection.references, ...listReferences];
  const listedActive = targets.filter((record) => record.state === "active");
  const stillActive = [...new Set([...introspection.active, ...listedActive])];

  if (stillActive.length > 0) {
    return { verified: false, detail: `token(s) of ${identity} still active: ${listIds(stillActive)}`, references };
  }
  const unavailable = introspection.unavailable.length > 0
    ? `; ${introspection.unavailable.length} token(s) are no longer held by the server and could not be introspected`
    : "";
  return {
    verified: true,
    detail: `${introspection.inactive.length} token(s) of ${identity} introspect as inactive (RFC 7662)${unavailable}`,
    references,
  };
}

export const revokeToken: OAuth2ActionHandler = {
  plan,
  apply,
  verify,
  revert: async () => {
    throw new ConnectorError("revoke_token cannot be reverted: a revoked token cannot be restored, the client must obtain a new one", false);
  },
};
