import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmbeddedPostgres, withDatabase, type EmbeddedServer } from "@/lib/db/embedded";
import { migrate, readMigrationsDir } from "@/lib/db/migrate";
import { diffMigrationsToSchema, diffSchemas, isEmptyMigrationScript } from "@/lib/db/schema-engine";
import { createMigration, InvalidMigrationNameError, type CreateMigrationResult } from "@/scripts/create-migration";

// The engine reads a live database through the pg adapter only with the "char" workaround in
// schema-engine.ts, so the main drift check does not depend on it. The check builds one
// database from the migrations and one from `diff(empty → schema.prisma)`, then compares the
// two in PostgreSQL's catalog.

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REPO_SCHEMA = path.join(REPO_ROOT, "prisma", "schema.prisma");
const REPO_MIGRATIONS = path.join(REPO_ROOT, "prisma", "migrations");
const LOCKFILE = 'provider = "postgresql"\n';

const silent = pino({ level: "silent" });
let server: EmbeddedServer;
let workDir: string;

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-drift-test-"));
  server = await startEmbeddedPostgres({ dataDir: path.join(workDir, "db"), logger: silent });
});

afterAll(async () => {
  await server?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
});

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<string> {
  const name = `drift_${randomBytes(6).toString("hex")}`;
  await withClient(server.url, (client) => client.query(`CREATE DATABASE "${name}"`));
  return withDatabase(server.url, name);
}

// --- Catalog comparison ---------------------------------------------------------------------

/** Catalog entries of one database: a description per object, keyed by kind and name. */
type Catalog = Map<string, string>;

const OWN_OBJECTS = "n.nspname = 'public' AND c.relname <> '_prisma_migrations'";

async function readCatalog(url: string): Promise<Catalog> {
  return withClient(url, async (client) => {
    const catalog: Catalog = new Map();

    const tables = await client.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${OWN_OBJECTS} AND c.relkind IN ('r', 'p', 'v', 'm')`,
    );
    for (const row of tables.rows) catalog.set(`table "${row.name}"`, row.kind === "r" ? "table" : `relkind ${row.kind}`);

    const columns = await client.query<{ table: string; column: string; type: string; not_null: boolean; default: string | null; identity: string; generated: string }>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity::text AS identity, a.attgenerated::text AS generated
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE ${OWN_OBJECTS} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    // Column order is left out: a column added by a later migration comes last, while
    // diff(empty → schema) follows the model's field order.
    for (const row of columns.rows) {
      const parts = [row.type, row.not_null ? "NOT NULL" : "NULL"];
      if (row.default !== null) parts.push(`DEFAULT ${row.default}`);
      if (row.identity) parts.push(`IDENTITY ${row.identity}`);
      if (row.generated) parts.push(`GENERATED ${row.generated}`);
      catalog.set(`column "${row.table}"."${row.column}"`, parts.join(" "));
    }

    const indexes = await client.query<{ name: string; definition: string }>(
      "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'",
    );
    for (const row of indexes.rows) catalog.set(`index "${row.name}"`, row.definition);

    // NOT NULL constraints (contype 'n', PostgreSQL 18) are covered by the column nullability.
    const constraints = await client.query<{ name: string; table: string; definition: string }>(
      `SELECT con.conname AS name, c.relname AS table, pg_get_constraintdef(con.oid) AS definition
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${OWN_OBJECTS} AND con.contype <> 'n'`,
    );
    for (const row of constraints.rows) catalog.set(`constraint "${row.name}" on "${row.table}"`, row.definition);

    // Labels are compared as a set: Prisma appends a new enum value with ALTER TYPE ... ADD
    // VALUE, so a value inserted mid-list in schema.prisma comes last in the migrated database.
    const enums = await client.query<{ name: string; labels: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumlabel) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' GROUP BY t.typname`,
    );
    for (const row of enums.rows) catalog.set(`enum "${row.name}"`, row.labels.join(", "));

    const sequences = await client.query<{ name: string; type: string; increment: string }>(
      "SELECT sequencename AS name, data_type::text AS type, increment_by::text AS increment FROM pg_sequences WHERE schemaname = 'public'",
    );
    for (const row of sequences.rows) catalog.set(`sequence "${row.name}"`, `${row.type} increment ${row.increment}`);

    const extensions = await client.query<{ name: string }>("SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql'");
    for (const row of extensions.rows) catalog.set(`extension "${row.name}"`, "installed");

    return catalog;
  });
}

/** Lists every object that differs between the two catalogs, one readable line each. */
function compareCatalogs(fromMigrations: Catalog, fromSchema: Catalog): string[] {
  const differences: string[] = [];
  const keys = [...new Set([...fromMigrations.keys(), ...fromSchema.keys()])].sort();
  for (const key of keys) {
    const migrated = fromMigrations.get(key);
    const declared = fromSchema.get(key);
    if (migrated === declared) continue;
    if (declared === undefined) differences.push(`${key}: only in the migrations (${migrated})`);
    else if (migrated === undefined) differences.push(`${key}: only in schema.prisma (${declared})`);
    else differences.push(`${key}: migrations have ${migrated}; schema.prisma has ${declared}`);
  }
  return differences;
}

/** Builds one database from the migrations and one from the schema file, and compares them. */
async function findDrift(schemaPath: string, migrationsDir: string): Promise<string[]> {
  const schemaText = await fs.readFile(schemaPath, "utf8");

  const migratedUrl = await freshDatabase();
  await migrate({ databaseUrl: migratedUrl, migrationsDir, logger: silent });

  const declaredUrl = await freshDatabase();
  const script = await diffSchemas(null, schemaText, declaredUrl);
  await withClient(declaredUrl, (client) => client.query(script));

  return compareCatalogs(await readCatalog(migratedUrl), await readCatalog(declaredUrl));
}

async function writeTemp(name: string, text: string): Promise<string> {
  const file = path.join(await fs.mkdtemp(path.join(workDir, "case-")), name);
  await fs.writeFile(file, text);
  return file;
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

const WIDGET_MIGRATION = `CREATE TYPE "Colour" AS ENUM ('red', 'green');
CREATE TABLE "Widget" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, "size" INTEGER NOT NULL, "colour" "Colour" NOT NULL DEFAULT 'red', CONSTRAINT "Widget_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Widget_name_key" ON "Widget"("name");
CREATE TABLE "Part" ("id" TEXT NOT NULL, "widgetId" TEXT NOT NULL, CONSTRAINT "Part_pkey" PRIMARY KEY ("id"));
ALTER TABLE "Part" ADD CONSTRAINT "Part_widgetId_fkey" FOREIGN KEY ("widgetId") REFERENCES "Widget"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`;

const WIDGET_SCHEMA = `datasource db {
  provider = "postgresql"
}

enum Colour {
  red
  green
}

model Widget {
  id     String @id
  name   String @unique
  size   Int
  colour Colour @default(red)
  parts  Part[]
}

model Part {
  id       String @id
  widgetId String
  widget   Widget @relation(fields: [widgetId], references: [id])
}
`;

describe("schema drift", () => {
  test("schema.prisma matches prisma/migrations", async () => {
    const drift = await findDrift(REPO_SCHEMA, REPO_MIGRATIONS);

    expect(drift, `schema.prisma and prisma/migrations disagree; run \`npm run db:migration -- <name>\`:\n${drift.join("\n")}`).toEqual([]);
  });

  test("engine diff from migrations is empty", async () => {
    const migrations = await readMigrationsDir(REPO_MIGRATIONS);
    const script = await diffMigrationsToSchema(migrations, await fs.readFile(REPO_SCHEMA, "utf8"), await freshDatabase());

    expect(isEmptyMigrationScript(script), `the migrations lack:\n${script}`).toBe(true);
  });

  test("drift check reports a model missing from the migrations", async () => {
    const schema = await fs.readFile(REPO_SCHEMA, "utf8");
    const extended = `${schema}
enum DriftProbeColour {
  red
  green
}

model DriftProbe {
  id     Int              @id @default(autoincrement())
  label  String?
  colour DriftProbeColour @default(red)

  @@index([label])
}
`;

    const drift = await findDrift(await writeTemp("schema.prisma", extended), REPO_MIGRATIONS);

    expect(drift).toContain('table "DriftProbe": only in schema.prisma (table)');
    expect(drift).toContain('column "DriftProbe"."label": only in schema.prisma (text NULL)');
    expect(drift).toContain(`column "DriftProbe"."colour": only in schema.prisma ("DriftProbeColour" NOT NULL DEFAULT 'red'::"DriftProbeColour")`);
    expect(drift).toContain('enum "DriftProbeColour": only in schema.prisma (green, red)');
    expect(drift).toContain('index "DriftProbe_label_idx": only in schema.prisma (CREATE INDEX "DriftProbe_label_idx" ON public."DriftProbe" USING btree (label))');
    expect(drift).toContain('constraint "DriftProbe_pkey" on "DriftProbe": only in schema.prisma (PRIMARY KEY (id))');
    expect(drift).toContain('sequence "DriftProbe_id_seq": only in schema.prisma (integer increment 1)');
  });

  test("drift check accepts hand-written SQL that matches the schema", async () => {
    const migrations = await writeMigrations({ "20240101000000_widgets": WIDGET_MIGRATION });

    const drift = await findDrift(await writeTemp("schema.prisma", WIDGET_SCHEMA), migrations);

    expect(drift).toEqual([]);
  });

  test("drift check reports changed columns and objects", async () => {
    const migrations = await writeMigrations({ "20240101000000_widgets": WIDGET_MIGRATION });
    const changed = WIDGET_SCHEMA.replace("  green\n}", "  green\n  blue\n}")
      .replace("name   String @unique", "name   String?")
      .replace("size   Int", "size   BigInt")
      .replace("colour Colour @default(red)", "colour Colour @default(green)")
      .replace("  widget   Widget @relation(fields: [widgetId], references: [id])\n", "")
      .replace("  parts  Part[]\n", "");

    const drift = await findDrift(await writeTemp("schema.prisma", changed), migrations);

    expect(drift).toEqual([
      `column "Widget"."colour": migrations have "Colour" NOT NULL DEFAULT 'red'::"Colour"; schema.prisma has "Colour" NOT NULL DEFAULT 'green'::"Colour"`,
      'column "Widget"."name": migrations have text NOT NULL; schema.prisma has text NULL',
      'column "Widget"."size": migrations have integer NOT NULL; schema.prisma has bigint NOT NULL',
      'constraint "Part_widgetId_fkey" on "Part": only in the migrations (FOREIGN KEY ("widgetId") REFERENCES "Widget"(id) ON UPDATE CASCADE ON DELETE RESTRICT)',
      'enum "Colour": migrations have green, red; schema.prisma has blue, green, red',
      'index "Widget_name_key": only in the migrations (CREATE UNIQUE INDEX "Widget_name_key" ON public."Widget" USING btree (name))',
    ]);
  });
});

describe("createMigration", () => {
  function expectCreated(result: CreateMigrationResult): { directory: string; sql: string } {
    if (!result.created) throw new Error("expected createMigration to write a migration, but it found no schema changes");
    return result;
  }

  const EMPTY_SCHEMA = 'datasource db {\n  provider = "postgresql"\n}\n';

  test("createMigration writes only new changes", async () => {
    const migrationsDir = path.join(await fs.mkdtemp(path.join(workDir, "create-")), "migrations");
    const schemaPath = await writeTemp("schema.prisma", WIDGET_SCHEMA);
    const databaseUrl = await freshDatabase();

    const first = await createMigration({ name: "widgets", schemaPath, migrationsDir, databaseUrl, now: new Date("2024-01-01T10:00:00Z") });
    await fs.writeFile(schemaPath, WIDGET_SCHEMA.replace("  size   Int\n", "  size   Int\n  note   String?\n"));
    const second = await createMigration({ name: "widget_note", schemaPath, migrationsDir, databaseUrl, now: new Date("2024-01-02T10:00:00Z") });

    const firstCreated = expectCreated(first);
    const secondCreated = expectCreated(second);
    expect(path.basename(firstCreated.directory)).toBe("20240101100000_widgets");
    expect(firstCreated.sql).toContain('CREATE TABLE "Widget"');
    expect(path.basename(secondCreated.directory)).toBe("20240102100000_widget_note");
    expect(secondCreated.sql).toContain('ALTER TABLE "Widget" ADD COLUMN     "note" TEXT;');
    expect(secondCreated.sql).not.toContain("CREATE TABLE");
    expect(await fs.readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');
    expect(await findDrift(schemaPath, migrationsDir)).toEqual([]);
  });

  test("createMigration writes nothing without schema changes", async () => {
    const migrationsDir = await writeMigrations({ "20240101000000_widgets": WIDGET_MIGRATION });
    const schemaPath = await writeTemp("schema.prisma", WIDGET_SCHEMA);

    const result = await createMigration({ name: "again", schemaPath, migrationsDir, databaseUrl: await freshDatabase() });

    expect(result).toEqual({ created: false });
    expect((await fs.readdir(migrationsDir)).sort()).toEqual(["20240101000000_widgets", "migration_lock.toml"]);
  });

  test("createMigration creates no folder for an empty schema", async () => {
    const migrationsDir = path.join(await fs.mkdtemp(path.join(workDir, "create-")), "migrations");

    const result = await createMigration({ name: "init", schemaPath: await writeTemp("schema.prisma", EMPTY_SCHEMA), migrationsDir, databaseUrl: await freshDatabase() });

    expect(result).toEqual({ created: false });
    expect(existsSync(migrationsDir)).toBe(false);
  });

  test.each(["Add_Grants", "add-grants", "add grants", "../escape", "", "grant€"])("createMigration rejects the name %j", async (name) => {
    const migrationsDir = path.join(await fs.mkdtemp(path.join(workDir, "create-")), "migrations");

    const attempt = createMigration({ name, schemaPath: await writeTemp("schema.prisma", WIDGET_SCHEMA), migrationsDir, databaseUrl: server.url });

    await expect(attempt).rejects.toBeInstanceOf(InvalidMigrationNameError);
    expect(existsSync(migrationsDir)).toBe(false);
  });

  test("createMigration rejects a timestamp before the latest migration", async () => {
    const migrationsDir = await writeMigrations({ "20240101000000_widgets": WIDGET_MIGRATION });
    const schemaPath = await writeTemp("schema.prisma", WIDGET_SCHEMA.replace("  size   Int\n", "  size   Int\n  note   String?\n"));

    const attempt = createMigration({ name: "note", schemaPath, migrationsDir, databaseUrl: await freshDatabase(), now: new Date("2023-12-31T00:00:00Z") });

    await expect(attempt).rejects.toThrow("would not sort after the latest one, 20240101000000_widgets");
  });
});
