import { InvalidArgumentError, type Command } from "commander";
import { ensureQueueSchema } from "@/lib/executor/queue-schema";
import { configuredAuditSigner } from "@/lib/audit/checkpoint-key";
import { startExecutor } from "@/lib/executor/start-executor";
import { logger as rootLogger } from "@/lib/log/logger";
import { loadConfig, openCliDatabase } from "../context";

const MAX_CONCURRENCY = 64;

function parseConcurrency(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1 || parsed > MAX_CONCURRENCY) {
    throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_CONCURRENCY}`);
  }
  return parsed;
}

/** Resolves with the first SIGINT or SIGTERM the process receives. */
function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export function registerWorkerCommands(program: Command): void {
  program
    .command("worker")
    .description("execute approved actions and revert expired effects until SIGINT or SIGTERM; run it beside web servers started with CORDON_WORKER=off")
    .option("--concurrency <n>", `jobs this worker runs at once, 1 to ${MAX_CONCURRENCY}`, parseConcurrency, 4)
    .action(async (options: { concurrency: number }) => {
      const config = loadConfig();
      // A long-running worker logs at the configured level, unlike one-shot commands.
      rootLogger.level = config.logLevel;
      const database = await openCliDatabase(config, rootLogger);
      try {
        await ensureQueueSchema(database.url, rootLogger);
        const executor = await startExecutor({ databaseUrl: database.url, logger: rootLogger, concurrency: options.concurrency, auditCheckpoints: { signer: configuredAuditSigner } });
        const signal = await waitForStopSignal();
        rootLogger.info({ component: "worker", signal }, "stopping the worker; connector calls still running after 5 s are aborted and their jobs retried later");
        await executor.stop();
      } finally {
        await database.close();
      }
    });
}
