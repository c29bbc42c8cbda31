import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { z } from "zod";
import { ZRotateCredentialParameters } from "@/lib/actions/catalogue";
import type { ApplyResult, ConnectorAction, ConnectorPlan, GrantForApply, ScopeDiff, VerifyResult } from "@/lib/connectors/types";
import { readSessionPids, readSessions, terminateSessions } from "./blast-radius";
import { attemptLogin } from "./login-probe";
import { parseRoleOid, quoteName, readActionableRole, type RoleRow } from "./role";
import { inTransaction, type PostgresSession, type SessionTarget } from "./session";
import { alterRoleChecked, assertPlanUnchanged, buildPlan, lockRole, parseParameters, terminatedReferences, txidReference } from "./steps";

/**
 * The catalogue's parameters plus `terminateSessions`, which the catalogue does not offer yet.
 * NOTE: until ZRotateCredentialParameters gains `terminateSessions`, the API rejects it, so
 * rotations leave existing sessions connected.
 */
const ZRotateParameters = ZRotateCredentialParameters.extend({ terminateSessions: z.boolean().default(false) }).strict();

/** Bytes of randomness in a new password: 256 bits, 43 characters of base64url. */
const PASSWORD_BYTES = 32;
/** PostgreSQL's default `scram_iterations`. */
const SCRAM_ITERATIONS = 4096;
/** How long the new password stays in memory for `verify` to log in with it. */
const VERIFY_WINDOW_MS = 15 * 60 * 1000;
const MAX_REMEMBERED_ROTATIONS = 1000;

interface Rotation {
  /** Cleared after the first verification or when the window passes. */
  password: string | null;
  rotatedAt: number;
  terminateSessions: boolean;
  /** Sessions open at rotation time; with termination requested none of them may survive. */
  sessionPids: number[];
}

/**
 * Rotations done by one connector instance, by action id. They make a repeated apply of the
 * same action report already_in_effect instead of rotating again.
 * NOTE: the record lives in memory only, so after a restart, or on another worker, a repeated
 * apply rotates again and delivers a new password, and verify cannot log in with the new one.
 */
export class RotationLedger {
  private readonly rotations = new Map<string, Rotation>();

  get(actionId: string, now = Date.now()): Rotation | undefined {
    const rotation = this.rotations.get(actionId);
    if (rotation && now - rotation.rotatedAt > VERIFY_WINDOW_MS) rotation.password = null;
    return rotation;
  }

  record(actionId: string, rotation: Rotation): void {
    this.rotations.set(actionId, rotation);
    for (const oldest of this.rotations.keys()) {
      if (this.rotations.size <= MAX_REMEMBERED_ROTATIONS) break;
      this.rotations.delete(oldest);
    }
  }
}

/**
 * Computes the SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802, RFC 7677),
 * so the plain password is never sent to the server, where statement logs or
 * pg_stat_activity could show it.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

async function readRotateState(session: PostgresSession, action: ConnectorAction): Promise<{ role: RoleRow; terminate: boolean; diff: ScopeDiff }> {
  const parameters = parseParameters(ZRotateParameters, action);
  const role = await readActionableRole(session.client, action.target.identity);
  // `approver` is the only delivery the catalogue accepts.
  const delivery = "shown once, in the console, to a person who approved the action";

  const objects: ScopeDiff["objects"] = [
    {
      type: "role",
      id: role.oid,
      displayName: role.name,
      before: { password: "current password (never shown)", rolvaliduntil: role.validUntil },
      after: { password: `new random ${PASSWORD_BYTES * 8}-bit password, ${delivery}`, rolvaliduntil: role.validUntil },
    },
  ];
  if (parameters.terminateSessions) {
    const openSessions = (await readSessionPids(session.client, role.oid)).length;
    objects.push({ type: "sessions", id: role.oid, displayName: role.name, before: { openSessions }, after: { openSessions: 0 } });
  }
  return { role, terminate: parameters.terminateSessions, diff: { objects, blastRadius: await readSessions(session.client, role.oid) } };
}

export async function planRotateCredential(session: PostgresSession, action: ConnectorAction): Promise<ConnectorPlan> {
  const state = await readRotateState(session, action);
  // A rotation always sets a new password, so there is no state in which it changes nothing.
  return buildPlan(state.diff, null, session.references, { changes: true });
}

/** Sets a new random password and returns it once in `secret`; it is not logged, stored or put in a reference. */
export async function applyRotateCredential(session: PostgresSession, action: ConnectorAction, grant: GrantForApply, ledger: RotationLedger): Promise<ApplyResult> {
  const { client } = session;
  const done = ledger.get(action.id);
  if (done) {
    return { outcome: "already_in_effect", detail: "this action already rotated the password; the new password was delivered then and is not shown again", references: session.references };
  }

  const password = randomBytes(PASSWORD_BYTES).toString("base64url");
  const { result: state, txid } = await inTransaction(session, async () => {
    await lockRole(client, parseRoleOid(action.target.identity));
    const current = await readRotateState(session, action);
    assertPlanUnchanged(current.diff, grant, session.references);
    await alterRoleChecked(client, current.role, `PASSWORD ${client.escapeLiteral(scramVerifier(password))}`, () => true);
    return { ...current, sessionPids: await readSessionPids(client, current.role.oid) };
  });

  const terminated = state.terminate ? await terminateSessions(client, state.role.oid) : [];
  // Recorded only once every step succeeded: a failed apply never delivered its password, so a retry must rotate again.
  ledger.record(action.id, { password, rotatedAt: Date.now(), terminateSessions: state.terminate, sessionPids: state.sessionPids });

  const sessionsNote = state.terminate ? `; terminated ${terminated.length} session(s)` : "; existing sessions stay connected";
  return {
    outcome: "applied",
    detail: `set a new password on role ${quoteName(state.role.name)}${sessionsNote}`,
    references: [...session.references, txidReference(txid), ...terminatedReferences(terminated)],
    secret: { label: `new password of PostgreSQL role ${state.role.name}`, value: password },
  };
}

/**
 * Logs in with the new password, checks that the password has not expired, and, when
 * termination was requested, that no session open at rotation time survived. Only the
 * connector instance that rotated the password keeps it in memory, for a limited window.
 */
export async function verifyRotateCredential(session: PostgresSession, target: SessionTarget, action: ConnectorAction, ledger: RotationLedger): Promise<VerifyResult> {
  const role = await readActionableRole(session.client, action.target.identity);
  const rotation = ledger.get(action.id);
  const label = `role ${quoteName(role.name)}`;
  if (!rotation?.password) {
    return {
      verified: false,
      detail: `${label}: the new password is no longer held by this connector instance, so a login with it cannot be attempted`,
      references: session.references,
    };
  }

  const failures: string[] = [];
  const notes: string[] = [];
  if (role.validUntil !== null && role.validUntil !== "infinity" && Date.parse(role.validUntil) <= Date.now()) {
    failures.push(`the password expired at ${role.validUntil} (rolvaliduntil)`);
  }
  if (rotation.terminateSessions) {
    const open = new Set(await readSessionPids(session.client, role.oid));
    const survivors = rotation.sessionPids.filter((pid) => open.has(pid));
    if (survivors.length > 0) failures.push(`${survivors.length} session(s) open at rotation time are still connected`);
  }

  const probe = await attemptLogin(target, role.name, rotation.password);
  rotation.password = null;
  if (probe === "password_rejected") failures.push("a login with the new password was rejected");
  else if (probe === "not_permitted") notes.push("the server accepted the new password but the role has NOLOGIN");
  else notes.push("a login with the new password succeeded");

  return failures.length === 0
    ? { verified: true, detail: [`${label}: password rotated`, ...notes].join("; "), references: session.references }
    : { verified: false, detail: [`${label}: ${failures.join("; ")}`, ...notes].join("; "), references: session.references };
}
