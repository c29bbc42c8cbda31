import { auditedTransaction } from "@/lib/audit/trail";
import { NotFound } from "@/lib/errors";
import type { ServiceContext } from "./context";
import { lockAction } from "./lock-action";
import { loadActionView, type ActionView } from "./read-action";
import { transitionAction } from "./transition";

/** Cancels a pending action; only the workload that proposed it may. */
export async function cancelAction(context: ServiceContext, actionId: string, reason = "cancelled by the proposing workload"): Promise<ActionView> {
  await auditedTransaction(context.db, async (tx) => {
    const action = await lockAction(tx, actionId);
    const isProposer = context.actor.type === "workload" && context.actor.client.id === action.requestedByClientId;
    // 404, not 403: another client must not learn that the id exists.
    if (!isProposer) throw new NotFound(`action ${actionId} not found`, { actionId });
    await transitionAction(tx, context, action, "cancelled", { reason });
  });
  return loadActionView(context.db, actionId);
}
