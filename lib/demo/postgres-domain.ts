import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TPostgresDomainSettings } from "@/lib/connectors/postgresql/settings";
import { logger as rootLogger, type Logger } from "@/lib/log/logger";

export const DEMO_CONNECTOR_ROLE = "cordon_connector";
/** Demo service roles, created with LOGIN. */
export const DEMO_SERVICE_ROLES = ["svc_reporting", "svc_etl", "ci_deployer"] as const;
export const DEMO_GROUP_ROLE = "db_admin";
export const DEMO_TABLE = { schema: "public", name: "invoices" } as const;

export interface SetupDemoPostgresDomainOptions {
  /** URL of a superuser on the server, such as the embedded PostgreSQL's `cordon` role. */
  adminUrl: string;
  database?: string;
  logger?: Logger;
}

export interface DemoPostgresDomain {
  settings: TPostgresDomainSettings;
  /** The connector role's password, new on every call; hand it to the connector, never to a log. */
  password: string;
}

/** Any session-level advisory lock key works; this one is "CORD" in ASCII. */
const SETUP_LOCK_KEY = 0x434f5244;
const DUPLICATE_OBJECT = "42710";
const DUPLICATE_DATABASE = "42P04";

const q = (name: string): string => pg.escapeIdentifier(name);

/** Returns true when this call created the role. */
async function createRoleIfMissing(client: pg.Client, name: string, attributes: string): Promise<boolean> {
  const { rowCount } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
  if (rowCount) return false;
  try {
    await client.query(`CREATE ROLE ${q(name)} ${attributes}`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== DUPLICATE_OBJECT) throw error;
    return false;
  }
}

async function createDatabaseIfMissing(client: pg.Client, database: string): Promise<void> {
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
  if (rowCount) return;
  try {
    await client.query(`CREATE DATABASE ${q(database)}`);
  } catch (error) {
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
  }
}

/**
 * Gives the connector role exactly the required privileges describePostgresCredentials lists:
 * CREATEROLE, ADMIN OPTION without INHERIT or SET on every managed role, pg_signal_backend,
 * and CONNECT. The optional table-owner membership is left out.
 */
async function setUpConnectorRole(client: pg.Client, database: string, password: string): Promise<void> {
  await createRoleIfMissing(client, DEMO_CONNECTOR_ROLE, "LOGIN CREATEROLE");
  await client.query(`ALTER ROLE ${q(DEMO_CONNECTOR_ROLE)} LOGIN CREATEROLE NOSUPERUSER NOREPLICATION NOBYPASSRLS PASSWORD ${client.escapeLiteral(password)}`);
  for (const managed of [...DEMO_SERVICE_ROLES, DEMO_GROUP_ROLE]) {
    await client.query(`GRANT ${q(managed)} TO ${q(DEMO_CONNECTOR_ROLE)} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE`);
  }
  await client.query(`GRANT pg_signal_backend TO ${q(DEMO_CONNECTOR_ROLE)}`);
  await client.query(`GRANT CONNECT ON DATABASE ${q(database)} TO ${q(DEMO_CONNECTOR_ROLE)}`);
}

async function setUpDemoTable(adminUrl: string, database: string): Promise<void> {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const table = `${q(DEMO_TABLE.schema)}.${q(DEMO_TABLE.name)}`;
    const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [table]);
    if (rows[0]?.exists) return;
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text NOT NULL, amount_cents bigint NOT NULL)`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${q(DEMO_GROUP_ROLE)}`);
    await client.query(`GRANT SELECT ON ${table} TO ${q("svc_reporting")}`);
    await client.query(`GRANT USAGE ON SCHEMA ${q(DEMO_TABLE.schema)} TO ${q(DEMO_GROUP_ROLE)}, ${q("svc_reporting")}`);
  } finally {
    await client.end();
  }
}

/**
 * Creates whatever is missing of a demo database, demo service roles and a least-privilege
 * connector role, and returns the connector's settings with a new connector password. Roles,
 * memberships and table grants that exist are left as they are, so running it again at start
 * does not undo a containment action done in the demo. Roles are cluster-wide, so a second
 * demo database on the same server shares them.
 */
export async function setupDemoPostgresDomain(options: SetupDemoPostgresDomainOptions): Promise<DemoPostgresDomain> {
  const database = options.database ?? "cordon_demo";
  const log = (options.logger ?? rootLogger).child({ component: "demo", domainKind: "postgresql" });
  const password = randomBytes(32).toString("base64url");

  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  try {
    // Two processes (the app and a CLI run) may set up the demo at once, and roles are cluster-wide.
    await client.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK_KEY]);
    await createDatabaseIfMissing(client, database);

    await createRoleIfMissing(client, DEMO_GROUP_ROLE, "NOLOGIN");
    const created = new Set<string>();
    for (const service of DEMO_SERVICE_ROLES) {
      if (await createRoleIfMissing(client, service, "LOGIN")) created.add(service);
    }
    await setUpConnectorRole(client, database, password);
    if (created.has("svc_etl")) {
      // GRANTED BY the connector role, because PostgreSQL 16+ lets a role revoke only the membership grants it made.
      await client.query(`GRANT ${q(DEMO_GROUP_ROLE)} TO ${q("svc_etl")} GRANTED BY ${q(DEMO_CONNECTOR_ROLE)}`);
    }
    await setUpDemoTable(options.adminUrl, database);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }

  const admin = new URL(options.adminUrl);
  const sslmode = admin.searchParams.get("sslmode");
  const settings: TPostgresDomainSettings = {
    host: admin.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: admin.port ? Number(admin.port) : 5432,
    database,
    user: DEMO_CONNECTOR_ROLE,
    sslmode: sslmode === "require" || sslmode === "verify-ca" || sslmode === "verify-full" ? sslmode : "disable",
  };
  log.info({ database, connectorRole: DEMO_CONNECTOR_ROLE, roles: [...DEMO_SERVICE_ROLES, DEMO_GROUP_ROLE] }, "demo PostgreSQL domain ready");
  return { settings, password };
}
