import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/client";
import { logger } from "@/lib/log/logger";
import { registerPool } from "./sql";

const log = logger.child({ component: "db" });

export { Prisma } from "./generated/client";
export type { PrismaClient } from "./generated/client";
export type {
  User,
  PersonalAccessToken,
  WorkloadClient,
  ApiKey,
  Domain,
  Incident,
  Action,
  PolicyDecision as PolicyDecisionRow,
  Approval,
  Grant,
  Execution,
  AuditEvent,
} from "./generated/client";

/** A Prisma client or the transaction client inside `$transaction`. */
export type Db = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/**
 * Creates a Prisma client on a pool that `sqlTransaction` shares, so the hot path's plain SQL
 * and Prisma's queries draw on the same connections. Disconnecting the client ends the pool.
 */
export function createPrismaClient(connectionString: string, options: { max?: number } = {}): PrismaClient {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle connection that the server closes (a restart, a dropped database) emits 'error' on
  // the pool, which would end the process without a listener. The pool replaces the connection.
  // Only the message and code are logged: the error carries the whole client, settings included.
  pool.on("error", (error: Error & { code?: string }) => {
    const fields = { error: error.message, code: error.code };
    // While the pool ends, a server that stops first closes connections that are closing anyway.
    if (pool.ending) log.debug(fields, "a database connection closed while the pool was ending");
    else log.warn(fields, "an idle database connection failed; the pool replaces it");
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  registerPool(prisma, pool);

  // Prisma ends the pool only when it connected itself, and plain SQL may have been its only use.
  const disconnect = prisma.$disconnect.bind(prisma);
  prisma.$disconnect = async () => {
    await disconnect();
    if (!pool.ended) await pool.end();
  };
  return prisma;
}

const globalForPrisma = globalThis as unknown as { cordonPrisma?: PrismaClient };

/**
 * The process-wide client, created on first use from DATABASE_URL. Start-up sets
 * DATABASE_URL to the embedded server's URL when Cordon runs on the embedded database.
 */
export function getPrisma(): PrismaClient {
  if (!globalForPrisma.cordonPrisma) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start Cordon with `npm start` or set DATABASE_URL");
    globalForPrisma.cordonPrisma = createPrismaClient(url);
  }
  return globalForPrisma.cordonPrisma;
}

export async function disconnectPrisma(): Promise<void> {
  await globalForPrisma.cordonPrisma?.$disconnect();
  globalForPrisma.cordonPrisma = undefined;
}
