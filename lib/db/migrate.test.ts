import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmbeddedPostgres, withDatabase, type EmbeddedServer } from "@/lib/db/embedded";
import { migrate, MIGRATION_LOCK_KEY, MigrationError, migrationStatus } from "@/lib/db/migrate";

const LOCKFILE = 'provider = "postgresql"\n';
const CREATE_TEAMS = 'CREATE TABLE "teams" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "teams_pkey" PRIMARY KEY ("id"));\n';
const CREATE_MEMBERS =
  'CREATE TABLE "members" ("id" TEXT NOT NULL, "teamId" TEXT NOT NULL REFERENCES "teams"("id"), CONSTRAINT "members_pkey" PRIMARY KEY ("id"));\n' +
  "-- A semicolon inside a literal must not split the statement.\n" +
  "INSERT INTO \"teams\" (\"id\", \"name\") VALUES ('t1', 'red; blue');\n";

const silent = pino({ level: "silent" });
let server: EmbeddedServer;
let workDir: string;

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-migrate-test-"));
  server = await startEmbeddedPostgres({ dataDir: path.join(workDir, "db"), logger: silent });
});

afterAll(async () => {
  await server?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
});

async function freshDatabase(): Promise<string> {
  const name = `migrate_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return withDatabase(server.url, name);
}

async function writeMigrations(migrations: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(workDir, "migrations-"));
  await fs.writeFile(path.join(dir, "migration_lock.toml"), LOCKFILE);
  for (const [name, sql] of Object.entries(migrations)) {
    await fs.mkdir(path.join(dir, name));
    await fs.writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const rows = await query<{ exists: boolean }>(url, "SELECT to_regclass($1) IS NOT NULL AS exists", [table]);
  return rows[0]?.exists ?? false;
}

function capturingLogger(lines: string[]): pino.Logger {
  return pino({ level: "info" }, { write: (line: string) => lines.push(line) });
}

describe("migrate", () => {
  test("migrate applies pending migrations in name order", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240102000000_members": CREATE_MEMBERS, "20240101000000_teams": CREATE_TEAMS });

    const result = await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });

    expect(result.applied).toEqual(["20240101000000_teams", "20240102000000_members"]);
    expect(await query(url, 'SELECT "name" FROM "teams"')).toEqual([{ name: "red; blue" }]);
  });

  test("migrate twice is a no-op", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS, "20240102000000_members": CREATE_MEMBERS });

    await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });
    const second = await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });

    expect(second.applied).toEqual([]);
    const rows = await query<{ migration_name: string }>(url, "SELECT migration_name FROM _prisma_migrations ORDER BY migration_name");
    expect(rows.map((row) => row.migration_name)).toEqual(["20240101000000_teams", "20240102000000_members"]);
  });

  test("migrate applies a migration added later", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS });
    await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });

    await fs.mkdir(path.join(dir, "20240102000000_members"));
    await fs.writeFile(path.join(dir, "20240102000000_members", "migration.sql"), CREATE_MEMBERS);
    const result = await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });

    expect(result.applied).toEqual(["20240102000000_members"]);
  });

  test("migrate concurrent calls apply each migration once", async () => {
    const url = await freshDatabase();
    // pg_sleep keeps the first run inside the lock long enough for the second to queue behind it.
    const dir = await writeMigrations({
      "20240101000000_teams": `${CREATE_TEAMS}SELECT pg_sleep(0.5);\n`,
      "20240102000000_members": CREATE_MEMBERS,
    });

    const results = await Promise.all([
      migrate({ databaseUrl: url, migrationsDir: dir, logger: silent }),
      migrate({ databaseUrl: url, migrationsDir: dir, logger: silent }),
    ]);

    const applied = results.flatMap((result) => result.applied).sort();
    expect(applied).toEqual(["20240101000000_teams", "20240102000000_members"]);
    expect(results.some((result) => result.applied.length === 0)).toBe(true);
    const rows = await query<{ migration_name: string; count: string }>(url, "SELECT migration_name, count(*) FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name");
    expect(rows).toEqual([
      { migration_name: "20240101000000_teams", count: "1" },
      { migration_name: "20240102000000_members", count: "1" },
    ]);
  });

  test("migrate waits for the advisory lock held by another session", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);

    let finished = false;
    const run = migrate({ databaseUrl: url, migrationsDir: dir, logger: silent }).finally(() => (finished = true));
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(finished).toBe(false);
    expect(await tableExists(url, "teams")).toBe(false);
    await holder.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    await holder.end();
    expect((await run).applied).toEqual(["20240101000000_teams"]);
  });

  test("migrate gives up after lockTimeoutMs", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);

    try {
      const run = migrate({ databaseUrl: url, migrationsDir: dir, logger: silent, lockTimeoutMs: 200 });
      await expect(run).rejects.toBeInstanceOf(MigrationError);
      await expect(run).rejects.toThrow(/timed out after 200 ms/);
    } finally {
      await holder.end();
    }
    expect(await tableExists(url, "teams")).toBe(false);
  });

  test("migrate rolls back a failing migration and names it", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({
      "20240101000000_teams": CREATE_TEAMS,
      "20240102000000_broken": 'CREATE TABLE "half_done" ("id" TEXT);\nCREATE TABLE "also_half_done" ("id" TEXT);\nSELECT "nope" FROM "no_such_table";\n',
      "20240103000000_members": CREATE_MEMBERS,
    });

    const error = await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migrationName).toBe("20240102000000_broken");
    expect((error as MigrationError).message).toContain("20240102000000_broken");
    expect((error as MigrationError).message).toContain('relation "no_such_table" does not exist');
    expect(await tableExists(url, "teams")).toBe(true);
    expect(await tableExists(url, "half_done")).toBe(false);
    expect(await tableExists(url, "also_half_done")).toBe(false);
    expect(await tableExists(url, "members")).toBe(false);

    const status = await migrationStatus({ databaseUrl: url, migrationsDir: dir });
    expect(status.applied.map((migration) => migration.name)).toEqual(["20240101000000_teams"]);
    expect(status.failed).toEqual(["20240102000000_broken"]);
    expect(status.pending).toEqual(["20240103000000_members"]);
  });

  test("migrate refuses to continue after a failed migration", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_broken": "SELECT 1/0;\n", "20240102000000_teams": CREATE_TEAMS });
    await expect(migrate({ databaseUrl: url, migrationsDir: dir, logger: silent })).rejects.toBeInstanceOf(MigrationError);

    const again = await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent }).catch((caught: unknown) => caught);

    expect(again).toBeInstanceOf(MigrationError);
    expect((again as MigrationError).migrationName).toBe("20240101000000_broken");
    expect((again as MigrationError).message).toContain("failed in an earlier run");
    expect(await tableExists(url, "teams")).toBe(false);
  });

  test("migrate retries a failure marked rolled back", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": "SELECT 1/0;\n" });
    await expect(migrate({ databaseUrl: url, migrationsDir: dir, logger: silent })).rejects.toBeInstanceOf(MigrationError);

    await fs.writeFile(path.join(dir, "20240101000000_teams", "migration.sql"), CREATE_TEAMS);
    await query(url, "UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL", ["20240101000000_teams"]);
    const result = await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });

    expect(result.applied).toEqual(["20240101000000_teams"]);
    const status = await migrationStatus({ databaseUrl: url, migrationsDir: dir });
    expect(status.failed).toEqual([]);
    expect(status.pending).toEqual([]);
  });

  test("migrate rejects a missing migrations folder", async () => {
    const url = await freshDatabase();
    const missing = path.join(workDir, "no-such-folder");

    await expect(migrate({ databaseUrl: url, migrationsDir: missing, logger: silent })).rejects.toThrow(`migrations folder not found: ${missing}`);
  });

  test("migrate rejects a migration folder without migration.sql", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS });
    await fs.mkdir(path.join(dir, "20240102000000_empty"));

    const error = await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migrationName).toBe("20240102000000_empty");
  });

  test("migrate logs without the password", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS });
    const lines: string[] = [];

    await migrate({ databaseUrl: url, migrationsDir: dir, logger: capturingLogger(lines) });

    const entries = lines.map((line) => JSON.parse(line) as { component?: string; msg: string });
    expect(entries.map((entry) => entry.msg)).toEqual(["migration run started", "migration run finished"]);
    expect(entries.every((entry) => entry.component === "migrations")).toBe(true);
    const password = decodeURIComponent(new URL(url).password);
    expect(password.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(password);
    expect(lines.join("\n")).not.toContain(url);
  });

  test("migrate logs a failed run with the migration name", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_broken": "SELECT 1/0;\n" });
    const lines: string[] = [];

    await expect(migrate({ databaseUrl: url, migrationsDir: dir, logger: capturingLogger(lines) })).rejects.toBeInstanceOf(MigrationError);

    const last = JSON.parse(lines.at(-1) ?? "{}") as { msg?: string; migration?: string; level?: number };
    expect(last.msg).toBe("migration run failed");
    expect(last.migration).toBe("20240101000000_broken");
    expect(last.level).toBe(50);
    expect(lines.join("\n")).not.toContain(decodeURIComponent(new URL(url).password));
  });
});

describe("_prisma_migrations", () => {
  test("_prisma_migrations has the Prisma CLI's columns", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS });
    await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });

    const columns = await query(
      url,
      `SELECT column_name, format_type(a.atttypid, a.atttypmod) AS type, is_nullable, column_default
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = '_prisma_migrations'::regclass AND a.attname = c.column_name
        WHERE c.table_name = '_prisma_migrations'
        ORDER BY c.ordinal_position`,
    );
    // The layout `prisma migrate deploy` creates on PostgreSQL.
    expect(columns).toEqual([
      { column_name: "id", type: "character varying(36)", is_nullable: "NO", column_default: null },
      { column_name: "checksum", type: "character varying(64)", is_nullable: "NO", column_default: null },
      { column_name: "finished_at", type: "timestamp with time zone", is_nullable: "YES", column_default: null },
      { column_name: "migration_name", type: "character varying(255)", is_nullable: "NO", column_default: null },
      { column_name: "logs", type: "text", is_nullable: "YES", column_default: null },
      { column_name: "rolled_back_at", type: "timestamp with time zone", is_nullable: "YES", column_default: null },
      { column_name: "started_at", type: "timestamp with time zone", is_nullable: "NO", column_default: "now()" },
      { column_name: "applied_steps_count", type: "integer", is_nullable: "NO", column_default: "0" },
    ]);
    const primaryKey = await query(url, "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = '_prisma_migrations'::regclass AND contype = 'p'");
    expect(primaryKey).toEqual([{ conname: "_prisma_migrations_pkey", definition: "PRIMARY KEY (id)" }]);
  });

  test("_prisma_migrations row matches the CLI", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS });
    const sql = await fs.readFile(path.join(dir, "20240101000000_teams", "migration.sql"));
    await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });

    const rows = await query<{ id: string; checksum: string; migration_name: string; logs: string | null; rolled_back_at: Date | null; started_at: Date; finished_at: Date | null; applied_steps_count: number }>(
      url,
      "SELECT * FROM _prisma_migrations",
    );

    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
    expect(row.migration_name).toBe("20240101000000_teams");
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(row.logs).toBeNull();
    expect(row.rolled_back_at).toBeNull();
    expect(row.applied_steps_count).toBe(1);
    expect(row.finished_at).not.toBeNull();
    expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
  });

  test("_prisma_migrations keeps the failed attempt with its log", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_broken": "SELECT 1/0;\n" });
    await expect(migrate({ databaseUrl: url, migrationsDir: dir, logger: silent })).rejects.toBeInstanceOf(MigrationError);

    const rows = await query<{ finished_at: Date | null; applied_steps_count: number; logs: string | null }>(url, "SELECT finished_at, applied_steps_count, logs FROM _prisma_migrations");

    expect(rows).toHaveLength(1);
    expect(rows[0]!.finished_at).toBeNull();
    expect(rows[0]!.applied_steps_count).toBe(0);
    expect(rows[0]!.logs).not.toBeNull();
  });
});

describe("migrationStatus", () => {
  test("migrationStatus on a fresh database", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS, "20240102000000_members": CREATE_MEMBERS });

    const status = await migrationStatus({ databaseUrl: url, migrationsDir: dir });

    expect(status).toEqual({ applied: [], pending: ["20240101000000_teams", "20240102000000_members"], failed: [] });
  });

  test("migrationStatus reports applied migrations", async () => {
    const url = await freshDatabase();
    const dir = await writeMigrations({ "20240101000000_teams": CREATE_TEAMS });
    const before = Date.now();
    await migrate({ databaseUrl: url, migrationsDir: dir, logger: silent });

    const status = await migrationStatus({ databaseUrl: url, migrationsDir: dir });

    expect(status.pending).toEqual([]);
    expect(status.failed).toEqual([]);
    expect(status.applied.map((migration) => migration.name)).toEqual(["20240101000000_teams"]);
    expect(status.applied[0]!.finishedAt).toBeInstanceOf(Date);
    expect(status.applied[0]!.finishedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
  });
});
