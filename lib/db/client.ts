import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";

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

export function createPrismaClient(connectionString: string, options: { max?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString, max: options.max ?? 10 });
  return new PrismaClient({ adapter });
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
