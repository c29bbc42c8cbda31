import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";
import * as wasmBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import { withDatabase } from "@/lib/db/url";
import type { Logger } from "@/lib/log/logger";

// Drives Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm) through
// the pg driver adapter, so migrations never need the native engine that the Prisma CLI
// downloads. Two behaviours of @prisma/adapter-pg 7.10.1 are corrected in `wrapAdapter`
// below: it cannot read PostgreSQL's internal "char" type, and it runs scripts statement
// by statement outside any transaction.

/** One migration folder: `<timestamp>_<name>` and the text of its migration.sql. */
export interface MigrationScript {
  name: string;
  sql: string;
}

/** The contents of a migrations folder in Prisma's layout. */
export interface MigrationsList {
  /** Absolute path of the folder, which the engine shows in messages only. */
  baseDir: string;
  /** Text of migration_lock.toml, or null when the file is missing. */
  lockfile: string | null;
  /** Migrations sorted by name, which is the order they are applied in. */
  migrations: MigrationScript[];
}

/** PostgreSQL error raised by a migration script, kept because the engine reports it without its SQLSTATE. */
export interface ScriptError {
  code: string | undefined;
  message: string;
}

export class SchemaEngineError extends Error {
  override readonly name = "SchemaEngineError";

  constructor(
    message: string,
    /** Prisma error code (for example P1012 for an invalid schema, P3009 for a failed migration). */
    readonly code: string | undefined,
    /** The PostgreSQL error of the migration script that failed, if one did. */
    readonly scriptError: ScriptError | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SCHEMA_FILE_NAME = "schema.prisma";
const NO_FILTERS = { externalTables: [], externalEnums: [] };
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

// --- WebAssembly module --------------------------------------------------------------------

type WasmBindings = typeof wasmBindings;
let loadingWasm: Promise<WasmBindings> | undefined;

/** Last panic message of the engine; the generated bindings report panics to this global. */
const panicRegistry = {
  lastMessage: null as string | null,
  set_message(message: string) {
    this.lastMessage = message;
  },
};

async function instantiateWasm(): Promise<WasmBindings> {
  const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: typeof panicRegistry };
  globals.PRISMA_WASM_PANIC_REGISTRY ??= panicRegistry;

  const require = createRequire(import.meta.url);
  const wasmPath = path.join(path.dirname(require.resolve("@prisma/schema-engine-wasm")), "schema_engine_bg.wasm");
  const imports = { "./schema_engine_bg.js": wasmBindings as unknown as WebAssembly.ModuleImports };
  const { instance } = await WebAssembly.instantiate(await fs.readFile(wasmPath), imports);

  wasmBindings.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  return wasmBindings;
}

/** Instantiates the engine's WebAssembly module on first use; later calls share that instance. */
function loadWasm(): Promise<WasmBindings> {
  loadingWasm ??= instantiateWasm().catch((error: unknown) => {
    loadingWasm = undefined;
    throw error;
  });
  return loadingWasm;
}

// --- Driver adapter ------------------------------------------------------------------------

/** Indexes of "char" columns seen by the pool query that runs inside one `queryRaw` call. */
const charColumns = new AsyncLocalStorage<number[]>();

/**
 * Creates a pool whose query results report PostgreSQL's internal "char" type (OID 18, used
 * by catalog columns such as pg_constraint.contype) as text. adapter-pg 7.10.1 rejects that
 * type, which breaks every engine command that reads a database schema. `queryRawWithChar`
 * then marks those columns as `ColumnTypeEnum.Character`, the type the engine expects for them.
 */
function createPool(connectionString: string, logger: Logger | undefined): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 4 });
  pool.on("error", (error) => logger?.warn({ error: error.message }, "idle schema engine connection failed"));

  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const result = query(...args);
    const seen = charColumns.getStore();
    if (!seen || !(result instanceof Promise)) return result;
    return result.then((rows: pg.QueryResult) => {
      rows.fields.forEach((field, index) => {
        if (field.dataTypeID !== PG_CHAR_OID) return;
        field.dataTypeID = PG_TEXT_OID;
        seen.push(index);
      });
      return rows;
    });
  }) as typeof pool.query;
  return pool;
}

async function queryRawWithChar(adapter: SqlDriverAdapter, query: SqlQuery): Promise<SqlResultSet> {
  const seen: number[] = [];
  const result = await charColumns.run(seen, () => adapter.queryRaw(query));
  for (const index of seen) result.columnTypes[index] = ColumnTypeEnum.Character;
  return result;
}

function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof pg.DatabaseError)) return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: error.code ?? "N/A",
    severity: error.severity ?? "N/A",
    message: error.message,
    detail: error.detail,
    column: error.column,
    hint: error.hint,
  });
}

/**
 * Runs a whole migration script on one connection inside BEGIN/COMMIT, so a failing statement
 * rolls back the statements before it. adapter-pg splits scripts on every ";" (which breaks
 * string literals and function bodies) and sends each piece to any pool connection.
 * Statements that PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM)
 * therefore fail here.
 */
async function executeScriptInTransaction(pool: pg.Pool, script: string, onError: (error: ScriptError) => void): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    await client.query(script);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    const databaseError = error instanceof pg.DatabaseError ? error : undefined;
    onError({ code: databaseError?.code, message: (error as Error).message });
    throw toDriverAdapterError(error);
  } finally {
    client.release(broken);
  }
}

function wrapAdapter(adapter: SqlDriverAdapter, pool: pg.Pool, onScriptError: (error: ScriptError) => void, release: () => Promise<void>): SqlDriverAdapter {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => queryRawWithChar(adapter, query),
    executeRaw: (query) => adapter.executeRaw(query),
    executeScript: (script) => executeScriptInTransaction(pool, script, onScriptError),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    getConnectionInfo: () => adapter.getConnectionInfo?.() ?? { supportsRelationJoins: true },
    dispose: async () => {
      await adapter.dispose();
      await release();
    },
  };
}

// --- Engine sessions -----------------------------------------------------------------------

interface EngineSession {
  engine: wasmBindings.SchemaEngine;
  lastScriptError: () => ScriptError | null;
  close: () => Promise<void>;
}

function forwardEngineLog(logger: Logger | undefined): (line: string) => void {
  return (line) => {
    if (!logger) return;
    let entry: { level?: string; target?: string; fields?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      logger.debug({ engineLog: line.slice(0, 500) }, "schema engine log");
      return;
    }
    // The engine's fields include whole migration scripts; only the message is kept.
    const message = entry.fields?.message ?? "schema engine log";
    if (entry.level === "WARN" || entry.level === "ERROR") logger.warn({ engineTarget: entry.target }, message);
    else logger.debug({ engineTarget: entry.target }, message);
  };
}

async function openEngine(databaseUrl: string, logger: Logger | undefined): Promise<EngineSession> {
  const bindings = await loadWasm();
  const pool = createPool(databaseUrl, logger);
  const shadowDatabases = new Set<string>();
  let lastScriptError: ScriptError | null = null;
  const recordScriptError = (error: ScriptError) => (lastScriptError = error);

  const dropShadowDatabase = async (name: string) => {
    if (!shadowDatabases.delete(name)) return;
    await pool.query(`DROP DATABASE IF EXISTS "${name}"`);
  };

  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect: async () => wrapAdapter(await new PrismaPg(pool).connect(), pool, recordScriptError, async () => undefined),
    // Commands that diff from a migrations folder replay it in a throwaway database on the
    // same server, as `prisma migrate dev` does. This needs the CREATEDB privilege.
    connectToShadowDb: async () => {
      const name = `cordon_shadow_${randomBytes(8).toString("hex")}`;
      await pool.query(`CREATE DATABASE "${name}"`);
      shadowDatabases.add(name);
      const shadowPool = createPool(withDatabase(databaseUrl, name), logger);
      const release = async () => {
        await shadowPool.end();
        await dropShadowDatabase(name);
      };
      return wrapAdapter(await new PrismaPg(shadowPool).connect(), shadowPool, recordScriptError, release);
    },
  };

  let engine: wasmBindings.SchemaEngine;
  try {
    engine = await bindings.SchemaEngine.new({ datamodels: undefined }, forwardEngineLog(logger), bindMigrationAwareSqlAdapterFactory(factory));
  } catch (error) {
    await pool.end();
    throw toSchemaEngineError(error, null);
  }

  return {
    engine,
    lastScriptError: () => lastScriptError,
    close: async () => {
      // free() releases the engine's memory but leaves the pool open.
      engine.free();
      for (const name of [...shadowDatabases]) await dropShadowDatabase(name).catch(() => undefined);
      await pool.end();
    },
  };
}

/** Drops the Rust span trace that the engine appends to its messages. */
function firstLines(message: string): string {
  const lines = message.split("\n");
  const traceStart = lines.findIndex((line) => /^\s+\d+: /.test(line));
  return (traceStart === -1 ? lines : lines.slice(0, traceStart)).join("\n").trim();
}

function toSchemaEngineError(error: unknown, scriptError: ScriptError | null): SchemaEngineError {
  if (error instanceof SchemaEngineError) return error;
  if (error instanceof WebAssembly.RuntimeError) {
    // NOTE: after a panic the WebAssembly instance may be unusable, so restart the process.
    const panic = panicRegistry.lastMessage ?? error.message;
    return new SchemaEngineError(`schema engine panicked: ${firstLines(panic)}`, undefined, scriptError, { cause: error });
  }
  const code = typeof (error as { code?: unknown }).code === "string" ? (error as { code: string }).code : undefined;
  const message = error instanceof Error ? firstLines(error.message) : String(error);
  return new SchemaEngineError(message, code, scriptError, { cause: error });
}

async function withEngine<T>(databaseUrl: string, logger: Logger | undefined, run: (engine: wasmBindings.SchemaEngine) => Promise<T>): Promise<T> {
  const session = await openEngine(databaseUrl, logger);
  try {
    return await run(session.engine);
  } catch (error) {
    throw toSchemaEngineError(error, session.lastScriptError());
  } finally {
    await session.close();
  }
}

function toEngineMigrationsList(list: MigrationsList): wasmBindings.MigrationList {
  return {
    baseDir: list.baseDir,
    lockfile: { path: "migration_lock.toml", content: list.lockfile },
    shadowDbInitScript: "",
    migrationDirectories: list.migrations.map((migration) => ({
      path: migration.name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: migration.sql } },
    })),
  };
}

// --- Commands ------------------------------------------------------------------------------

/**
 * Returns the SQL script that turns a database matching `fromSchemaText` (null: an empty
 * database) into one matching `toSchemaText`. The engine needs a reachable database even
 * though it reads neither schema from it.
 */
export async function diffSchemas(fromSchemaText: string | null, toSchemaText: string, databaseUrl: string, logger?: Logger): Promise<string> {
  return withEngine(databaseUrl, logger, async (engine) => {
    const result = await engine.diff({
      from: fromSchemaText === null ? { tag: "empty" } : { tag: "schemaDatamodel", files: [{ path: SCHEMA_FILE_NAME, content: fromSchemaText }] },
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_FILE_NAME, content: toSchemaText }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    return result.stdout ?? "";
  });
}

/**
 * Returns the SQL script that turns a database built from `migrations` into one matching
 * `toSchemaText`. The engine replays the migrations in a shadow database created on the
 * server of `databaseUrl` and dropped afterwards.
 */
export async function diffMigrationsToSchema(migrations: MigrationsList, toSchemaText: string, databaseUrl: string, logger?: Logger): Promise<string> {
  return withEngine(databaseUrl, logger, async (engine) => {
    const result = await engine.diff({
      from: { tag: "migrations", ...toEngineMigrationsList(migrations) },
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_FILE_NAME, content: toSchemaText }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    return result.stdout ?? "";
  });
}

/**
 * Applies the migrations that `_prisma_migrations` does not list as finished, in name order,
 * and returns their names. The engine keeps `_prisma_migrations` as `prisma migrate deploy`
 * does. Each script runs in its own transaction. On failure the engine records the attempt
 * with `finished_at` null and the error thrown carries the PostgreSQL error.
 */
export async function applyMigrations(migrations: MigrationsList, databaseUrl: string, logger?: Logger): Promise<string[]> {
  return withEngine(databaseUrl, logger, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList: toEngineMigrationsList(migrations), filters: NO_FILTERS });
    return result.appliedMigrationNames;
  });
}

/** Checks whether a script from the engine contains only comments and blank lines. */
export function isEmptyMigrationScript(sql: string): boolean {
  return sql.split("\n").every((line) => line.trim() === "" || line.trim().startsWith("--"));
}
