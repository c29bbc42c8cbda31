import { auditedTransaction } from "@/lib/audit/trail";
import { NotFound } from "@/lib/errors";
import type { ServiceContext } from "./context";
import { lockAction } from "./lock-action";
import { loadActionView, type ActionView } from "./read-action";
import type { CancelActionBody } from "./schemas";
import { transitionAction } from "./transition";

/** State reason of an action cancelled without a reason of its own. */
export const DEFAULT_CANCEL_REASON = "cancelled by the proposing workload";

/**
 * Cancels a pending action; only the workload that proposed it may. The reason, or the default
 * one, becomes the action's state reason and goes into the `action.cancelled` audit event.
 */
export async function cancelAction(context: ServiceContext, actionId: string, body: CancelActionBody = {}): Promise<ActionView> {
  const reason = body.reason ?? DEFAULT_CANCEL_REASON;

  await auditedTransaction(context.db, async (tx) => {
    const action = await lockAction(tx, actionId);
    const isProposer = context.actor.type === "workload" && context.actor.client.id === action.requestedByClientId;
    // 404, not 403: another client must not learn that the id exists.
    if (!isProposer) throw new NotFound(`action ${actionId} not found`, { actionId });
    await transitionAction(tx, context, action, "cancelled", { reason });
  });
  return loadActionView(context.db, actionId);
}
