import type pg from "pg";
import { permanent } from "./errors";

/** OIDs below this are assigned by initdb to the bootstrap superuser and the predefined `pg_*` roles. */
const FIRST_NORMAL_OBJECT_ID = 16384;
const MAX_OID = 4294967295;

export interface RoleRow {
  oid: string;
  name: string;
  canLogin: boolean;
  superuser: boolean;
  /** `rolvaliduntil` in UTC ISO 8601, `infinity`, or null when the password never expires. */
  validUntil: string | null;
  /** True when this is the role the connector logged in as. */
  isConnector: boolean;
  /** True when the connector role has this role's privileges through membership. */
  connectorInherits: boolean;
}

const ROLE_COLUMNS = `
  r.oid::text AS oid,
  r.rolname AS name,
  r.rolcanlogin AS "canLogin",
  r.rolsuper AS superuser,
  CASE
    WHEN r.rolvaliduntil IS NULL THEN NULL
    WHEN isfinite(r.rolvaliduntil) THEN to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    ELSE r.rolvaliduntil::text
  END AS "validUntil",
  r.rolname = session_user AS "isConnector",
  pg_has_role(session_user, r.oid, 'USAGE') AS "connectorInherits"`;

/** Renders a role name for a message: JSON-quoted, with bidirectional and invisible format characters escaped too. */
export function quoteName(name: string): string {
  return JSON.stringify(name).replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Parses a target identity, which must be a role OID in decimal. */
export function parseRoleOid(identity: string): string {
  if (!/^[0-9]{1,10}$/.test(identity) || Number(identity) > MAX_OID || Number(identity) === 0) {
    throw permanent(`target identity ${quoteName(identity)} is not a role OID; name the role by its OID, which SELECT oid FROM pg_roles WHERE rolname = '<name>' returns`);
  }
  return String(Number(identity));
}

export async function readRoleByOid(client: pg.Client, oid: string): Promise<RoleRow | null> {
  const { rows } = await client.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM pg_roles r WHERE r.oid = $1::oid`, [oid]);
  return rows[0] ?? null;
}

export async function readRoleByName(client: pg.Client, name: string): Promise<RoleRow | null> {
  const { rows } = await client.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM pg_roles r WHERE r.rolname = $1`, [name]);
  return rows[0] ?? null;
}

/** Reads the target role and rejects any role the connector must never change. */
export async function readActionableRole(client: pg.Client, identity: string): Promise<RoleRow> {
  const oid = parseRoleOid(identity);
  const role = await readRoleByOid(client, oid);
  if (!role) throw permanent(`no role with OID ${oid} exists; it may have been dropped`);
  assertActionable(role);
  return role;
}

/**
 * Rejects superusers, because changing them needs superuser power that the connector must not
 * have. Also rejects the connector's own role and the roles it inherits privileges from, which
 * could lock the connector out, and PostgreSQL's predefined roles.
 */
export function assertActionable(role: RoleRow): void {
  const label = `role ${quoteName(role.name)} (OID ${role.oid})`;
  if (role.superuser) {
    throw permanent(`${label} is a superuser; Cordon never changes superuser roles, so change it by hand`);
  }
  if (role.isConnector) {
    throw permanent(`${label} is the connector's own role; Cordon does not change the role it logs in as`);
  }
  if (Number(role.oid) < FIRST_NORMAL_OBJECT_ID) {
    throw permanent(`${label} is a predefined PostgreSQL role; Cordon does not change predefined roles`);
  }
  if (role.connectorInherits) {
    throw permanent(`${label} passes its privileges to the connector's own role; changing it could remove privileges the connector needs`);
  }
}
