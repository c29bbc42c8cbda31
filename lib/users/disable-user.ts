import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import type { User } from "@/lib/db/client";
import { NotFound } from "@/lib/errors";
import { requireAdministrator, type AdminContext } from "./admin-context";
import { parseAdminInput } from "./parse-admin-input";
import { ZEmail } from "./schemas";

export interface DisableUserResult {
  user: User;
  /** False when the person was already disabled; then nothing is written. */
  changed: boolean;
}

/**
 * Disables a person, with the `user.disabled` audit event in the same transaction. Sessions
 * and personal access tokens stop working on the next request, because both check the flag.
 * Throws NotFound for an unknown email.
 */
export async function disableUser(context: AdminContext, email: string): Promise<DisableUserResult> {
  requireAdministrator(context.actor, "disabling a person");
  const address = parseAdminInput(ZEmail, email, "email");
  const now = context.clock.now();

  const result = await context.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email: address } });
    if (!user) throw new NotFound(`no person has the email ${address}`);

    // The condition on `disabled` makes a concurrent second call a no-op, so the audit trail records one change.
    const { count } = await tx.user.updateMany({ where: { id: user.id, disabled: false }, data: { disabled: true, updatedAt: now } });
    if (count === 0) return { user, changed: false };

    await appendAuditEvent(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: "user.disabled",
      correlationId: context.requestId,
      payload: { userId: user.id, email: user.email },
    });
    return { user: { ...user, disabled: true, updatedAt: now }, changed: true };
  });

  if (result.changed) context.logger.info({ userId: result.user.id }, "person disabled");
  return result;
}
