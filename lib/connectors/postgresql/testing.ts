import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import type { ActionKind } from "@/lib/actions/catalogue";
import type { ConnectorAction, ConnectorCallContext, GrantForApply, Plan } from "@/lib/connectors/types";
import { startEmbeddedPostgres, withDatabase, type EmbeddedServer } from "@/lib/db/embedded";
import { setupDemoPostgresDomain } from "@/lib/demo/postgres-domain";
import type { Json } from "@/lib/util/canonical-json";
import type { TPostgresDomainSettings } from "./settings";

/** A real PostgreSQL in a temporary folder with the demo domain set up, for the connector's tests. */
export interface TestDomain {
  server: EmbeddedServer;
  /** Superuser URL of the demo database. */
  adminUrl: string;
  settings: TPostgresDomainSettings;
  password: string;
  /** Runs one statement as the superuser in the demo database. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Opens another superuser session in the demo database; the caller ends it. */
  connectAsAdmin(): Promise<pg.Client>;
  /** Opens a session as `role`; the caller ends it. */
  connectAs(role: string, password: string, applicationName?: string): Promise<pg.Client>;
  oidOf(role: string): Promise<string>;
  /**
   * Creates a LOGIN role with `password` that the connector role administers, the way an
   * administrator adds a role to Cordon's management. Names are quoted by the server's format('%I').
   */
  createManagedRole(name: string, password: string, attributes?: string): Promise<string>;
  stop(): Promise<void>;
}

export const silentLogger = pino({ level: "silent" });

export async function startTestDomain(): Promise<TestDomain> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-pg-connector-"));
  const server = await startEmbeddedPostgres({ dataDir, logger: silentLogger });
  const { settings, password } = await setupDemoPostgresDomain({ adminUrl: server.url, logger: silentLogger });
  const adminUrl = withDatabase(server.url, settings.database);
  const adminClient = new pg.Client({ connectionString: adminUrl });
  await adminClient.connect();
  const opened: pg.Client[] = [];

  return {
    server,
    adminUrl,
    settings,
    password,
    admin: (sql, values) => adminClient.query(sql, values),
    async connectAsAdmin() {
      const client = new pg.Client({ connectionString: adminUrl });
      client.on("error", () => undefined);
      await client.connect();
      opened.push(client);
      return client;
    },
    async connectAs(role, rolePassword, applicationName = "test-client") {
      const client = new pg.Client({
        host: settings.host,
        port: settings.port,
        database: settings.database,
        user: role,
        password: rolePassword,
        application_name: applicationName,
      });
      client.on("error", () => undefined);
      await client.connect();
      opened.push(client);
      return client;
    },
    async oidOf(role) {
      const { rows } = await adminClient.query<{ oid: string }>("SELECT oid::text AS oid FROM pg_roles WHERE rolname = $1", [role]);
      if (!rows[0]) throw new Error(`no role ${role} in the test domain`);
      return rows[0].oid;
    },
    async createManagedRole(name, rolePassword, attributes = "LOGIN") {
      const { rows } = await adminClient.query<{ create: string; grant: string }>(
        `SELECT format('CREATE ROLE %I ${attributes} PASSWORD %L', $1::text, $2::text) AS create,
                format('GRANT %I TO %I WITH ADMIN TRUE, INHERIT FALSE, SET FALSE', $1::text, $3::text) AS grant`,
        [name, rolePassword, settings.user],
      );
      const statements = rows[0];
      if (!statements) throw new Error("format() returned no row");
      await adminClient.query(statements.create);
      await adminClient.query(statements.grant);
      const { rows: created } = await adminClient.query<{ oid: string }>("SELECT oid::text AS oid FROM pg_roles WHERE rolname = $1", [name]);
      if (!created[0]) throw new Error("the created role is missing");
      return created[0].oid;
    },
    async stop() {
      await Promise.all(opened.map((client) => client.end().catch(() => undefined)));
      await adminClient.end();
      await server.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function actionFor(kind: ActionKind, identity: string, parameters: Record<string, Json> = {}): ConnectorAction {
  return { id: randomUUID(), kind, target: { domain: "test-postgresql", identity }, parameters };
}

export function grantFor(action: ConnectorAction, plan: Plan): GrantForApply {
  return { id: randomUUID(), actionId: action.id, planHash: plan.hash, expiresAt: new Date(Date.now() + 15 * 60 * 1000) };
}

export function callContext(): ConnectorCallContext {
  return { signal: new AbortController().signal };
}
