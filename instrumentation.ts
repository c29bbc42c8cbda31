/**
 * Next.js calls register() once when the server starts, before it serves requests. In the
 * Node.js runtime it installs the connector planner, creates the job queue's schema (approvals
 * queue jobs even when this process runs no worker) and, with CORDON_WORKER=on, starts the
 * executor, whose stop the server awaits on shutdown.
 * Modules are imported inside the runtime check so the Edge bundle never includes them.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;

  const [{ getConfig }, { logger: rootLogger }, { setPlanner }, { createConnectorPlanner }] = await Promise.all([
    import("@/lib/config"),
    import("@/lib/log/logger"),
    import("@/lib/connectors/planner"),
    import("@/lib/connectors/connector-planner"),
  ]);
  const logger = rootLogger.child({ component: "instrumentation" });
  setPlanner(createConnectorPlanner());

  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    logger.warn("DATABASE_URL is not set, so the job queue and the executor are not started; start Cordon with `npm start`");
    return;
  }

  const { ensureQueueSchema } = await import("@/lib/executor/queue-schema");
  await ensureQueueSchema(databaseUrl, rootLogger);
  if (getConfig().worker !== "on") {
    logger.info("CORDON_WORKER is off: approved actions wait for a separate `cordon worker` process");
    return;
  }

  const [{ startExecutor }, { getPrisma }, { registerBackgroundService }, { configuredAuditSigner }] = await Promise.all([
    import("@/lib/executor/start-executor"),
    import("@/lib/db/client"),
    import("@/lib/runtime/background"),
    import("@/lib/audit/checkpoint-key"),
  ]);
  const executor = await startExecutor({ databaseUrl, logger: rootLogger, db: getPrisma(), auditCheckpoints: { signer: configuredAuditSigner } });
  registerBackgroundService("executor", executor.stop);
}
