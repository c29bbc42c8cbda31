import { sqlOf, sqlTime, type Queryable } from "@/lib/db/sql";

export const EXECUTE_ACTION_TASK = "execute_action";
export const REVERT_ACTION_TASK = "revert_action";

/** Attempts per job before graphile-worker gives up; its backoff waits about exp(attempt) seconds between them. */
export const MAX_JOB_ATTEMPTS = 5;

export interface ActionJobPayload {
  actionId: string;
}

export function executeJobKey(actionId: string): string {
  return `execute:${actionId}`;
}

export function revertJobKey(actionId: string): string {
  return `revert:${actionId}`;
}

/**
 * Queues the execution of an approved action through `tx`, so the job exists exactly when
 * the approval commits: call it in the transaction that mints the grant. The job key makes it
 * one job per action. Workers are woken by the NOTIFY that graphile-worker sends on commit.
 * Needs the graphile_worker schema (see ensureQueueSchema).
 */
export async function enqueueExecution(tx: Queryable, actionId: string): Promise<void> {
  await addJob(tx, EXECUTE_ACTION_TASK, actionId, executeJobKey(actionId), null);
}

/**
 * Queues the revert of a reversible action for `runAt` (its effectEndsAt). Queuing again
 * with another time moves the same job, so extending an effect needs only another call.
 */
export async function enqueueRevert(tx: Queryable, actionId: string, runAt: Date): Promise<void> {
  await addJob(tx, REVERT_ACTION_TASK, actionId, revertJobKey(actionId), runAt);
}

// job_key_mode 'replace' updates a queued job with the same key. If that job is running,
// graphile-worker queues a new one, which finds the action's state and skips or resumes.
const ADD_JOB = `
  SELECT id::text AS id
    FROM graphile_worker.add_job(
           identifier => $1::text,
           payload => $2::json,
           run_at => $3::timestamptz,
           max_attempts => $4::int,
           job_key => $5::text,
           job_key_mode => 'replace')`;

async function addJob(tx: Queryable, task: string, actionId: string, jobKey: string, runAt: Date | null): Promise<void> {
  const payload = JSON.stringify({ actionId } satisfies ActionJobPayload);
  await sqlOf(tx).query(ADD_JOB, [task, payload, runAt === null ? null : sqlTime(runAt), MAX_JOB_ATTEMPTS, jobKey]);
}
