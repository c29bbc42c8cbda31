import { ZDisableAccountParameters } from "@/lib/actions/catalogue";
import { planEffect } from "@/lib/connectors/plan-effect";
import { planHash } from "@/lib/connectors/plan-hash";
import { type ConnectorAction, ConnectorError, type ConnectorPlan, type DomainReference, type Plan, type PlanEffect, type ScopeDiff } from "@/lib/connectors/types";
import type { AdminApi, ClientState, TokenRecord } from "./admin-api";
import {
  type OAuth2ActionHandler,
  type OAuth2Deps,
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

async function requireClient(admin: AdminApi, action: ConnectorAction, signal: AbortSignal) {
  const { identity, domain } = action.target;
  const client = await admin.getClient(identity, signal);
  if (client.value === null) {
    throw new ConnectorError(`OAuth client ${identity} not found in domain ${domain}; disable_account applies to clients only`, false, client.references);
  }
  return { client: client.value, references: client.references };
}

function clientDiffObject(client: ClientState) {
  return {
    type: "oauth2_client",
    id: client.clientId,
    displayName: client.clientName ?? client.clientId,
    before: { enabled: client.enabled, grantTypes: client.grantTypes },
    after: { enabled: false, grantTypes: client.grantTypes },
  };
}

function buildDiff(client: ClientState, active: TokenRecord[], terminateSessions: boolean): ScopeDiff {
  const opaque = active.filter((record) => record.format === "opaque");
  const jwts = active.filter((record) => record.format === "jwt");
  const unrevoked = terminateSessions
    ? []
    : opaque.map((record) => ({
        type: "oauth2_token",
        id: record.tokenId,
        description: `${record.tokenType} of ${client.clientId} is not revoked because terminateSessions is false`,
      }));

  return {
    objects: [clientDiffObject(client), ...(terminateSessions ? opaque.map((record) => tokenDiffObject(record, "revoked")) : [])],
    blastRadius: sortEntries([
      {
        type: "oauth2_client",
        id: client.clientId,
        description: `workloads and people using client ${client.clientId} can no longer obtain tokens (grant types: ${client.grantTypes.join(", ") || "none"})`,
      },
      ...(terminateSessions ? subjectEntries(opaque) : []),
      ...unrevoked,
      ...jwts.map(jwtResidualEntry),
    ]),
  };
}

/**
 * Marks the plan as a change while the client is enabled or, with terminateSessions, while it
 * has an active opaque token. Apply revokes such tokens even for a client already disabled.
 */
function disableEffect(client: ClientState, active: TokenRecord[], terminateSessions: boolean): PlanEffect {
  const opaque = active.filter((record) => record.format === "opaque").length;
  return planEffect(client.enabled || (terminateSessions && opaque > 0), () => {
    const jwts = active.length - opaque;
    const jwtNote = jwts === 0 ? "" : ` (its ${jwts} self-contained JWT access token(s) stay valid until they expire, because RFC 7009 cannot revoke them)`;
    let tokens = "";
    if (terminateSessions) tokens = " and has no active opaque token";
    else if (opaque > 0) tokens = ` and keeps its ${opaque} active opaque token(s), as terminateSessions is false`;
    return `OAuth client ${client.clientId} is already disabled${tokens}${jwtNote}`;
  });
}

async function plan(deps: OAuth2Deps, action: ConnectorAction, signal: AbortSignal): Promise<ConnectorPlan> {
  const admin = requireAdmin(deps, "disable_account");
  const { terminateSessions } = parseParameters(ZDisableAccountParameters, action);
  const { client, references } = await requireClient(admin, action, signal);
  const tokens = await admin.listTokens({ clientId: client.clientId }, false, signal);
  if (terminateSessions) guardTokenCount(tokens.value.length, "disable_account");

  const diff = buildDiff(client, tokens.value, terminateSessions);
  return {
    diff,
    hash: planHash(diff),
    revertState: { enabled: client.enabled },
    references: [...(terminateSessions ? tokenIdReferences(tokens.value) : []), ...references, ...tokens.references],
    ...disableEffect(client, tokens.value, terminateSessions),
  };
}

/**
 * Disables the client first and then revokes its tokens, so the client cannot obtain a new
 * token between the listing and the revocation.
 */
async function apply(deps: OAuth2Deps, action: ConnectorAction, grant: { id: string }, signal: AbortSignal) {
  const admin = requireAdmin(deps, "disable_account");
  const { terminateSessions } = parseParameters(ZDisableAccountParameters, action);
  const { client, references } = await requireClient(admin, action, signal);

  let disabled = false;
  if (client.enabled) {
    const change = await admin.setClientEnabled(client.clientId, false, signal);
    references.push(...change.references);
    disabled = change.value.changed;
  }

  let revokedCount = 0;
  if (terminateSessions) {
    const tokens = await admin.listTokens({ clientId: client.clientId }, false, signal);
    const opaque = tokens.value.filter((record) => record.format === "opaque");
    guardTokenCount(opaque.length, "disable_account");
    const result = await revokeTokens(deps, admin, opaque, signal);
    references.push(...tokens.references, ...result.references);
    revokedCount = result.revoked.length;
  }

  deps.logger.info({ actionId: action.id, grantId: grant.id, clientId: client.clientId, disabled, revokedCount }, "disable_account applied");
  if (!disabled && revokedCount === 0) {
    return { outcome: "already_in_effect" as const, detail: `client ${client.clientId} is already disabled and holds no active token`, references };
  }
  const parts = [disabled ? `disabled client ${client.clientId}` : `client ${client.clientId} was already disabled`];
  if (terminateSessions) parts.push(`revoked ${revokedCount} token(s) through RFC 7009`);
  return { outcome: "applied" as const, detail: parts.join("; "), references };
}

/**
 * Confirms that the client is disabled and that its opaque tokens introspect as inactive
 * (RFC 7662). The connector has no secret of the target client, so it cannot try a
 * client_credentials grant itself and relies on the admin API's client state instead.
 */
async function verify(deps: OAuth2Deps, action: ConnectorAction, signal: AbortSignal) {
  const admin = requireAdmin(deps, "disable_account");
  const { terminateSessions } = parseParameters(ZDisableAccountParameters, action);
  const { client, references: clientReferences } = await requireClient(admin, action, signal);
  const tokens = await admin.listTokens({ clientId: client.clientId }, true, signal);
  const opaque = tokens.value.filter((record) => record.format === "opaque");

  const introspection = await introspectTokens(deps, admin, opaque, signal);
  const references: DomainReference[] = [...clientReferences, ...tokens.references, ...introspection.references];
  const stored = terminateSessions ? opaque.filter((record) => record.state === "active") : [];

  const failures: string[] = [];
  if (client.enabled) failures.push(`client ${client.clientId} is still enabled`);
  if (stored.length > 0) failures.push(`token(s) not revoked: ${listIds(stored)}`);
  if (terminateSessions && introspection.active.length > 0) {
    failures.push(`token(s) introspect as active: ${listIds(introspection.active)}`);
  }

  if (failures.length > 0) return { verified: false, detail: failures.join("; "), references };
  const activeNote = terminateSessions || introspection.active.length === 0
    ? ""
    : `; ${introspection.active.length} token(s) still introspect as active because terminateSessions is false`;
  return {
    verified: true,
    detail: `client ${client.clientId} is disabled and ${introspection.inactive.length} of its token(s) introspect as inactive (RFC 7662)${activeNote}`,
    references,
  };
}

/** Re-enables the client when the plan recorded it as enabled; revoked tokens stay revoked. */
async function revert(deps: OAuth2Deps, action: ConnectorAction, approvedPlan: Plan, signal: AbortSignal) {
  const admin = requireAdmin(deps, "disable_account");
  const enabledBefore = approvedPlan.revertState?.enabled;
  if (typeof enabledBefore !== "boolean") {
    throw new ConnectorError("the plan records no client state to restore (revertState.enabled is missing)", false);
  }
  const { client, references } = await requireClient(admin, action, signal);

  if (!enabledBefore) {
    return { outcome: "already_in_effect" as const, detail: `client ${client.clientId} was disabled before the action; nothing to restore`, references };
  }
  const change = await admin.setClientEnabled(client.clientId, true, signal);
  deps.logger.info({ actionId: action.id, clientId: client.clientId, changed: change.value.changed }, "disable_account reverted");
  return {
    outcome: change.value.changed ? ("applied" as const) : ("already_in_effect" as const),
    detail: change.value.changed
      ? `re-enabled client ${client.clientId}; revoked tokens stay revoked and the client must obtain new ones`
      : `client ${client.clientId} is already enabled`,
    references: [...references, ...change.references],
  };
}

export const disableAccount: OAuth2ActionHandler = { plan, apply, verify, revert };
