import { z } from "zod";
import { planEffect } from "@/lib/connectors/plan-effect";
import type { ApplyResult, ConnectorAction, ConnectorPlan, GrantForApply, Plan, ScopeDiff, VerifyResult } from "@/lib/connectors/types";
import type { Json } from "@/lib/util/canonical-json";
import { readMembers, readObjectDependencies, readSessions } from "./blast-radius";
import { permanent } from "./errors";
import { quoteName, readActionableRole, readRoleByName, readRoleByOid, type RoleRow } from "./role";
import { inTransaction, type PostgresSession } from "./session";
import { assertPlanUnchanged, buildPlan, identifier, lockRole, parseRevertState, txidReference } from "./steps";

/** One row of pg_auth_members: PostgreSQL 16 and later keep one grant per grantor. */
interface MembershipGrant {
  grantorOid: string;
  grantor: string | null;
  adminOption: boolean;
  inheritOption: boolean;
  setOption: boolean;
  /** Whether the connector may revoke it: grants made by itself or by a role whose privileges it has. */
  revocable: boolean;
}

const ZMembershipRevertState = z
  .object({
    entitlementOid: z.string().regex(/^[0-9]+$/),
    grants: z.array(
      z.object({ grantorOid: z.string().regex(/^[0-9]+$/), adminOption: z.boolean(), inheritOption: z.boolean(), setOption: z.boolean() }).strict(),
    ),
  })
  .strict();

async function readMembershipGrants(session: PostgresSession, entitlementOid: string, memberOid: string): Promise<MembershipGrant[]> {
  const { rows } = await session.client.query<MembershipGrant>(
    `SELECT m.grantor::text AS "grantorOid", g.rolname AS grantor, m.admin_option AS "adminOption",
            m.inherit_option AS "inheritOption", m.set_option AS "setOption",
            pg_has_role(session_user, m.grantor, 'USAGE') AS revocable
       FROM pg_auth_members m
       LEFT JOIN pg_roles g ON g.oid = m.grantor
      WHERE m.roleid = $1::oid AND m.member = $2::oid
      ORDER BY m.grantor`,
    [entitlementOid, memberOid],
  );
  return rows;
}

/** Other roles of the target through which it would still hold the entitlement's privileges. */
async function readIndirectPaths(session: PostgresSession, entitlementOid: string, memberOid: string): Promise<string[]> {
  const { rows } = await session.client.query<{ name: string }>(
    `SELECT r.rolname AS name
       FROM pg_auth_members m
       JOIN pg_roles r ON r.oid = m.roleid
      WHERE m.member = $2::oid AND m.roleid <> $1::oid AND pg_has_role(m.roleid, $1::oid, 'MEMBER')
      GROUP BY r.rolname
      ORDER BY r.rolname COLLATE "C"`,
    [entitlementOid, memberOid],
  );
  return rows.map((row) => row.name);
}

async function readEntitlementRole(session: PostgresSession, name: string, grantSyntaxError?: string): Promise<RoleRow> {
  const role = await readRoleByName(session.client, name);
  if (role) return role;
  const hint = grantSyntaxError ? `; read as a table grant it is invalid: ${grantSyntaxError}` : "";
  throw permanent(`no role named ${quoteName(name)} exists to revoke membership of${hint}`);
}

function grantJson(grant: MembershipGrant): Record<string, Json> {
  return {
    grantor: grant.grantor ?? `OID ${grant.grantorOid}`,
    adminOption: grant.adminOption,
    inheritOption: grant.inheritOption,
    setOption: grant.setOption,
  };
}

interface MembershipState {
  target: RoleRow;
  entitlement: RoleRow;
  grants: MembershipGrant[];
  /** Other roles of the target through which it is still a member of the entitlement. */
  through: string[];
  diff: ScopeDiff;
}

async function readMembershipState(session: PostgresSession, action: ConnectorAction, roleName: string, grantSyntaxError?: string): Promise<MembershipState> {
  const target = await readActionableRole(session.client, action.target.identity);
  const entitlement = await readEntitlementRole(session, roleName, grantSyntaxError);
  const grants = await readMembershipGrants(session, entitlement.oid, target.oid);
  const through = await readIndirectPaths(session, entitlement.oid, target.oid);

  const blocked = grants.filter((grant) => !grant.revocable);
  if (blocked.length > 0) {
    const grantors = blocked.map((grant) => (grant.grantor === null ? `OID ${grant.grantorOid}` : quoteName(grant.grantor))).join(", ");
    throw permanent(
      `membership of role ${quoteName(target.name)} in ${quoteName(entitlement.name)} was granted by ${grantors}; ` +
        "PostgreSQL lets the connector role revoke only grants made by itself or by a role whose privileges it has, " +
        "so grant the membership again with GRANTED BY the connector role, or revoke it by hand",
    );
  }

  const object = {
    type: "role_membership",
    id: `${entitlement.oid}:${target.oid}`,
    displayName: `${target.name} in ${entitlement.name}`,
    before: { directMember: grants.length > 0, grants: grants.map(grantJson), memberThrough: through },
    after: { directMember: false, grants: [], memberThrough: through },
  };
  const subject = `role ${quoteName(entitlement.name)}`;
  const blastRadius = [
    ...(await readMembers(session.client, target.oid, `role ${quoteName(target.name)}`)),
    ...(await readObjectDependencies(session.client, entitlement.oid, subject)),
    ...(await readSessions(session.client, target.oid)),
  ];
  return { target, entitlement, grants, through, diff: { objects: [object], blastRadius } };
}

/** Only direct grants are revoked, so membership through other roles alone changes nothing. */
function membershipEffect(state: MembershipState) {
  return planEffect(state.grants.length > 0, () => {
    const label = `role ${quoteName(state.target.name)} (OID ${state.target.oid}) is not a direct member of ${quoteName(state.entitlement.name)}`;
    if (state.through.length === 0) return label;
    return `${label} (it is still a member through ${state.through.map(quoteName).join(", ")}, which this action does not change)`;
  });
}

export async function planRemoveRoleMembership(session: PostgresSession, action: ConnectorAction, roleName: string, grantSyntaxError?: string): Promise<ConnectorPlan> {
  const state = await readMembershipState(session, action, roleName, grantSyntaxError);
  const revertState = {
    entitlementOid: state.entitlement.oid,
    grants: state.grants.map((grant) => ({
      grantorOid: grant.grantorOid,
      adminOption: grant.adminOption,
      inheritOption: grant.inheritOption,
      setOption: grant.setOption,
    })),
  };
  return buildPlan(state.diff, revertState, session.references, membershipEffect(state));
}

/** Revokes every direct grant of the membership, each as the grantor that made it (GRANTED BY). */
export async function applyRemoveRoleMembership(
  session: PostgresSession,
  action: ConnectorAction,
  grant: GrantForApply,
  target: RoleRow,
  roleName: string,
): Promise<ApplyResult> {
  const { client } = session;
  const { result, txid } = await inTransaction(session, async () => {
    await lockRole(client, target.oid);
    const state = await readMembershipState(session, action, roleName);
    if (state.grants.length === 0) return { state, changed: false };

    assertPlanUnchanged(state.diff, grant, session.references);
    for (const membership of state.grants) {
      const grantedBy = membership.grantor === null ? "" : ` GRANTED BY ${identifier(membership.grantor)}`;
      await client.query(`REVOKE ${identifier(state.entitlement.name)} FROM ${identifier(state.target.name)}${grantedBy}`);
    }
    const left = await readMembershipGrants(session, state.entitlement.oid, state.target.oid);
    if (left.length > 0) throw permanent(`REVOKE left ${left.length} membership grant(s) of role ${quoteName(state.target.name)} in place; nothing was changed`);
    return { state, changed: true };
  });

  const label = `role ${quoteName(result.state.target.name)} in ${quoteName(result.state.entitlement.name)}`;
  const references = [...session.references, txidReference(txid)];
  return result.changed
    ? { outcome: "applied", detail: `revoked ${result.state.grants.length} membership grant(s) of ${label}`, references }
    : { outcome: "already_in_effect", detail: `${label}: no direct membership to revoke`, references };
}

export async function verifyRemoveRoleMembership(session: PostgresSession, target: RoleRow, roleName: string): Promise<VerifyResult> {
  const entitlement = await readEntitlementRole(session, roleName);
  const grants = await readMembershipGrants(session, entitlement.oid, target.oid);
  const { rows } = await session.client.query<{ member: boolean }>("SELECT pg_has_role($1::oid, $2::oid, 'MEMBER') AS member", [target.oid, entitlement.oid]);
  const through = await readIndirectPaths(session, entitlement.oid, target.oid);

  const label = `role ${quoteName(target.name)} in ${quoteName(entitlement.name)}`;
  if (grants.length > 0) {
    return { verified: false, detail: `${label}: ${grants.length} direct membership grant(s) remain in pg_auth_members`, references: session.references };
  }
  const indirect = rows[0]?.member ? `; pg_has_role still reports membership through ${through.map(quoteName).join(", ")}` : "; pg_has_role reports no membership";
  return { verified: true, detail: `${label}: no direct membership grant remains${indirect}`, references: session.references };
}

/** Grants the membership again with the options, and where possible the grantor, recorded in the plan. */
export async function revertRemoveRoleMembership(session: PostgresSession, target: RoleRow, plan: Plan): Promise<ApplyResult> {
  const recorded = parseRevertState(ZMembershipRevertState, plan);
  const { client } = session;
  const { result, txid } = await inTransaction(session, async () => {
    await lockRole(client, target.oid);
    const entitlement = await readRoleByOid(client, recorded.entitlementOid);
    if (!entitlement) throw permanent(`the role with OID ${recorded.entitlementOid} no longer exists, so the membership cannot be restored`);

    const present = new Set((await readMembershipGrants(session, entitlement.oid, target.oid)).map((grant) => grant.grantorOid));
    let restored = 0;
    for (const membership of recorded.grants) {
      if (present.has(membership.grantorOid)) continue;
      const grantor = await readRoleByOid(client, membership.grantorOid);
      const grantedBy = grantor ? ` GRANTED BY ${identifier(grantor.name)}` : "";
      const options = `ADMIN ${membership.adminOption}, INHERIT ${membership.inheritOption}, SET ${membership.setOption}`;
      await client.query(`GRANT ${identifier(entitlement.name)} TO ${identifier(target.name)} WITH ${options}${grantedBy}`);
      restored += 1;
    }
    return { entitlement, restored };
  });

  const label = `role ${quoteName(target.name)} in ${quoteName(result.entitlement.name)}`;
  const references = [...session.references, txidReference(txid)];
  return result.restored > 0
    ? { outcome: "applied", detail: `restored ${result.restored} membership grant(s) of ${label}`, references }
    : { outcome: "already_in_effect", detail: `${label}: the recorded membership grants are already in place`, references };
}
