import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import { hashPassword } from "@/lib/auth/password";
import type { AdminContext } from "@/lib/users/admin-context";
import { createUser } from "@/lib/users/create-user";
import type { DemoAccounts } from "./demo-accounts-file";

/**
 * Creates the demo people that do not exist yet, with the passwords of the accounts file.
 * When the file was just generated, people that already exist get the new password, because
 * the old one was lost with the old file. Otherwise existing people are left as they are, so a
 * role changed in the console survives a restart.
 */
export async function ensureDemoPeople(context: AdminContext, demo: DemoAccounts): Promise<void> {
  for (const account of demo.accounts) {
    const existing = await context.db.user.findUnique({ where: { email: account.email }, select: { id: true } });
    if (!existing) {
      await createUser(context, { email: account.email, displayName: account.displayName, roles: account.roles, password: account.password });
      continue;
    }
    if (!demo.created) continue;

    const passwordHash = await hashPassword(account.password);
    const now = context.clock.now();
    await context.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: existing.id }, data: { passwordHash, failedSignIns: 0, lockedUntil: null, updatedAt: now } });
      await appendAuditEvent(tx, {
        occurredAt: now,
        actor: actorRef(context.actor),
        eventType: "user.password_reset",
        correlationId: context.requestId,
        payload: { userId: existing.id, email: account.email, reason: "new demo accounts file" },
      });
    });
    context.logger.info({ userId: existing.id }, "demo person given the password of the new demo accounts file");
  }
}
