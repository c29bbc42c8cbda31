import type pg from "pg";
import type { BlastRadiusEntry } from "@/lib/connectors/types";
import { quoteName } from "./role";

function yesNo(value: boolean): string {
  return value ? "yes" : "no";
}

/** Lists the roles the target is a member of: what it can act as, and what it could grant onwards. */
export async function readMemberships(client: pg.Client, roleOid: string): Promise<BlastRadiusEntry[]> {
  const { rows } = await client.query<{ oid: string; name: string; grantorOid: string; grantor: string | null; admin: boolean; inherit: boolean; set: boolean }>(
    `SELECT m.roleid::text AS oid, r.rolname AS name, m.grantor::text AS "grantorOid", g.rolname AS grantor,
            m.admin_option AS admin, m.inherit_option AS inherit, m.set_option AS set
       FROM pg_auth_members m
       JOIN pg_roles r ON r.oid = m.roleid
       LEFT JOIN pg_roles g ON g.oid = m.grantor
      WHERE m.member = $1::oid
      ORDER BY r.rolname COLLATE "C", m.grantor`,
    [roleOid],
  );
  return rows.map((row) => ({
    type: "role_membership",
    id: `${row.oid}:${row.grantorOid}`,
    description: `member of ${quoteName(row.name)} (admin option: ${yesNo(row.admin)}, inherit: ${yesNo(row.inherit)}, set: ${yesNo(row.set)}), granted by ${row.grantor === null ? `OID ${row.grantorOid}` : quoteName(row.grantor)}`,
  }));
}

/**
 * Lists the roles that are members of the target. The connector's own administrative membership is left
 * out: it is how Cordon manages the role, not something that depends on it.
 */
export async function readMembers(client: pg.Client, roleOid: string, subject = "this role"): Promise<BlastRadiusEntry[]> {
  const { rows } = await client.query<{ oid: string; name: string; admin: boolean; inherit: boolean; set: boolean }>(
    `SELECT m.member::text AS oid, r.rolname AS name, bool_or(m.admin_option) AS admin,
            bool_or(m.inherit_option) AS inherit, bool_or(m.set_option) AS set
       FROM pg_auth_members m
       JOIN pg_roles r ON r.oid = m.member
      WHERE m.roleid = $1::oid AND r.rolname <> session_user
      GROUP BY m.member, r.rolname
      ORDER BY r.rolname COLLATE "C"`,
    [roleOid],
  );
  return rows.map((row) => ({
    type: "role_member",
    id: row.oid,
    description: `${quoteName(row.name)} is a member of ${subject} (admin option: ${yesNo(row.admin)}, inherit: ${yesNo(row.inherit)}, set: ${yesNo(row.set)})`,
  }));
}

const RELATION_KINDS: Record<string, string> = {
  r: "table",
  p: "partitioned table",
  v: "view",
  m: "materialized view",
  S: "sequence",
  f: "foreign table",
  i: "index",
  c: "composite type",
};

const CATALOG_TYPES: Record<string, string> = {
  pg_class: "relation",
  pg_namespace: "schema",
  pg_proc: "function",
  pg_type: "type",
  pg_database: "database",
  pg_tablespace: "tablespace",
  pg_default_acl: "default privileges",
  pg_largeobject_metadata: "large object",
  pg_foreign_server: "foreign server",
  pg_foreign_data_wrapper: "foreign-data wrapper",
  pg_language: "language",
  pg_parameter_acl: "configuration parameter",
};

/**
 * Counts the objects in every database of the cluster that grant privileges to the role or
 * that it owns, by database and object type. Relation kinds are only known for the connected database,
 * because pg_class is per database; elsewhere they count as "relation".
 */
export async function readObjectDependencies(client: pg.Client, roleOid: string, subject = "this role"): Promise<BlastRadiusEntry[]> {
  const { rows } = await client.query<{ deptype: string; catalog: string; database: string | null; relkind: string | null; count: number }>(
    `SELECT * FROM (
       SELECT d.deptype::text AS deptype, d.classid::regclass::text AS catalog, db.datname::text AS database,
              c.relkind::text AS relkind, count(*)::int AS count
         FROM pg_shdepend d
         LEFT JOIN pg_database db ON db.oid = d.dbid
         LEFT JOIN pg_class c
                ON d.classid = 'pg_class'::regclass
               AND d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND c.oid = d.objid
        WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = $1::oid AND d.deptype IN ('a', 'o')
        GROUP BY 1, 2, 3, 4
     ) AS dependencies
     ORDER BY deptype, database COLLATE "C" NULLS FIRST, catalog COLLATE "C", relkind COLLATE "C" NULLS FIRST`,
    [roleOid],
  );
  return rows.map((row) => {
    const objectType = (row.relkind && RELATION_KINDS[row.relkind]) ?? CATALOG_TYPES[row.catalog] ?? row.catalog;
    const where = row.database === null ? "shared by all databases" : `in database ${quoteName(row.database)}`;
    const grants = row.deptype === "a";
    return {
      type: grants ? "object_grants" : "owned_objects",
      id: `${row.database ?? ""}/${objectType}`,
      description: grants
        ? `${row.count} ${objectType} object(s) ${where} grant privileges to ${subject}`
        : `${row.count} ${objectType} object(s) ${where} are owned by ${subject}`,
    };
  });
}

function describeOrigin(address: string): string {
  if (address === "hidden") return "from an address hidden from the connector role";
  if (address === "local socket") return "over a local socket";
  return `from ${address}`;
}

/**
 * Counts the role's open sessions across the cluster by database, application and client
 * address. The address is only visible with pg_read_all_stats, which the connector does not
 * need otherwise, so without it the address reads "hidden".
 */
export async function readSessions(client: pg.Client, roleOid: string): Promise<BlastRadiusEntry[]> {
  const { rows } = await client.query<{ database: string | null; application: string; address: string; count: number }>(
    `SELECT * FROM (
       SELECT datname::text AS database, COALESCE(application_name, '') AS application,
              CASE WHEN backend_type IS NULL THEN 'hidden'
                   WHEN client_addr IS NULL THEN 'local socket'
                   ELSE host(client_addr) END AS address,
              count(*)::int AS count
         FROM pg_stat_activity
        WHERE usesysid = $1::oid AND pid <> pg_backend_pid()
        GROUP BY 1, 2, 3
     ) AS sessions
     ORDER BY database COLLATE "C", application COLLATE "C", address COLLATE "C"`,
    [roleOid],
  );
  return rows.map((row) => ({
    type: "sessions",
    id: `${row.database ?? ""}/${row.application}/${row.address}`,
    description: `${row.count} open session(s) to database ${row.database === null ? "(none)" : quoteName(row.database)} by application ${quoteName(row.application)} ${describeOrigin(row.address)}`,
    volatile: true,
  }));
}

/** Lists the backend pids of the role's open sessions. */
export async function readSessionPids(client: pg.Client, roleOid: string): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE usesysid = $1::oid AND pid <> pg_backend_pid() ORDER BY pid",
    [roleOid],
  );
  return rows.map((row) => row.pid);
}

/** How long pg_terminate_backend waits for each backend to exit, so a check right after no longer finds it. */
const TERMINATE_WAIT_MS = 5_000;

/**
 * Terminates every open session of the role and returns the pids that were signalled. Needs
 * pg_signal_backend; PostgreSQL never lets it signal a superuser's backend.
 */
export async function terminateSessions(client: pg.Client, roleOid: string): Promise<number[]> {
  const { rows } = await client.query<{ pid: number; terminated: boolean }>(
    `SELECT pid, pg_terminate_backend(pid, $2) AS terminated
       FROM pg_stat_activity
      WHERE usesysid = $1::oid AND pid <> pg_backend_pid()`,
    [roleOid, TERMINATE_WAIT_MS],
  );
  return rows.filter((row) => row.terminated).map((row) => row.pid).sort((a, b) => a - b);
}
