import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { PrismaClient, User } from "@/lib/db/client";
import type { Logger } from "@/lib/log/logger";
import { MAX_PASSWORD_LENGTH, verifyAgainstDummy, verifyPassword } from "./password";

/** Failures allowed before the account locks; each further failure doubles the lock. */
export const FREE_FAILURES = 5;
const BASE_LOCK_SECONDS = 30;
const MAX_LOCK_SECONDS = 3600;

export function lockSecondsAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_LOCK_SECONDS, BASE_LOCK_SECONDS * 2 ** (failures - FREE_FAILURES));
}

export type SignInResult = { ok: true; user: User } | { ok: false; reason: "invalid" | "locked" };

/**
 * Checks a local account's email and password with lockout and exponential backoff after
 * repeated failures (ASVS 2.2.1). Failures and lockouts are logged and audited; the caller
 * shows one generic message whatever the reason.
 */
export async function signInWithPassword(db: PrismaClient, email: string, password: string, now: Date, logger: Logger): Promise<SignInResult> {
  const normalised = email.trim().toLowerCase();
  if (password.length > MAX_PASSWORD_LENGTH || normalised.length > 320) return { ok: false, reason: "invalid" };
  const user = await db.user.findUnique({ where: { email: normalised } });
  if (!user || !user.passwordHash || user.disabled) {
    await verifyAgainstDummy(password);
    logger.warn({ reason: user ? "no_password_or_disabled" : "unknown_email" }, "sign-in failed");
    return { ok: false, reason: "invalid" };
  }
  if (user.lockedUntil && user.lockedUntil > now) {
    logger.warn({ userId: user.id, lockedUntil: user.lockedUntil.toISOString() }, "sign-in attempt on a locked account");
    return { ok: false, reason: "locked" };
  }

  if (await verifyPassword(user.passwordHash, password)) {
    const updated = await db.user.update({ where: { id: user.id }, data: { failedSignIns: 0, lockedUntil: null, lastSignInAt: now } });
    logger.info({ userId: user.id }, "signed in");
    return { ok: true, user: updated };
  }

  await auditedTransaction(db, async (tx) => {
    const [row] = await tx.$queryRaw<{ failedSignIns: number }[]>`
      UPDATE users SET "failedSignIns" = "failedSignIns" + 1 WHERE id = ${user.id}::uuid RETURNING "failedSignIns"`;
    const failures = row?.failedSignIns ?? 1;
    const lockSeconds = lockSecondsAfter(failures);
    if (lockSeconds > 0) {
      await tx.user.update({ where: { id: user.id }, data: { lockedUntil: new Date(now.getTime() + lockSeconds * 1000) } });
      await recordAudit(tx, { occurredAt: now, actor: { type: "person", id: user.id }, eventType: "person.locked_out", payload: { failures, lockSeconds } });
    }
    logger.warn({ userId: user.id, failures, lockSeconds }, "sign-in failed: wrong password");
  });
  return { ok: false, reason: "invalid" };
}
