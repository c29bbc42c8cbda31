import { createHash } from "node:crypto";
import pg from "pg";
import type { Db, PrismaClient } from "./client";

/**
 * Plain SQL with positional parameters. The lifecycle's hot path (propose, approve, redeem)
 * runs on it directly over node-postgres. On the machine in docs/benchmarks.md, a Prisma 7
 * query cost three to four times the CPU of the same statement sent by `pg`, and that CPU was
 * most of an action's cost. Other callers pass a Prisma transaction, and the same statements
 * run through `$queryRawUnsafe`.
 *
 * Parameters are strings, numbers, booleans, null or arrays of strings. Callers send instants
 * as ISO 8601 text (see `sqlTime`) and JSON as text cast with `::jsonb`, so both drivers send
 * the same values. Columns of type `timestamp` hold UTC and come back as Dates from both.
 */
export interface Sql {
  query<Row>(text: string, values?: readonly unknown[]): Promise<Row[]>;
}

const TIMESTAMP_OID = 1114;

// node-postgres would read a `timestamp` as local time; Cordon stores UTC in them, as Prisma does.
const UTC_TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TIMESTAMP_OID) return (text: string) => new Date(`${text.replace(" ", "T")}Z`);
    return pg.types.getTypeParser(oid, format as "text");
  },
};

/** Statement names, so each connection parses and plans a hot statement once. */
const statementNames = new Map<string, string>();

/**
 * Statements are fixed texts in the code, plus a few shapes of the transition UPDATE. Past
 * this many distinct texts a statement is sent unnamed, so a caller that builds texts at run
 * time cannot make every connection keep an unbounded number of prepared statements.
 */
const MAX_NAMED_STATEMENTS = 200;

// The name derives from the text, not from a counter: connections are shared by the copies of
// this module that Next.js bundles separately, and a name must mean one text on a connection.
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `cordon_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
    statementNames.set(text, name);
  }
  return name;
}

async function run<Row>(target: pg.Pool | pg.PoolClient, text: string, values: readonly unknown[]): Promise<Row[]> {
  const result = await target.query({ name: statementName(text), text, values: [...values], types: UTC_TYPES });
  return result.rows as Row[];
}

// Kept on globalThis because Next.js bundles instrumentation and each route separately, each
// with its own copy of this module, while getPrisma() returns one client to all of them.
const globalForPools = globalThis as unknown as { cordonSqlPools?: WeakMap<PrismaClient, pg.Pool> };
const pools = (globalForPools.cordonSqlPools ??= new WeakMap<PrismaClient, pg.Pool>());

/** Records the pool under a Prisma client so `sqlTransaction` can use the same connections. */
export function registerPool(prisma: PrismaClient, pool: pg.Pool): void {
  pools.set(prisma, pool);
}

function poolOf(db: PrismaClient): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("plain SQL needs a client made by createPrismaClient, which owns its connection pool");
  return pool;
}

/** Single statements on `db`'s pool, each in its own implicit transaction. */
export function pooledSql(db: PrismaClient): Sql {
  const pool = poolOf(db);
  return { query: <Row>(text: string, values: readonly unknown[] = []) => run<Row>(pool, text, values) };
}

/** A transaction on one pooled connection, opened by `sqlTransaction`. */
export class PgTransaction implements Sql {
  constructor(private readonly client: pg.PoolClient) {}

  query<Row>(text: string, values: readonly unknown[] = []): Promise<Row[]> {
    return run<Row>(this.client, text, values);
  }
}

/** A Prisma client, a Prisma transaction, or a transaction opened by `sqlTransaction`. */
export type Queryable = Db | PgTransaction;

const prismaSql = new WeakMap<object, Sql>();

/**
 * Returns the SQL interface of `db`. A client made by createPrismaClient sends through its pool
 * directly; a Prisma transaction sends through `$queryRawUnsafe`, inside the transaction.
 */
export function sqlOf(db: Queryable): Sql {
  if (db instanceof PgTransaction) return db;
  if (pools.has(db as PrismaClient)) return pooledSql(db as PrismaClient);
  let sql = prismaSql.get(db);
  if (!sql) {
    sql = { query: <Row>(text: string, values: readonly unknown[] = []) => db.$queryRawUnsafe<Row[]>(text, ...values) };
    prismaSql.set(db, sql);
  }
  return sql;
}

/** Formats an instant as the text both drivers send for a `timestamp` parameter. */
export function sqlTime(date: Date): string {
  return date.toISOString();
}

/** Reads a `timestamp` that PostgreSQL wrote into JSON: UTC, without a zone. */
export function jsonTime(text: string): Date;
export function jsonTime(text: string | null): Date | null;
export function jsonTime(text: string | null): Date | null {
  return text === null ? null : new Date(`${text}Z`);
}

/** Encodes a JSON value as the text of a `::jsonb` parameter. */
export function sqlJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * Runs `work` in a transaction on a connection of `db`'s pool, committing when it returns and
 * rolling back when it throws. A connection whose ROLLBACK fails is discarded, not reused.
 */
export async function sqlTransaction<T>(db: PrismaClient, work: (tx: PgTransaction) => Promise<T>): Promise<T> {
  const client = await poolOf(db).connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(new PgTransaction(client));
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * True for a unique-constraint violation: 23505 from node-postgres, P2002 from a Prisma model
 * query, or P2010 (a failed raw query through Prisma) whose driver error is 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  if (code === "23505" || code === "P2002") return true;
  return code === "P2010" && meta?.driverAdapterError?.cause?.originalCode === "23505";
}
