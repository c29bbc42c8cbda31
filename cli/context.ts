import path from "node:path";
import { ConfigError, parseConfig, type Config } from "@/lib/config";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { startEmbeddedPostgres, type EmbeddedServer } from "@/lib/db/embedded";
import { waitForDatabase } from "@/lib/db/wait";
import { logger as rootLogger, type Logger } from "@/lib/log/logger";

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "..");
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");

/** A failure the CLI reports as one line and exit code 1. */
export class CliError extends Error {
  override readonly name = "CliError";
}

export interface CliDatabase {
  url: string;
  prisma(): PrismaClient;
  close(): Promise<void>;
}

export function loadConfig(): Config {
  try {
    return parseConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

export function cliLogger(config: Config): Logger {
  // The CLI's own output is for people and scripts; logs go to stderr only at warn and above.
  rootLogger.level = process.env.CORDON_LOG_LEVEL ? config.logLevel : "warn";
  return rootLogger;
}

/**
 * Opens the database the app uses: DATABASE_URL, or the embedded server of the data dir,
 * joined when the app is running and started for the length of the command otherwise.
 */
export async function openCliDatabase(config: Config, logger: Logger): Promise<CliDatabase> {
  let embedded: EmbeddedServer | null = null;
  let url = config.databaseUrl;
  if (url) {
    await waitForDatabase(url, config.dbConnectTimeoutSeconds, logger);
  } else {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, logger });
    url = embedded.url;
  }
  process.env.DATABASE_URL = url;
  let client: PrismaClient | null = null;
  return {
    url,
    prisma() {
      client ??= createPrismaClient(url, { max: 2 });
      return client;
    },
    async close() {
      await client?.$disconnect();
      await embedded?.stop();
    },
  };
}
