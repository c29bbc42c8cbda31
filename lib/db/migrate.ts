import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { MigrationScript, MigrationsList } from "@/lib/db/schema-engine";
import type { Logger } from "@/lib/log/logger";

/**
 * Key of the session-level advisory lock that serialises migration runs across Cordon
 * instances. The value is "cordon" in ASCII, so it is recognisable in pg_locks. It differs
 * from the key the schema engine locks on its own connection (72707369), because waiting
 * for that one from a second connection would block the engine.
 */
export const MIGRATION_LOCK_KEY = 0x636f72646f6e;

/** Default wait for another instance's migration run: long enough for large migrations, bounded so a stuck run surfaces. */
const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60 * 1000;

const MIGRATIONS_TABLE = "_prisma_migrations";
const LOCKFILE = "migration_lock.toml";

export class MigrationError extends Error {
  override readonly name = "MigrationError";

  constructor(
    message: string,
    /** The migration that failed, or null when the run failed before or outside one. */
    readonly migrationName: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface MigrateOptions {
  databaseUrl: string;
  migrationsDir: string;
  logger: Logger;
  /** How long to wait for another instance's migration run, in milliseconds. */
  lockTimeoutMs?: number;
}

export interface MigrationStatus {
  applied: { name: string; finishedAt: Date }[];
  pending: string[];
  failed: string[];
}

interface HistoryRow {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Reads a migrations folder in Prisma's layout: `<timestamp>_<name>/migration.sql` plus migration_lock.toml. */
export async function readMigrationsDir(migrationsDir: string): Promise<MigrationsList> {
  const baseDir = path.resolve(migrationsDir);
  let entries;
  try {
    entries = await fs.readdir(baseDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new MigrationError(`migrations folder not found: ${baseDir}`, null);
    throw error;
  }

  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: MigrationScript[] = [];
  for (const name of names) {
    const file = path.join(baseDir, name, "migration.sql");
    try {
      migrations.push({ name, sql: await fs.readFile(file, "utf8") });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new MigrationError(`migration ${name} has no migration.sql (expected ${file})`, name);
      throw error;
    }
  }

  const lockfile = await fs.readFile(path.join(baseDir, LOCKFILE), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  return { baseDir, lockfile, migrations };
}

/** Reads `_prisma_migrations`, or returns null when the table does not exist yet. */
async function readHistory(client: pg.Client): Promise<HistoryRow[] | null> {
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [MIGRATIONS_TABLE]);
  if (!rows[0]?.exists) return null;
  const history = await client.query<HistoryRow>(`SELECT migration_name, finished_at, rolled_back_at FROM "${MIGRATIONS_TABLE}" ORDER BY started_at, migration_name`);
  return history.rows;
}

/**
 * Classifies migrations as `prisma migrate deploy` does: a row with `finished_at` set is
 * applied, a row with neither `finished_at` nor `rolled_back_at` is a failed attempt, and
 * rolled-back rows are ignored, so their migration is pending again.
 */
function classify(names: string[], history: HistoryRow[] | null): MigrationStatus {
  const applied: MigrationStatus["applied"] = [];
  const failed: string[] = [];
  for (const row of history ?? []) {
    if (row.rolled_back_at) continue;
    if (row.finished_at) applied.push({ name: row.migration_name, finishedAt: row.finished_at });
    else if (!failed.includes(row.migration_name)) failed.push(row.migration_name);
  }
  const done = new Set([...applied.map((migration) => migration.name), ...failed]);
  return { applied, pending: names.filter((name) => !done.has(name)), failed };
}

/** Reports which migrations of the folder the database has applied, which are pending and which failed. */
export async function migrationStatus(options: { databaseUrl: string; migrationsDir: string }): Promise<MigrationStatus> {
  const list = await readMigrationsDir(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    return classify(
      list.migrations.map((migration) => migration.name),
      await readHistory(client),
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Holds the migration advisory lock on a dedicated connection while `run` executes. A second
 * instance waits here until the first releases the lock (or its connection closes) and
 * gives up with a MigrationError after `timeoutMs`.
 */
async function withMigrationLock<T>(databaseUrl: string, timeoutMs: number, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT set_config('lock_timeout', $1, false)", [`${Math.max(1, Math.ceil(timeoutMs))}ms`]);
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    } catch (error) {
      if ((error as pg.DatabaseError).code !== "55P03") throw error;
      throw new MigrationError(
        `timed out after ${timeoutMs} ms waiting for another Cordon instance to finish migrating (advisory lock ${MIGRATION_LOCK_KEY}). Retry when it has finished.`,
        null,
        { cause: error },
      );
    }
    await client.query("SELECT set_config('lock_timeout', '0', false)");

    try {
      return await run(client);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function failedEarlierError(name: string): MigrationError {
  return new MigrationError(
    `migration ${name} failed in an earlier run, so no migration is applied. Its transaction was rolled back: fix its migration.sql, ` +
      `mark the failed attempt with UPDATE ${MIGRATIONS_TABLE} SET rolled_back_at = now() WHERE migration_name = '${name}' AND finished_at IS NULL, then start again`,
    name,
  );
}

async function applyUnderLock(client: pg.Client, list: MigrationsList, databaseUrl: string, log: Logger): Promise<string[]> {
  const names = list.migrations.map((migration) => migration.name);
  const history = await readHistory(client);
  const before = classify(names, history);
  const earlierFailure = before.failed[0];
  if (earlierFailure) throw failedEarlierError(earlierFailure);
  // Skipping the engine when nothing is pending keeps restarts cheap. With no table yet the
  // engine still runs, so it creates `_prisma_migrations` as the CLI would.
  if (history && before.pending.length === 0) return [];

  // Loaded here so that migrationStatus, which the health check calls, never loads the engine.
  const { applyMigrations, SchemaEngineError } = await import("@/lib/db/schema-engine");
  try {
    return await applyMigrations(list, databaseUrl, log);
  } catch (error) {
    const failed = classify(names, await readHistory(client)).failed[0];
    const engineError = error instanceof SchemaEngineError ? error : undefined;
    if (failed) {
      const reason = engineError?.scriptError ? `${engineError.scriptError.message} (SQLSTATE ${engineError.scriptError.code ?? "unknown"})` : (error as Error).message;
      throw new MigrationError(`migration ${failed} failed and was rolled back: ${reason}`, failed, { cause: error });
    }
    const code = engineError?.code ? ` [${engineError.code}]` : "";
    throw new MigrationError(`applying migrations failed${code}: ${(error as Error).message}`, null, { cause: error });
  }
}

/**
 * Applies the pending migrations of `migrationsDir` through the WebAssembly schema engine,
 * leaving `_prisma_migrations` as `prisma migrate deploy` would. Concurrent calls, in this
 * process or in other instances, run one at a time, and later ones find nothing to apply.
 * A failing migration is rolled back and raises a MigrationError that names it.
 */
export async function migrate(options: MigrateOptions): Promise<{ applied: string[] }> {
  const log = options.logger.child({ component: "migrations" });
  const startedAt = Date.now();
  const list = await readMigrationsDir(options.migrationsDir);
  log.info({ migrationsDir: list.baseDir, migrations: list.migrations.length }, "migration run started");

  try {
    const applied = await withMigrationLock(options.databaseUrl, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, (client) =>
      applyUnderLock(client, list, options.databaseUrl, log),
    );
    log.info({ applied, durationMs: Date.now() - startedAt }, "migration run finished");
    return { applied };
  } catch (error) {
    const migration = error instanceof MigrationError ? error.migrationName : null;
    log.error({ migration, error: (error as Error).message, durationMs: Date.now() - startedAt }, "migration run failed");
    throw error;
  }
}
