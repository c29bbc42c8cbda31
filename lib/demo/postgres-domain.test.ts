import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPostgresConnector } from "@/lib/connectors/postgresql/connector";
import { resolveRoleIdentity } from "@/lib/connectors/postgresql/resolve-role-identity";
import { startEmbeddedPostgres, withDatabase, type EmbeddedServer } from "@/lib/db/embedded";
import { setupDemoPostgresDomain } from "./postgres-domain";

const logger = pino({ level: "silent" });
let dataDir: string;
let server: EmbeddedServer;
let admin: pg.Client;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-demo-domain-"));
  server = await startEmbeddedPostgres({ dataDir, logger });
  admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function loginWorks(settings: { host: string; port: number; database: string; user: string }, password: string): Promise<boolean> {
  const client = new pg.Client({ ...settings, password });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe("setupDemoPostgresDomain", () => {
  test("setupDemoPostgresDomain creates the demo roles and a least-privilege connector role", async () => {
    const { settings, password } = await setupDemoPostgresDomain({ adminUrl: server.url, logger });

    expect(settings).toEqual({ host: "127.0.0.1", port: server.port, database: "cordon_demo", user: "cordon_connector", sslmode: "disable" });
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const roles = await admin.query<{ rolname: string; rolcanlogin: boolean; rolsuper: boolean; rolcreaterole: boolean; rolreplication: boolean; rolbypassrls: boolean }>(
      `SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles
        WHERE rolname IN ('svc_reporting', 'svc_etl', 'ci_deployer', 'db_admin', 'cordon_connector') ORDER BY rolname`,
    );
    expect(roles.rows).toEqual([
      { rolname: "ci_deployer", rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
      { rolname: "cordon_connector", rolcanlogin: true, rolsuper: false, rolcreaterole: true, rolreplication: false, rolbypassrls: false },
      { rolname: "db_admin", rolcanlogin: false, rolsuper: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
      { rolname: "svc_etl", rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
      { rolname: "svc_reporting", rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
    ]);

    const connectorMemberships = await admin.query(
      `SELECT r.rolname, m.admin_option, m.inherit_option, m.set_option FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
        WHERE m.member = 'cordon_connector'::regrole ORDER BY r.rolname`,
    );
    expect(connectorMemberships.rows).toEqual([
      { rolname: "ci_deployer", admin_option: true, inherit_option: false, set_option: false },
      { rolname: "db_admin", admin_option: true, inherit_option: false, set_option: false },
      { rolname: "pg_signal_backend", admin_option: false, inherit_option: true, set_option: true },
      { rolname: "svc_etl", admin_option: true, inherit_option: false, set_option: false },
      { rolname: "svc_reporting", admin_option: true, inherit_option: false, set_option: false },
    ]);

    const etl = await admin.query(
      `SELECT r.rolname AS role, g.rolname AS grantor FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles g ON g.oid = m.grantor
        WHERE m.member = 'svc_etl'::regrole`,
    );
    expect(etl.rows).toEqual([{ role: "db_admin", grantor: "cordon_connector" }]);

    const demo = new pg.Client({ connectionString: withDatabase(server.url, "cordon_demo") });
    await demo.connect();
    const grants = await demo.query<{ privilege: string }>(
      `SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) AS privilege FROM information_schema.role_table_grants
        WHERE table_schema = 'public' AND table_name = 'invoices' AND grantee = 'db_admin'`,
    );
    await demo.end();
    expect(grants.rows[0]?.privilege).toBe("DELETE,INSERT,SELECT,UPDATE");
    expect(await loginWorks(settings, password)).toBe(true);
  });

  test("setupDemoPostgresDomain runs again without undoing containment", async () => {
    const first = await setupDemoPostgresDomain({ adminUrl: server.url, logger });
    await admin.query("ALTER ROLE svc_reporting NOLOGIN");
    await admin.query("REVOKE db_admin FROM svc_etl GRANTED BY cordon_connector");

    const second = await setupDemoPostgresDomain({ adminUrl: server.url, logger });

    const state = await admin.query(
      "SELECT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'svc_reporting') AS reporting_login, pg_has_role('svc_etl', 'db_admin', 'MEMBER') AS etl_admin",
    );
    expect(state.rows[0]).toEqual({ reporting_login: false, etl_admin: false });
    expect(second.password).not.toBe(first.password);
    expect(await loginWorks(second.settings, second.password)).toBe(true);
    expect(await loginWorks(second.settings, first.password)).toBe(false);
  });

  test("setupDemoPostgresDomain settings work with the connector", async () => {
    const { settings, password } = await setupDemoPostgresDomain({ adminUrl: server.url, logger });
    const connector = createPostgresConnector(settings, { password }, { logger });
    const identity = await resolveRoleIdentity(connector, "ci_deployer");

    const plan = await connector.plan(
      { id: "demo-check", kind: "disable_account", target: { domain: "demo", identity }, parameters: {} },
      { signal: new AbortController().signal },
    );

    expect(plan.diff.objects[0]).toMatchObject({ displayName: "ci_deployer", before: { rolcanlogin: true }, after: { rolcanlogin: false } });
  });
});
