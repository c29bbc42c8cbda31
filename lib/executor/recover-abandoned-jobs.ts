import type pg from "pg";
import { EXECUTE_ACTION_TASK, REVERT_ACTION_TASK } from "./enqueue";
import { LEASE_LOCK_CLASS } from "./lease";

/** A running job must have taken its action's lease within this time; see acquireActionLease. */
export const ABANDONED_JOB_GRACE_SECONDS = 30;

/**
 * Unlocks the jobs of workers that died while running one of Cordon's jobs, so another
 * worker retries them within seconds. graphile-worker 0.16 alone unlocks such jobs only
 * after 4 hours. A job counts as abandoned when it has been locked for longer than the grace
 * period while no session holds its action's lease, which PostgreSQL drops with the
 * connection of a dead worker. Returns the worker ids it unlocked.
 * NOTE: force_unlock_workers frees every job of those workers. Should one still be alive,
 * its other jobs may run twice; the action lease and the idempotent steps make that harmless.
 */
export async function recoverAbandonedJobs(pool: pg.Pool, graceSeconds = ABANDONED_JOB_GRACE_SECONDS): Promise<string[]> {
  const { rows } = await pool.query<{ worker: string }>(
    `SELECT DISTINCT jobs.locked_by AS worker
       FROM graphile_worker.jobs AS jobs
      WHERE jobs.task_identifier = ANY($1::text[])
        AND jobs.locked_by IS NOT NULL
        AND jobs.key IS NOT NULL
        AND jobs.locked_at < now() - make_interval(secs => $2::int)
        AND NOT EXISTS (
              SELECT 1 FROM pg_locks AS locks
               WHERE locks.locktype = 'advisory'
                 AND locks.granted
                 AND locks.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND locks.classid = $3::int::oid
                 AND locks.objid = hashtext(split_part(jobs.key, ':', 2))::oid
                 AND locks.objsubid = 2)`,
    [[EXECUTE_ACTION_TASK, REVERT_ACTION_TASK], graceSeconds, LEASE_LOCK_CLASS],
  );
  const workers = rows.map((row) => row.worker);
  if (workers.length > 0) await pool.query("SELECT graphile_worker.force_unlock_workers($1::text[])", [workers]);
  return workers;
}
