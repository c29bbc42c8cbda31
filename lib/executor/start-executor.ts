import { randomBytes } from "node:crypto";
import os from "node:os";
import { run, type Runner } from "graphile-worker";
import pg from "pg";
import type { ServiceContext } from "@/lib/actions/context";
import { expireOverdue } from "@/lib/actions/expire-overdue";
import { connectorForDomain } from "@/lib/connectors/registry";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { logger as rootLogger, type Logger } from "@/lib/log/logger";
import type { PolicySet } from "@/lib/policy/engine";
import { systemClock, type Clock } from "@/lib/time/clock";
import { EXECUTOR_ACTOR_ID, type ExecutorDeps, type ExecutorHooks } from "./context";
import { graphileLogger } from "./queue-schema";
import { ABANDONED_JOB_GRACE_SECONDS, recoverAbandonedJobs } from "./recover-abandoned-jobs";
import { startCheckpointer, type CheckpointOptions } from "./checkpointer";
import { configuredDeliveryKey, DeliveredSecretStore, discardExpiredSecrets, type SecretDelivery } from "./secret-delivery";
import { executorTasks } from "./tasks";

export interface ExecutorOptions {
  databaseUrl: string;
  logger?: Logger;
  /** Jobs this process runs at once; default 4. */
  concurrency?: number;
  /** Prisma client to use; by default the executor opens its own and closes it on stop. */
  db?: PrismaClient;
  clock?: Clock;
  /** Policy set for `execute`; by default the process's current policy set. */
  policies?: () => Promise<PolicySet>;
  connectorFor?: ExecutorDeps["connectorFor"];
  /** Receiver of secrets produced by apply; by default the encrypted store in the database (DeliveredSecretStore). */
  deliverSecret?: SecretDelivery;
  /** Deadline of each connector call in milliseconds; default 30 000. */
  callTimeoutMs?: number;
  /** Polling interval in milliseconds for jobs that LISTEN/NOTIFY does not announce (retries, run_at in the future); default 1 000. */
  pollIntervalMs?: number;
  /** Interval in milliseconds of the expiry sweep and the abandoned-job check; default 5 000. */
  sweepIntervalMs?: number;
  /** Seconds a job may run without its action lease before it counts as abandoned; default ABANDONED_JOB_GRACE_SECONDS. */
  abandonedJobGraceSeconds?: number;
  hooks?: ExecutorHooks;
  /** Writes signed audit checkpoints in the background; off when unset. */
  auditCheckpoints?: CheckpointOptions;
}

export interface Executor {
  /** Recorded as `redeemedBy` on the grants this executor redeems. */
  workerId: string;
  /** Stops taking jobs, waits for running ones (graphile-worker aborts them after 5 s) and closes connections. */
  stop(): Promise<void>;
}

async function defaultPolicies(): Promise<PolicySet> {
  const { currentPolicySet } = await import("@/lib/policy/current");
  return currentPolicySet();
}

/**
 * Starts the executor: a graphile-worker runner for `execute_action` and `revert_action`,
 * woken by LISTEN/NOTIFY, plus a sweep every few seconds that expires overdue actions and
 * unlocks jobs of dead workers. Several executors may run against one database; jobs are
 * claimed with SKIP LOCKED and each action is leased to one of them at a time.
 * The graphile_worker schema must exist (ensureQueueSchema); run() also migrates it.
 */
export async function startExecutor(options: ExecutorOptions): Promise<Executor> {
  const concurrency = options.concurrency ?? 4;
  const logger = (options.logger ?? rootLogger).child({ component: "executor" });
  const workerId = `executor-${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  // Load the delivery key now: a rotation must not change a password and then find the key
  // unreadable when it seals the new one.
  if (!options.deliverSecret) await configuredDeliveryKey();
  const ownsDb = options.db === undefined;
  const db = options.db ?? createPrismaClient(options.databaseUrl, { max: concurrency + 2 });
  const lease = createClosablePool(options.databaseUrl, concurrency + 2);
  const leasePool = lease.pool;
  leasePool.on("error", (error: Error & { code?: string }) => logger.warn({ error: error.message, code: error.code }, "an idle lease connection failed"));
  // The queue's pool is created here, not by graphile-worker from a connection string, because
  // graphile-worker 0.16 does not wait for the pools it creates to end. Stopping the database
  // right after stop() would then end the queue's connections with 57P01 errors.
  const queue = createClosablePool(options.databaseUrl, concurrency + 2);
  queue.pool.on("error", (error: Error & { code?: string }) => logger.warn({ error: error.message, code: error.code }, "an idle queue connection failed"));

  const deps: ExecutorDeps = {
    db,
    leasePool,
    clock: options.clock ?? systemClock,
    logger,
    policies: options.policies ?? defaultPolicies,
    connectorFor: options.connectorFor ?? connectorForDomain,
    deliverSecret: options.deliverSecret ?? new DeliveredSecretStore(db, undefined, { clock: options.clock ?? systemClock }).deliver,
    workerId,
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
    ...(options.hooks ? { hooks: options.hooks } : {}),
  };

  let runner: Runner;
  try {
    runner = await run({
      pgPool: queue.pool,
      concurrency,
      noHandleSignals: true,
      pollInterval: options.pollIntervalMs ?? 1_000,
      taskList: executorTasks(deps),
      // Cordon schedules no recurring jobs; an empty crontab stops graphile-worker looking for a file.
      crontab: "",
      logger: graphileLogger(logger.child({ component: "queue" })),
    });
  } catch (error) {
    await lease.close();
    await queue.close();
    if (ownsDb) await db.$disconnect();
    throw error;
  }
  runner.promise.catch((error: unknown) => logger.error({ err: error }, "the job runner stopped with an error"));

  const sweeper = startSweeper(deps, options.sweepIntervalMs ?? 5_000, options.abandonedJobGraceSeconds ?? ABANDONED_JOB_GRACE_SECONDS);
  const checkpointer = options.auditCheckpoints ? startCheckpointer(db, deps.clock, logger.child({ component: "audit" }), options.auditCheckpoints) : null;
  logger.info({ workerId, concurrency }, "executor started");

  let stopping: Promise<void> | undefined;
  return {
    workerId,
    stop() {
      stopping ??= (async () => {
        await sweeper.stop();
        await checkpointer?.stop();
        await runner.stop();
        await queue.close();
        await lease.close();
        if (ownsDb) await db.$disconnect();
        logger.info({ workerId }, "executor stopped");
      })();
      return stopping;
    },
  };
}

/**
 * Creates a pg pool whose close() resolves once every connection's socket has closed. The
 * end() of pg-pool 3 resolves as soon as it has asked its idle clients to end, so a database
 * stopped right after would still find their connections open and end them with 57P01.
 */
function createClosablePool(connectionString: string, max: number): { pool: pg.Pool; close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString, max });
  const open = new Set<pg.PoolClient>();
  let drained: (() => void) | undefined;
  pool.on("connect", (client) => open.add(client));
  pool.on("remove", (client) => {
    open.delete(client);
    if (open.size === 0) drained?.();
  });

  return {
    pool,
    async close() {
      const closed = open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      await pool.end();
      await closed;
    },
  };
}

/** Runs the expiry sweep and the abandoned-job check now and then every `intervalMs`, never two at once. */
function startSweeper(deps: ExecutorDeps, intervalMs: number, graceSeconds: number): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const sweep = () => {
    if (running) return;
    running = sweepOnce(deps, graceSeconds).finally(() => {
      running = null;
    });
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  sweep();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

async function sweepOnce(deps: ExecutorDeps, graceSeconds: number): Promise<void> {
  try {
    const context: ServiceContext = {
      db: deps.db,
      clock: deps.clock,
      actor: { type: "system", id: EXECUTOR_ACTOR_ID },
      requestId: `sweep:${Date.now()}`,
      logger: deps.logger,
      policies: await deps.policies(),
    };
    const expired = await expireOverdue(context);
    if (expired.expiredUndecided + expired.expiredUnexecuted > 0) deps.logger.info(expired, "expired overdue actions");
    const discarded = await discardExpiredSecrets(context);
    if (discarded > 0) deps.logger.info({ discarded }, "discarded rotated credentials whose pickup window ended before an approver viewed them");
  } catch (error) {
    deps.logger.error({ err: error }, "expiry sweep failed; it runs again at the next interval");
  }
  try {
    const workers = await recoverAbandonedJobs(deps.leasePool, graceSeconds);
    if (workers.length > 0) deps.logger.warn({ workers }, "unlocked the jobs of workers that stopped while holding them");
  } catch (error) {
    deps.logger.error({ err: error }, "abandoned-job check failed; it runs again at the next interval");
  }
}
