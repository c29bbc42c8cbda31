import { auditedTransaction } from "@/lib/audit/trail";
import type { ServiceContext } from "./context";
import { lockAction } from "./lock-action";
import { transitionAction } from "./transition";

export interface SweepResult {
  expiredUndecided: number;
  expiredUnexecuted: number;
}

/**
 * Moves overdue actions to `expired`: pending ones past their decision deadline, and
 * approved ones whose execution window closed before the executor redeemed the grant.
 * Candidates are claimed with FOR UPDATE SKIP LOCKED and changed with compare-and-set, so
 * several processes can sweep at once without blocking or double-expiring.
 */
export async function expireOverdue(context: ServiceContext, batchSize = 100): Promise<SweepResult> {
  const now = context.clock.now();
  return auditedTransaction(context.db, async (tx) => {
    const undecided = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM actions
       WHERE state = 'pending' AND "decisionDeadline" <= ${now}
       ORDER BY "decisionDeadline"
       LIMIT ${batchSize}
         FOR UPDATE SKIP LOCKED`;
    const unexecuted = await tx.$queryRaw<{ id: string }[]>`
      SELECT a.id FROM actions a
       WHERE a.state = 'approved'
         AND EXISTS (SELECT 1 FROM grants g WHERE g."actionId" = a.id AND g."redeemedAt" IS NULL AND g."expiresAt" <= ${now})
       LIMIT ${batchSize}
         FOR UPDATE OF a SKIP LOCKED`;

    for (const { id } of undecided) {
      const action = await lockAction(tx, id);
      await transitionAction(tx, context, action, "expired", { reason: "no decision before the decision deadline" });
    }
    for (const { id } of unexecuted) {
      const action = await lockAction(tx, id);
      await transitionAction(tx, context, action, "expired", { reason: "the execution window closed before execution" });
    }
    return { expiredUndecided: undecided.length, expiredUnexecuted: unexecuted.length };
  });
}
