import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { PrismaClient, WorkloadClient } from "@/lib/db/client";
import { RateLimited } from "@/lib/errors";
import type { Logger } from "@/lib/log/logger";

/** A client that is rate limited this many times within an hour is flagged on the console. */
export const FLOOD_VIOLATIONS_PER_HOUR = 10;

/**
 * Charges one token from the client's bucket, stored in PostgreSQL so the limit holds across
 * app instances. The bucket holds `rateLimitPerMinute` tokens and refills continuously.
 * On an empty bucket it records a violation, flags the client after repeated violations
 * (a compromised automation flooding approvers with proposals) and throws RateLimited (429).
 */
export async function consumeRateLimit(db: PrismaClient, client: WorkloadClient, bucket: string, now: Date, logger: Logger): Promise<void> {
  const capacity = client.rateLimitPerMinute;
  const refillPerSecond = capacity / 60;

  const outcome = await auditedTransaction(db, async (tx) => {
    await tx.$executeRaw`
      INSERT INTO rate_limit_buckets ("clientId", name, tokens, "updatedAt") VALUES (${client.id}::uuid, ${bucket}, ${capacity}, ${now})
      ON CONFLICT ("clientId", name) DO NOTHING`;
    const [row] = await tx.$queryRaw<{ tokens: number; updatedAt: Date }[]>`
      SELECT tokens, "updatedAt" FROM rate_limit_buckets WHERE "clientId" = ${client.id}::uuid AND name = ${bucket} FOR UPDATE`;
    const elapsedSeconds = Math.max(0, (now.getTime() - row!.updatedAt.getTime()) / 1000);
    const available = Math.min(capacity, row!.tokens + elapsedSeconds * refillPerSecond);
    const allowed = available >= 1;
    await tx.$executeRaw`
      UPDATE rate_limit_buckets SET tokens = ${allowed ? available - 1 : available}, "updatedAt" = ${now}
       WHERE "clientId" = ${client.id}::uuid AND name = ${bucket}`;
    if (allowed) return { allowed, retryAfter: 0, flagged: false };

    await tx.rateLimitViolation.create({ data: { clientId: client.id, createdAt: now } });
    const recent = await tx.rateLimitViolation.count({ where: { clientId: client.id, createdAt: { gt: new Date(now.getTime() - 3_600_000) } } });
    let flagged = false;
    if (recent >= FLOOD_VIOLATIONS_PER_HOUR) {
      const updated = await tx.workloadClient.updateMany({ where: { id: client.id, floodFlaggedAt: null }, data: { floodFlaggedAt: now } });
      flagged = updated.count === 1;
      if (flagged) {
        await recordAudit(tx, {
          occurredAt: now,
          actor: { type: "system", id: "rate-limiter" },
          eventType: "client.flood_flagged",
          payload: { clientId: client.id, clientName: client.name, violationsInLastHour: recent },
        });
      }
    }
    return { allowed, retryAfter: Math.max(1, Math.ceil((1 - available) / refillPerSecond)), flagged };
  });

  if (outcome.allowed) return;
  if (outcome.flagged) logger.warn({ clientId: client.id }, "workload client flagged for flooding proposals");
  throw new RateLimited(`client ${client.name} exceeded ${capacity} ${bucket} per minute; retry after ${outcome.retryAfter} s`, outcome.retryAfter);
}
