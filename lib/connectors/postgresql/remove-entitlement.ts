import { z } from "zod";
import { ZRemoveEntitlementParameters } from "@/lib/actions/catalogue";
import type { ApplyResult, ConnectorAction, ConnectorPlan, GrantForApply, Plan, VerifyResult } from "@/lib/connectors/types";
import { parseEntitlement, type Entitlement } from "./entitlement";
import { permanent } from "./errors";
import { quoteName, readActionableRole, readRoleByName, type RoleRow } from "./role";
import {
  applyRemoveRoleMembership,
  planRemoveRoleMembership,
  revertRemoveRoleMembership,
  verifyRemoveRoleMembership,
} from "./remove-role-membership";
import {
  applyRevokeTablePrivileges,
  planRevokeTablePrivileges,
  revertRevokeTablePrivileges,
  verifyRevokeTablePrivileges,
} from "./revoke-table-privileges";
import type { PostgresSession } from "./session";
import { parseParameters } from "./steps";

/**
 * Reads the target and the entitlement. Text that parses as a table grant but is also the
 * exact name of a role is rejected, so a role literally named `SELECT ON TABLE public.x`
 * can never be confused with that grant.
 */
async function resolve(session: PostgresSession, action: ConnectorAction): Promise<{ target: RoleRow; entitlement: Entitlement }> {
  const { entitlement: text } = parseParameters(ZRemoveEntitlementParameters, action);
  const target = await readActionableRole(session.client, action.target.identity);
  const entitlement = parseEntitlement(text);
  if (entitlement.kind === "table_privileges" && (await readRoleByName(session.client, text))) {
    throw permanent(`entitlement ${quoteName(text)} is both a role name and a table grant; rename the role or revoke by hand`);
  }
  return { target, entitlement };
}

export async function planRemoveEntitlement(session: PostgresSession, action: ConnectorAction): Promise<ConnectorPlan> {
  const { target, entitlement } = await resolve(session, action);
  return entitlement.kind === "role_membership"
    ? planRemoveRoleMembership(session, action, entitlement.roleName, entitlement.grantSyntaxError)
    : planRevokeTablePrivileges(session, target, entitlement);
}

export async function applyRemoveEntitlement(session: PostgresSession, action: ConnectorAction, grant: GrantForApply): Promise<ApplyResult> {
  const { target, entitlement } = await resolve(session, action);
  return entitlement.kind === "role_membership"
    ? applyRemoveRoleMembership(session, action, grant, target, entitlement.roleName)
    : applyRevokeTablePrivileges(session, grant, target, entitlement);
}

export async function verifyRemoveEntitlement(session: PostgresSession, action: ConnectorAction): Promise<VerifyResult> {
  const { target, entitlement } = await resolve(session, action);
  return entitlement.kind === "role_membership"
    ? verifyRemoveRoleMembership(session, target, entitlement.roleName)
    : verifyRevokeTablePrivileges(session, target, entitlement);
}

const ZRevertKind = z.object({ tableOid: z.string() }).passthrough();

export async function revertRemoveEntitlement(session: PostgresSession, action: ConnectorAction, plan: Plan): Promise<ApplyResult> {
  const target = await readActionableRole(session.client, action.target.identity);
  // The revert state records what was removed, so a later change of the entitlement text cannot redirect the revert.
  return ZRevertKind.safeParse(plan.revertState).success
    ? revertRevokeTablePrivileges(session, target, plan)
    : revertRemoveRoleMembership(session, target, plan);
}
