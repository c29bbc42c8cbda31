import type pg from "pg";

/**
 * First key of the two-key advisory locks that mark an action as being executed or reverted
 * ("EXEC" in ASCII); the second key is hashtext(actionId). A hash collision only makes two
 * actions wait for each other.
 */
export const LEASE_LOCK_CLASS = 0x45584543;

/** Another worker holds the action's lease; the job is retried later. */
export class ActionBusy extends Error {
  override readonly name = "ActionBusy";
}

export interface ActionLease {
  release(): Promise<void>;
}

/**
 * Takes the action's lease: a session advisory lock on a connection held for the whole job.
 * PostgreSQL releases it when that connection ends, so a worker that dies (kill -9, lost host)
 * gives up the lease at once, and recoverAbandonedJobs can tell its job from a live one.
 * Throws ActionBusy when another session has it.
 */
export async function acquireActionLease(pool: pg.Pool, actionId: string): Promise<ActionLease> {
  const client = await pool.connect();
  let locked = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::int, hashtext($2::text)) AS locked", [LEASE_LOCK_CLASS, actionId]);
    locked = rows[0]?.locked === true;
  } catch (error) {
    client.release(true);
    throw error;
  }
  if (!locked) {
    client.release();
    throw new ActionBusy(`action ${actionId} is being executed or reverted by another worker`);
  }

  return {
    async release() {
      try {
        await client.query("SELECT pg_advisory_unlock($1::int, hashtext($2::text))", [LEASE_LOCK_CLASS, actionId]);
        client.release();
      } catch {
        // Destroying the connection ends the session, which releases its advisory locks.
        client.release(true);
      }
    },
  };
}
