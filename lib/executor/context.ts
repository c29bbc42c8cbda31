import type pg from "pg";
import type { ServiceContext } from "@/lib/actions/context";
import type { Connector } from "@/lib/connectors/types";
import type { Domain, PrismaClient } from "@/lib/db/client";
import type { Logger } from "@/lib/log/logger";
import type { PolicySet } from "@/lib/policy/engine";
import type { Clock } from "@/lib/time/clock";
import type { SecretDelivery } from "./secret-delivery";

/** The actor id of every transition and audit event the executor makes. */
export const EXECUTOR_ACTOR_ID = "executor";

/** Points where tests stop a job on purpose, to prove that a retry resumes correctly. */
export interface ExecutorHooks {
  /** Runs after apply returned and was recorded, before verify. */
  afterApply?(actionId: string): void | Promise<void>;
}

/** Dependencies of the job handlers; startExecutor builds them once per process. */
export interface ExecutorDeps {
  db: PrismaClient;
  /** Connections that hold the per-action leases (see acquireActionLease). */
  leasePool: pg.Pool;
  clock: Clock;
  logger: Logger;
  /** The policy set to evaluate `execute` against, read at each job so a reload takes effect. */
  policies(): Promise<PolicySet>;
  connectorFor(domain: Domain): Promise<Connector>;
  deliverSecret: SecretDelivery;
  /** Recorded as `redeemedBy` of the grants this process redeems. */
  workerId: string;
  /** Deadline of each connector call (plan, apply, verify, revert) in milliseconds. */
  callTimeoutMs: number;
  hooks?: ExecutorHooks;
}

/** One run of a job, as graphile-worker reports it. */
export interface JobRun {
  jobId: string;
  /** 1 on the first run; graphile-worker counts the current run. */
  attempt: number;
  maxAttempts: number;
  /** Aborts when the worker shuts down. */
  signal?: AbortSignal;
}

export function isLastAttempt(run: JobRun): boolean {
  return run.attempt >= run.maxAttempts;
}

/**
 * Builds the service context of one job run, in which the executor acts as the system
 * principal. Its logger carries the job's and the action's ids on every line.
 */
export async function executorContext(deps: ExecutorDeps, run: JobRun, task: string, action: { id: string; incidentId: string }): Promise<ServiceContext> {
  const requestId = `${task}:${run.jobId}:${run.attempt}`;
  return {
    db: deps.db,
    clock: deps.clock,
    actor: { type: "system", id: EXECUTOR_ACTOR_ID },
    requestId,
    logger: deps.logger.child({ requestId, actionId: action.id, incidentId: action.incidentId }),
    policies: await deps.policies(),
  };
}
