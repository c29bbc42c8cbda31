import { z } from "zod";
import { planEffect } from "@/lib/connectors/plan-effect";
import type { ApplyResult, ConnectorPlan, GrantForApply, Plan, ScopeDiff, VerifyResult } from "@/lib/connectors/types";
import type { Json } from "@/lib/util/canonical-json";
import { readMembers, readSessions } from "./blast-radius";
import { TABLE_PRIVILEGES, type TablePrivilege } from "./entitlement";
import { permanent } from "./errors";
import { quoteName, type RoleRow } from "./role";
import { inTransaction, type PostgresSession } from "./session";
import { assertPlanUnchanged, buildPlan, identifier, lockRole, parseRevertState, txidReference } from "./steps";

export interface TableGrantRequest {
  /** Null for ALL: every privilege granted to the target directly. */
  privileges: TablePrivilege[] | null;
  schema: string;
  table: string;
}

interface TableRow {
  oid: string;
  schema: string;
  name: string;
  ownerOid: string;
  owner: string;
  /** Whether the connector has the owner's privileges, which PostgreSQL requires to revoke the owner's grants. */
  connectorActsAsOwner: boolean;
}

interface HeldPrivilege {
  privilege: TablePrivilege;
  grantable: boolean;
  grantorOid: string;
}

const ZTableRevertState = z
  .object({
    tableOid: z.string().regex(/^[0-9]+$/),
    privileges: z.array(z.object({ privilege: z.enum(TABLE_PRIVILEGES), grantable: z.boolean() }).strict()),
  })
  .strict();

/** Relation kinds that take table privileges: tables, partitioned tables, views, materialized views, foreign tables. */
const TABLE_SELECT = `
  SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.relowner::text AS "ownerOid", o.rolname AS owner,
         pg_has_role(session_user, c.relowner, 'USAGE') AS "connectorActsAsOwner"
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_roles o ON o.oid = c.relowner
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')`;

async function readTable(session: PostgresSession, schema: string, table: string): Promise<TableRow> {
  const { rows } = await session.client.query<TableRow>(`${TABLE_SELECT} AND n.nspname = $1 AND c.relname = $2`, [schema, table]);
  const row = rows[0];
  if (!row) throw permanent(`no table ${quoteName(schema)}.${quoteName(table)} exists in the domain's database`);
  return row;
}

async function readTableByOid(session: PostgresSession, oid: string): Promise<TableRow> {
  const { rows } = await session.client.query<TableRow>(`${TABLE_SELECT} AND c.oid = $1::oid`, [oid]);
  const row = rows[0];
  if (!row) throw permanent(`the table with OID ${oid} no longer exists, so its privileges cannot be restored`);
  return row;
}

/** Privileges granted on the table to the role itself, from its ACL; inherited and PUBLIC grants are not listed. */
async function readHeldPrivileges(session: PostgresSession, tableOid: string, roleOid: string): Promise<HeldPrivilege[]> {
  const { rows } = await session.client.query<HeldPrivilege>(
    `SELECT a.privilege_type AS privilege, a.is_grantable AS grantable, a.grantor::text AS "grantorOid"
       FROM pg_class c, aclexplode(c.relacl) a
      WHERE c.oid = $1::oid AND a.grantee = $2::oid
      ORDER BY a.privilege_type COLLATE "C", a.grantor`,
    [tableOid, roleOid],
  );
  return rows;
}

function describeHeld(held: HeldPrivilege | undefined): string {
  if (!held) return "not granted";
  return held.grantable ? "granted with grant option" : "granted";
}

interface TableState {
  table: TableRow;
  /** The requested privileges that are granted to the role now. */
  held: HeldPrivilege[];
  diff: ScopeDiff;
}

async function readTableState(session: PostgresSession, target: RoleRow, request: TableGrantRequest): Promise<TableState> {
  const table = await readTable(session, request.schema, request.table);
  const tableLabel = `${quoteName(table.schema)}.${quoteName(table.name)}`;
  if (table.ownerOid === target.oid) throw permanent(`role ${quoteName(target.name)} owns table ${tableLabel}; an owner's privileges cannot be removed by REVOKE`);

  const all = await readHeldPrivileges(session, table.oid, target.oid);
  const requested = request.privileges ?? [...new Set(all.map((held) => held.privilege))];
  const held = all.filter((entry) => requested.includes(entry.privilege));

  const foreign = held.filter((entry) => entry.grantorOid !== table.ownerOid);
  if (foreign.length > 0) {
    throw permanent(`privileges on ${tableLabel} were granted to role ${quoteName(target.name)} by a role other than the owner; revoke them by hand`);
  }
  if (held.length > 0 && !table.connectorActsAsOwner) {
    throw permanent(
      `the connector role cannot revoke privileges on ${tableLabel}: only its owner ${quoteName(table.owner)} can, and the connector role does not have that role's privileges`,
    );
  }

  const before: Record<string, Json> = {};
  const after: Record<string, Json> = {};
  for (const privilege of TABLE_PRIVILEGES.filter((name) => requested.includes(name))) {
    before[privilege] = describeHeld(held.find((entry) => entry.privilege === privilege));
    after[privilege] = "not granted";
  }
  const object = { type: "table_privileges", id: `${table.oid}:${target.oid}`, displayName: `${target.name} on ${table.schema}.${table.name}`, before, after };
  const blastRadius = [...(await readMembers(session.client, target.oid, `role ${quoteName(target.name)}`)), ...(await readSessions(session.client, target.oid))];
  return { table, held, diff: { objects: [object], blastRadius } };
}

export async function planRevokeTablePrivileges(session: PostgresSession, target: RoleRow, request: TableGrantRequest): Promise<ConnectorPlan> {
  const state = await readTableState(session, target, request);
  const revertState = { tableOid: state.table.oid, privileges: state.held.map(({ privilege, grantable }) => ({ privilege, grantable })) };
  const effect = planEffect(state.held.length > 0, () => {
    const privileges = request.privileges === null ? "no privilege" : `none of ${request.privileges.join(", ")}`;
    return `role ${quoteName(target.name)} (OID ${target.oid}) has ${privileges} on ${quoteName(state.table.schema)}.${quoteName(state.table.name)}`;
  });
  return buildPlan(state.diff, revertState, session.references, effect);
}

/** Revokes the privileges as the table owner, whose privileges the connector role must have. */
export async function applyRevokeTablePrivileges(session: PostgresSession, grant: GrantForApply, target: RoleRow, request: TableGrantRequest): Promise<ApplyResult> {
  const { client } = session;
  const { result, txid } = await inTransaction(session, async () => {
    await lockRole(client, target.oid);
    const state = await readTableState(session, target, request);
    if (state.held.length === 0) return { state, changed: false };

    assertPlanUnchanged(state.diff, grant, session.references);
    const privileges = [...new Set(state.held.map((entry) => entry.privilege))].join(", ");
    await client.query(`REVOKE ${privileges} ON TABLE ${identifier(state.table.schema)}.${identifier(state.table.name)} FROM ${identifier(target.name)}`);
    const names = state.held.map((entry) => entry.privilege);
    const left = (await readHeldPrivileges(session, state.table.oid, target.oid)).filter((entry) => names.includes(entry.privilege));
    if (left.length > 0) throw permanent(`REVOKE left ${left.length} privilege(s) of role ${quoteName(target.name)} in place; nothing was changed`);
    return { state, changed: true };
  });

  const label = `role ${quoteName(target.name)} on ${quoteName(result.state.table.schema)}.${quoteName(result.state.table.name)}`;
  const references = [...session.references, txidReference(txid)];
  return result.changed
    ? { outcome: "applied", detail: `revoked ${result.state.held.map((entry) => entry.privilege).join(", ")} from ${label}`, references }
    : { outcome: "already_in_effect", detail: `${label}: none of the named privileges is granted`, references };
}

export async function verifyRevokeTablePrivileges(session: PostgresSession, target: RoleRow, request: TableGrantRequest): Promise<VerifyResult> {
  const table = await readTable(session, request.schema, request.table);
  const held = (await readHeldPrivileges(session, table.oid, target.oid)).filter((entry) => request.privileges === null || request.privileges.includes(entry.privilege));
  const label = `role ${quoteName(target.name)} on ${quoteName(table.schema)}.${quoteName(table.name)}`;
  if (held.length > 0) {
    return { verified: false, detail: `${label}: still granted ${held.map((entry) => entry.privilege).join(", ")}`, references: session.references };
  }
  return { verified: true, detail: `${label}: the table's ACL grants none of the named privileges to the role`, references: session.references };
}

/** Grants the recorded privileges again, with grant option where the plan recorded one. */
export async function revertRevokeTablePrivileges(session: PostgresSession, target: RoleRow, plan: Plan): Promise<ApplyResult> {
  const recorded = parseRevertState(ZTableRevertState, plan);
  const { client } = session;
  const { result, txid } = await inTransaction(session, async () => {
    await lockRole(client, target.oid);
    const table = await readTableByOid(session, recorded.tableOid);
    const held = await readHeldPrivileges(session, table.oid, target.oid);
    const missing = recorded.privileges.filter((entry) => !held.some((now) => now.privilege === entry.privilege && (now.grantable || !entry.grantable)));
    const relation = `${identifier(table.schema)}.${identifier(table.name)}`;
    for (const grantable of [false, true]) {
      const names = missing.filter((entry) => entry.grantable === grantable).map((entry) => entry.privilege);
      if (names.length === 0) continue;
      await client.query(`GRANT ${names.join(", ")} ON TABLE ${relation} TO ${identifier(target.name)}${grantable ? " WITH GRANT OPTION" : ""}`);
    }
    return { table, missing };
  });

  const label = `role ${quoteName(target.name)} on ${quoteName(result.table.schema)}.${quoteName(result.table.name)}`;
  const references = [...session.references, txidReference(txid)];
  return result.missing.length > 0
    ? { outcome: "applied", detail: `granted ${result.missing.map((entry) => entry.privilege).join(", ")} to ${label} again`, references }
    : { outcome: "already_in_effect", detail: `${label}: the recorded privileges are already granted`, references };
}
