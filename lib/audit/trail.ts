import type { Db, PrismaClient } from "@/lib/db/client";
import { sqlTransaction, type PgTransaction, type Queryable } from "@/lib/db/sql";
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

  async flush(tx: Queryable): Promise<void> {
    const pending = this.events.splice(0);
    if (pending.length > 0) await appendAuditEvents(tx, pending, { insideTransaction: true });
  }
}

const trails = new WeakMap<object, AuditTrail>();

async function withTrail<Tx extends Queryable, T>(tx: Tx, work: (tx: Tx) => Promise<T>): Promise<T> {
  const trail = new AuditTrail();
  trails.set(tx, trail);
  const result = await work(tx);
  await trail.flush(tx);
  return result;
}

/**
 * Runs `work` in a Prisma transaction whose audit events, recorded with `recordAudit`, are
 * appended in one batch before the commit. Use it for every state change.
 */
export async function auditedTransaction<T>(db: PrismaClient, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.$transaction((tx) => withTrail(tx, work));
}

/** `auditedTransaction` for plain SQL (lib/db/sql.ts), which the lifecycle's hot path uses. */
export async function auditedSqlTransaction<T>(db: PrismaClient, work: (tx: PgTransaction) => Promise<T>): Promise<T> {
  return sqlTransaction(db, (tx) => withTrail(tx, work));
}

/**
 * Records an audit event in the caller's transaction: buffered when the transaction was
 * opened with `auditedTransaction` or `auditedSqlTransaction`, appended at once otherwise.
 */
export async function recordAudit(tx: Queryable, input: AuditEventInput): Promise<void> {
  const trail = trails.get(tx);
  if (trail) trail.add(input);
  else await appendAuditEvents(tx, [input]);
}
