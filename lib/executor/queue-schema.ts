import { Logger as GraphileLogger, runMigrations, type LogFunctionFactory } from "graphile-worker";
import type { Logger } from "@/lib/log/logger";

/** Sends graphile-worker's log lines to pino, with its scope (worker id, job id, task) as fields. */
export function graphileLogger(logger: Logger): GraphileLogger {
  const factory: LogFunctionFactory = (scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta };
    switch (level as string) {
      case "error":
        logger.error(fields, message);
        break;
      case "warning":
        logger.warn(fields, message);
        break;
      case "info":
        logger.info(fields, message);
        break;
      default:
        logger.debug(fields, message);
    }
  };
  return new GraphileLogger(factory);
}

/**
 * Creates or upgrades graphile-worker's own schema (`graphile_worker`) in the database, so
 * `graphile_worker.add_job` exists before the first approval queues a job. Run it after
 * Cordon's Prisma migrations, in the web server and in every worker. Concurrent runs are
 * safe because graphile-worker records each migration under a primary key.
 */
export async function ensureQueueSchema(databaseUrl: string, logger?: Logger): Promise<void> {
  await runMigrations({
    connectionString: databaseUrl,
    maxPoolSize: 1,
    ...(logger ? { logger: graphileLogger(logger.child({ component: "queue" })) } : { logger: new GraphileLogger(() => () => undefined) }),
  });
}
