import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { Db } from "@/lib/db/client";
import type { Prisma } from "@/lib/db/generated/client";
import type { ActionState } from "@/lib/db/generated/enums";
import { ActionStateConflict } from "@/lib/errors";
import type { Json } from "@/lib/util/canonical-json";
import { actorRef, type ServiceContext } from "./context";
import { OPEN_STATES, canTransition } from "./state-machine";

/** The columns of an action that a transition reads. */
export interface ActionSnapshot {
  id: string;
  state: ActionState;
  version: number;
  incidentId: string;
  domainName: string;
}

/**
 * Moves an action from its current state to `to` with compare-and-set on the version and
 * the state, and appends the audit event in the same transaction. Every state change of an
 * action goes through here, so the version check and the audit event cannot be skipped.
 */
export async function transitionAction(
  tx: Db,
  context: Pick<ServiceContext, "clock" | "actor" | "correlationId" | "requestId">,
  action: ActionSnapshot,
  to: ActionState,
  options: { data?: Prisma.ActionUpdateManyMutationInput; reason?: string; payload?: Record<string, Json> } = {},
): Promise<number> {
  if (!canTransition(action.state, to)) {
    throw new ActionStateConflict(`action ${action.id} is ${action.state} and cannot become ${to}`, { actionId: action.id, state: action.state });
  }

  const closes = !OPEN_STATES.includes(to);
  const updated = await tx.action.updateMany({
    where: { id: action.id, version: action.version, state: action.state },
    data: {
      ...options.data,
      state: to,
      version: { increment: 1 },
      ...(closes ? { openKey: null } : {}),
      ...(options.reason !== undefined ? { stateReason: options.reason } : {}),
    },
  });
  if (updated.count !== 1) {
    throw new ActionStateConflict(`action ${action.id} was changed by another request; reload it and try again`, { actionId: action.id });
  }

  await recordAudit(tx, {
    occurredAt: context.clock.now(),
    actor: actorRef(context.actor),
    eventType: `action.${to}`,
    actionId: action.id,
    incidentId: action.incidentId,
    domain: action.domainName,
    correlationId: context.correlationId ?? context.requestId,
    payload: { from: action.state, to, ...(options.reason !== undefined ? { reason: options.reason } : {}), ...options.payload },
  });
  return action.version + 1;
}
