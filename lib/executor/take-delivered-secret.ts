import { actorRef, type ServiceContext } from "@/lib/actions/context";
import { AuditEventType } from "@/lib/audit/event-types";
import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { DeliveredSecret } from "@/lib/connectors/types";
import type { Db, User } from "@/lib/db/client";
import { Forbidden, NotFound } from "@/lib/errors";
import { CREDENTIAL_DISCARDED_EVENT, DeliveredSecretStore, DeliveredSecretUnreadable, type TakenSecrets } from "./secret-delivery";

/** Audit event type of a secret handed to an approver; its payload names the execution and the label, never the value. */
export const CREDENTIAL_DELIVERED_EVENT = "credential.delivered";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One message for a secret that was taken, has expired or was never produced, so a caller
// cannot probe which of them applies.
const NOTHING_WAITING = "no new credential is waiting for this action: it was already shown, or its 10-minute pickup window passed";

/**
 * Throws Forbidden unless `user` approved the action in its current round and still has the
 * approver role. A drift starts a new round (one per `action.drifted` event, as recordApproval
 * counts them), so an approval of a plan that was replaced does not count.
 */
async function assertApprovedBy(db: Db, actionId: string, user: User): Promise<void> {
  if (!user.roles.includes("approver")) throw new Forbidden("only a person with the approver role can receive a rotated credential", { actionId });

  const round = await db.auditEvent.count({ where: { actionId, eventType: AuditEventType.actionDrifted } });
  const approval = await db.approval.findFirst({ where: { actionId, round, approverId: user.id, decision: "approve" }, select: { id: true } });
  if (!approval) throw new Forbidden("only a person who approved this action can receive its rotated credential", { actionId });
}

/**
 * Hands the secret that an apply of the action produced (a rotated password) to a person who
 * approved the action, once, and records `credential.delivered` with the execution id and
 * the secret's label. Only a console session qualifies, because a personal access token could
 * be used by a script that stores the response.
 * Throws Forbidden for anyone else and NotFound when no secret is waiting.
 */
export async function takeDeliveredSecret(context: ServiceContext, actionId: string, store = new DeliveredSecretStore(context.db)): Promise<DeliveredSecret> {
  const { actor } = context;
  if (actor.type !== "person" || actor.via !== "session") throw new Forbidden("a rotated credential is shown only to a person signed in to the console", { actionId });
  if (!UUID.test(actionId)) throw new NotFound(`action ${actionId} not found`, { actionId });

  const action = await context.db.action.findUnique({ where: { id: actionId }, select: { id: true, incidentId: true, domain: { select: { name: true } } } });
  if (!action) throw new NotFound(`action ${actionId} not found`, { actionId });
  await assertApprovedBy(context.db, action.id, actor.user);

  // The secret is deleted in the transaction that records its delivery, so two concurrent
  // requests cannot both receive it. If the audit event cannot be written, the deletion rolls
  // back and the secret waits for another try.
  const delivered = await auditedTransaction(context.db, async (tx) => {
    let secrets: TakenSecrets;
    try {
      secrets = await store.take(tx, action.id);
    } catch (error) {
      if (error instanceof DeliveredSecretUnreadable) context.logger.error({ actionId: action.id, reason: error.message }, "a delivered credential could not be decrypted");
      throw error;
    }
    const newest = secrets.delivered;
    if (!newest) throw new NotFound(NOTHING_WAITING, { actionId });

    const shared = { occurredAt: context.clock.now(), actionId: action.id, incidentId: action.incidentId, domain: action.domain.name, correlationId: context.correlationId ?? context.requestId };
    await recordAudit(tx, { ...shared, actor: actorRef(actor), eventType: CREDENTIAL_DELIVERED_EVENT, payload: { executionId: newest.executionId, label: newest.secret.label } });
    for (const discarded of secrets.discarded) {
      await recordAudit(tx, { ...shared, actor: { type: "system", id: "cordon" }, eventType: CREDENTIAL_DISCARDED_EVENT, payload: discarded });
    }
    return newest;
  });

  context.logger.info({ actionId: action.id, executionId: delivered.executionId }, "rotated credential shown to an approver");
  return delivered.secret;
}
