import type { Db, PrismaClient } from "@/lib/db/client";
import { appendAuditEvents, type AuditEventInput } from "./append";

/**
 * Audit events of one transaction, appended together just before it commits. Appending
 * once per transaction locks each chain head once and for the shortest time, so concurrent
 * transactions on one incident wait less, and the events still commit or roll back with
 * the change they record.
 */
class AuditTrail {
  private readonly events: AuditEventInput[] = [];

  add(input: AuditEventInput): void {
    this.events.push(input);
  }

  async flush(tx: Db): Promise<void> {
    const pending = this.events.splice(0);
    if (pending.length > 0) await appendAuditEvents(tx, pending, { insideTransaction: true });
  }
}

const trails = new WeakMap<object, AuditTrail>();

/**
 * Runs `work` in a transaction whose audit events, recorded with `recordAudit`, are appended
 * in one batch before the commit. Use it for every state change.
 */
export async function auditedTransaction<T>(db: PrismaClient, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    const trail = new AuditTrail();
    trails.set(tx, trail);
    const result = await work(tx);
    await trail.flush(tx);
    return result;
  });
}

/**
 * Records an audit event in the caller's transaction: buffered when the transaction was
 * opened with `auditedTransaction`, appended at once otherwise.
 */
export async function recordAudit(tx: Db, input: AuditEventInput): Promise<void> {
  const trail = trails.get(tx);
  if (trail) trail.add(input);
  else await appendAuditEvents(tx, [input]);
}
