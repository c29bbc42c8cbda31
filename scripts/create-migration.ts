// `npm run db:migration -- <name>`: writes prisma/migrations/<UTC timestamp>_<name>/migration.sql
// with the SQL that takes a database built from the existing migrations to prisma/schema.prisma,
// as `prisma migrate dev --create-only` does, without the Prisma CLI's native engine.
//
// How "the schema as of the last migration" is found: the WebAssembly schema engine replays
// every migration.sql in a throwaway shadow database and reads that database's schema back,
// the same way the CLI does. Keeping a copy of schema.prisma beside each migration was the
// alternative, but a copy misses hand-written SQL in a migration and can drift from the SQL
// it sits next to. Reading the shadow database back needs the "char" fix in
// lib/db/schema-engine.ts.
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startEmbeddedPostgres, type EmbeddedServer } from "@/lib/db/embedded";
import { MigrationError, readMigrationsDir } from "@/lib/db/migrate";
import { diffMigrationsToSchema, isEmptyMigrationScript, type MigrationsList } from "@/lib/db/schema-engine";
import { logger } from "@/lib/log/logger";

const NAME_PATTERN = /^[a-z0-9_]+$/;
const LOCKFILE_TEXT = '# Written by scripts/create-migration.ts. The schema engine checks this provider before applying migrations.\nprovider = "postgresql"\n';

export class InvalidMigrationNameError extends Error {
  override readonly name = "InvalidMigrationNameError";
}

export interface CreateMigrationOptions {
  name: string;
  schemaPath: string;
  migrationsDir: string;
  /** Server the engine connects to, which must allow CREATE DATABASE for the shadow database. */
  databaseUrl: string;
  now?: Date;
}

export type CreateMigrationResult = { created: false } | { created: true; directory: string; sql: string };

/** Formats a date as the UTC `YYYYMMDDHHMMSS` prefix of Prisma migration folders. */
export function migrationTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** Returns `name` when it is a valid migration name, and throws InvalidMigrationNameError otherwise. */
export function validateMigrationName(name: string | undefined): string {
  if (!name) throw new InvalidMigrationNameError("missing migration name: run `npm run db:migration -- <name>`, for example `npm run db:migration -- add_grants`");
  if (!NAME_PATTERN.test(name)) {
    throw new InvalidMigrationNameError(`invalid migration name "${name}": use only lowercase letters, digits and underscores, for example add_grants`);
  }
  return name;
}

/** Reads the migrations folder. A missing folder or lockfile means this is the first migration. */
async function readExistingMigrations(migrationsDir: string): Promise<MigrationsList> {
  const existing = await readMigrationsDir(migrationsDir).catch((error: unknown) => {
    if (error instanceof MigrationError && error.migrationName === null && !existsSync(migrationsDir)) return null;
    throw error;
  });
  const list = existing ?? { baseDir: path.resolve(migrationsDir), lockfile: null, migrations: [] };
  // The engine needs the provider from the lockfile even to replay zero migrations.
  return { ...list, lockfile: list.lockfile ?? LOCKFILE_TEXT };
}

async function ensureLockfile(migrationsDir: string): Promise<void> {
  // The "wx" flag keeps an existing migration_lock.toml as it is.
  await fs.writeFile(path.join(migrationsDir, "migration_lock.toml"), LOCKFILE_TEXT, { flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
}

/**
 * Writes a new migration with the changes from the existing migrations to the schema file.
 * Returns `{ created: false }` and writes nothing when there is no difference.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<CreateMigrationResult> {
  const name = validateMigrationName(options.name);
  const schemaText = await fs.readFile(options.schemaPath, "utf8");
  const existing = await readExistingMigrations(options.migrationsDir);

  const directory = `${migrationTimestamp(options.now ?? new Date())}_${name}`;
  const latest = existing.migrations.at(-1)?.name;
  if (latest && latest >= directory) {
    throw new Error(`new migration ${directory} would not sort after the latest one, ${latest}. Check the system clock, then retry.`);
  }

  const sql = await diffMigrationsToSchema(existing, schemaText, options.databaseUrl);
  if (isEmptyMigrationScript(sql)) return { created: false };

  await fs.mkdir(options.migrationsDir, { recursive: true });
  await ensureLockfile(options.migrationsDir);
  const target = path.join(options.migrationsDir, directory);
  await fs.mkdir(target);
  await fs.writeFile(path.join(target, "migration.sql"), sql, { flag: "wx" });
  return { created: true, directory: target, sql };
}

async function withDatabaseServer<T>(run: (databaseUrl: string) => Promise<T>): Promise<T> {
  const configured = process.env.DATABASE_URL;
  if (configured) return run(configured);

  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-create-migration-"));
  let server: EmbeddedServer | undefined;
  try {
    server = await startEmbeddedPostgres({ dataDir, logger: logger.child({ component: "create-migration" }, { level: "warn" }) });
    return await run(server.url);
  } finally {
    await server?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const migrationsDir = path.join(root, "prisma", "migrations");
  let name: string;
  try {
    name = validateMigrationName(process.argv[2]);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }

  const result = await withDatabaseServer((databaseUrl) => createMigration({ name, schemaPath: path.join(root, "prisma", "schema.prisma"), migrationsDir, databaseUrl }));
  if (!result.created) {
    console.log("No schema changes");
    return 0;
  }
  console.log(`Created ${path.relative(root, path.join(result.directory, "migration.sql"))}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`create-migration failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
