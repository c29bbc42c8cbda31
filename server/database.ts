import path from "node:path";
import type { Config } from "@/lib/config";
import { startEmbeddedPostgres, type EmbeddedServer } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { waitForDatabase } from "@/lib/db/wait";
import { ensureQueueSchema } from "@/lib/executor/queue-schema";
import type { Logger } from "@/lib/log/logger";

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), "..", "prisma", "migrations");

export interface Database {
  url: string;
  embedded: EmbeddedServer | null;
}

/**
 * Connects to the configured PostgreSQL, or starts the embedded one, and applies pending
 * migrations. Sets DATABASE_URL for the rest of the process (route handlers, the executor).
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let embedded: EmbeddedServer | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, logger });
    url = embedded.url;
  } else {
    await waitForDatabase(url, config.dbConnectTimeoutSeconds, logger.child({ component: "database" }));
    logger.info({ component: "database" }, "connected to PostgreSQL from DATABASE_URL");
  }
  process.env.DATABASE_URL = url;

  try {
    await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR, logger });
    await ensureQueueSchema(url, logger);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return { url, embedded };
}
