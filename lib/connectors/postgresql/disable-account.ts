import { z } from "zod";
import { ZDisableAccountParameters } from "@/lib/actions/catalogue";
import { planEffect } from "@/lib/connectors/plan-effect";
import type { ApplyResult, ConnectorAction, ConnectorPlan, GrantForApply, Plan, ScopeDiff, VerifyResult } from "@/lib/connectors/types";
import { readMembers, readMemberships, readObjectDependencies, readSessionPids, readSessions, terminateSessions } from "./blast-radius";
import { attemptLogin } from "./login-probe";
import { parseRoleOid, quoteName, readActionableRole, type RoleRow } from "./role";
import type { PostgresSession, SessionTarget } from "./session";
import { inTransaction } from "./session";
import {
  alterRoleChecked,
  assertPlanUnchanged,
  buildPlan,
  lockRole,
  parseParameters,
  parseRevertState,
  terminatedReferences,
  txidReference,
} from "./steps";

const ZDisableRevertState = z.object({ rolcanlogin: z.boolean() }).strict();

interface DisableState {
  role: RoleRow;
  terminateSessions: boolean;
  openSessions: number;
  diff: ScopeDiff;
}

async function readDisableState(session: PostgresSession, action: ConnectorAction): Promise<DisableState> {
  const { terminateSessions } = parseParameters(ZDisableAccountParameters, action);
  const { client } = session;
  const role = await readActionableRole(client, action.target.identity);

  const sessions = await readSessions(client, role.oid);
  const openSessions = (await readSessionPids(client, role.oid)).length;
  const objects: ScopeDiff["objects"] = [
    { type: "role", id: role.oid, displayName: role.name, before: { rolcanlogin: role.canLogin }, after: { rolcanlogin: false } },
  ];
  if (terminateSessions) {
    objects.push({ type: "sessions", id: role.oid, displayName: role.name, before: { openSessions }, after: { openSessions: 0 } });
  }
  const blastRadius = [
    ...(await readMemberships(client, role.oid)),
    ...(await readMembers(client, role.oid)),
    ...(await readObjectDependencies(client, role.oid)),
    ...sessions,
  ];
  return { role, terminateSessions, openSessions, diff: { objects, blastRadius } };
}

/** Apply terminates the sessions of a role that already has NOLOGIN, so open sessions are a change too. */
function disableEffect(state: DisableState) {
  const { role, terminateSessions, openSessions } = state;
  return planEffect(role.canLogin || (terminateSessions && openSessions > 0), () => {
    const label = `role ${quoteName(role.name)} (OID ${role.oid})`;
    if (terminateSessions) return `${label} already has NOLOGIN and no open session`;
    const sessionsNote = openSessions > 0 ? ` (its ${openSessions} open session(s) stay connected, as terminateSessions is false)` : "";
    return `${label} already has NOLOGIN${sessionsNote}`;
  });
}

export async function planDisableAccount(session: PostgresSession, action: ConnectorAction): Promise<ConnectorPlan> {
  const state = await readDisableState(session, action);
  return buildPlan(state.diff, { rolcanlogin: state.role.canLogin }, session.references, disableEffect(state));
}

/**
 * Sets NOLOGIN, commits, and only then terminates the role's sessions, so a terminated client
 * cannot log in again in between. A role that is already NOLOGIN reports already_in_effect,
 * and its stray sessions are still terminated.
 */
export async function applyDisableAccount(session: PostgresSession, action: ConnectorAction, grant: GrantForApply): Promise<ApplyResult> {
  const { client } = session;
  const { result: state, txid } = await inTransaction(session, async () => {
    await lockRole(client, parseRoleOid(action.target.identity));
    const current = await readDisableState(session, action);
    if (!current.role.canLogin) return { ...current, changed: false };

    assertPlanUnchanged(current.diff, grant, session.references);
    await alterRoleChecked(client, current.role, "NOLOGIN", (after) => !after.canLogin);
    return { ...current, changed: true };
  });

  const terminated = state.terminateSessions ? await terminateSessions(client, state.role.oid) : [];
  const references = [...session.references, txidReference(txid), ...terminatedReferences(terminated)];
  const sessionsNote = state.terminateSessions ? `; terminated ${terminated.length} session(s)` : "; sessions left open as requested";
  return state.changed
    ? { outcome: "applied", detail: `set NOLOGIN on role ${quoteName(state.role.name)}${sessionsNote}`, references }
    : { outcome: "already_in_effect", detail: `role ${quoteName(state.role.name)} already had NOLOGIN${sessionsNote}`, references };
}

/**
 * Confirms NOLOGIN from the catalogue, that no session of the role is left when termination
 * was requested, and, when a probe password for the role is configured, that a real login
 * with it is refused for lack of LOGIN.
 */
export async function verifyDisableAccount(
  session: PostgresSession,
  target: SessionTarget,
  action: ConnectorAction,
): Promise<VerifyResult> {
  const { terminateSessions } = parseParameters(ZDisableAccountParameters, action);
  const role = await readActionableRole(session.client, action.target.identity);
  const remaining = terminateSessions ? (await readSessionPids(session.client, role.oid)).length : 0;

  const failures: string[] = [];
  const notes: string[] = [];
  if (role.canLogin) failures.push("rolcanlogin is still true");
  if (remaining > 0) failures.push(`${remaining} session(s) of the role are still open`);

  const probePassword = target.options.loginProbePassword?.({ oid: role.oid, name: role.name });
  if (probePassword === undefined) {
    notes.push("login probe not run: no probe password is configured for this role");
  } else {
    const probe = await attemptLogin(target, role.name, probePassword);
    if (probe === "accepted") failures.push("a login with the probe password succeeded");
    else if (probe === "password_rejected") failures.push("the probe password was rejected, so the login probe could not test LOGIN");
    else notes.push("a login with the probe password was refused because the role may not log in");
  }

  const label = `role ${quoteName(role.name)}`;
  return failures.length === 0
    ? { verified: true, detail: [`${label} has NOLOGIN`, ...notes].join("; "), references: session.references }
    : { verified: false, detail: [`${label}: ${failures.join("; ")}`, ...notes].join("; "), references: session.references };
}

/** Restores the LOGIN attribute recorded in the plan. */
export async function revertDisableAccount(session: PostgresSession, action: ConnectorAction, plan: Plan): Promise<ApplyResult> {
  const { rolcanlogin } = parseRevertState(ZDisableRevertState, plan);
  const { client } = session;
  const { result, txid } = await inTransaction(session, async () => {
    await lockRole(client, parseRoleOid(action.target.identity));
    const role = await readActionableRole(client, action.target.identity);
    if (role.canLogin === rolcanlogin) return { role, changed: false };

    await alterRoleChecked(client, role, rolcanlogin ? "LOGIN" : "NOLOGIN", (after) => after.canLogin === rolcanlogin);
    return { role, changed: true };
  });

  const attribute = rolcanlogin ? "LOGIN" : "NOLOGIN";
  const references = [...session.references, txidReference(txid)];
  return result.changed
    ? { outcome: "applied", detail: `restored ${attribute} on role ${quoteName(result.role.name)}`, references }
    : { outcome: "already_in_effect", detail: `role ${quoteName(result.role.name)} already had ${attribute}`, references };
}
