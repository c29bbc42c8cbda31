import { randomUUID } from "node:crypto";
import { Prisma, type Db } from "@/lib/db/client";
import type { AuditEvent } from "@/lib/db/generated/client";
import { ValidationFailed } from "@/lib/errors";
import { systemClock, type Clock } from "@/lib/time/clock";
import { GENESIS_HASH, auditEventHash } from "./event-hash";
import { normaliseAuditEvent, type AuditEventInput, type NormalisedAuditEvent } from "./input";

export type { AuditActor, AuditEventInput } from "./input";
export { GLOBAL_CHAIN } from "./input";

/** A stored audit event, as Prisma returns a row of `audit_events`. */
export type AuditEventRecord = AuditEvent;

export interface AppendAuditOptions {
  /** Supplies `occurredAt` for inputs without one; the system clock by default. */
  clock?: Clock;
  /**
   * The caller opened the transaction itself (lib/audit/trail.ts does), so the check that
   * `tx` is inside one, which costs a query, is skipped.
   */
  insideTransaction?: boolean;
}

/** Maximum events per appendAuditEvents call, the size of one ingestion batch. */
export const MAX_AUDIT_BATCH = 1000;

/**
 * Appended outside a transaction. Appending takes several statements, and only a transaction
 * keeps them atomic with each other and with the state change the event records.
 */
export class AuditTransactionRequired extends Error {
  override readonly name = "AuditTransactionRequired";
}

/**
 * Appends one audit event in the caller's transaction, which must also make the state change
 * the event records: if the append fails, the transaction fails and the change is not made.
 * Throws ValidationFailed for an invalid input and AuditTransactionRequired when `tx` is not
 * inside a transaction.
 */
export async function appendAuditEvent(tx: Db, input: AuditEventInput, options: AppendAuditOptions = {}): Promise<AuditEventRecord> {
  const [record] = await appendAuditEvents(tx, [input], options);
  if (!record) throw new Error("appendAuditEvents returned no record for one input");
  return record;
}

/**
 * Appends a batch of audit events in the caller's transaction and returns them in input
 * order. Events of one chain keep their input order. Each chain's head is locked once and its
 * events are inserted with one multi-row INSERT.
 */
export async function appendAuditEvents(tx: Db, inputs: readonly AuditEventInput[], options: AppendAuditOptions = {}): Promise<AuditEventRecord[]> {
  if (inputs.length === 0) return [];
  if (inputs.length > MAX_AUDIT_BATCH) {
    throw new ValidationFailed(`too many audit events in one batch: ${inputs.length}, the maximum is ${MAX_AUDIT_BATCH}; split the batch`);
  }
  const events = normaliseBatch(inputs, options.clock ?? systemClock);

  const transactionId = options.insideTransaction ? null : await requireTransaction(tx);

  // Chains are locked in one fixed order, so two calls that share chains cannot deadlock on
  // their heads. A transaction that appends several times can still lock them in another order.
  const byChain = groupByChain(events);
  const chains = [...byChain.keys()].sort();
  const stored = new Map<string, AuditEventRecord>();
  for (const chain of chains) {
    const members = byChain.get(chain) ?? [];
    for (const record of await appendToChain(tx, chain, members, transactionId)) stored.set(record.id, record);
  }

  return events.map(({ id }) => {
    const record = stored.get(id);
    if (!record) throw new Error(`audit event ${id} was not returned by its INSERT`);
    return record;
  });
}

interface PendingEvent extends NormalisedAuditEvent {
  id: string;
}

function normaliseBatch(inputs: readonly AuditEventInput[], clock: Clock): PendingEvent[] {
  return inputs.map((input, index) => {
    try {
      return { id: randomUUID(), ...normaliseAuditEvent(input, clock) };
    } catch (error) {
      if (!(error instanceof ValidationFailed) || inputs.length === 1) throw error;
      const errors = error.errors.map((problem) => ({ ...problem, pointer: `/${index}${problem.pointer}` }));
      throw new ValidationFailed(`audit event ${index} of the batch: ${error.message}`, errors);
    }
  });
}

function groupByChain(events: readonly PendingEvent[]): Map<string, PendingEvent[]> {
  const byChain = new Map<string, PendingEvent[]>();
  for (const event of events) {
    const members = byChain.get(event.chain);
    if (members) members.push(event);
    else byChain.set(event.chain, [event]);
  }
  return byChain;
}

/**
 * Returns the id of the current transaction. The head lock below compares it with the id its
 * own statement runs in: outside a transaction every statement gets a new id, so the lock
 * matches no row and nothing is written.
 */
async function requireTransaction(tx: Db): Promise<string> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT pg_current_xact_id()::text AS id`;
  const id = rows[0]?.id;
  if (!id) throw new Error("PostgreSQL returned no transaction id");
  return id;
}

/**
 * Locks the chain's head row and reserves `count` sequence numbers in one statement. The row
 * lock is held until the caller's transaction ends, so appends to one chain run one at a time
 * while appends to other chains do not wait. Returns the last reserved sequence and the hash
 * of the event before the first reserved one.
 */
async function reserveSequences(tx: Db, chain: string, count: number, transactionId: string | null): Promise<{ sequence: number; hash: string }> {
  const rows = await tx.$queryRaw<{ sequence: number; hash: string }[]>`
    INSERT INTO audit_chain_heads (chain, sequence, hash, "updatedAt")
    SELECT ${chain}::text, ${count}::integer, ${GENESIS_HASH}::text, now() AT TIME ZONE 'UTC'
    WHERE ${transactionId}::xid8 IS NULL OR pg_current_xact_id() = ${transactionId}::xid8
    ON CONFLICT (chain) DO UPDATE
      SET sequence = audit_chain_heads.sequence + EXCLUDED.sequence, "updatedAt" = EXCLUDED."updatedAt"
    RETURNING sequence, hash`;
  const head = rows[0];
  if (!head) throw new AuditTransactionRequired("appendAuditEvent must be called with a transaction client, inside the transaction that makes the change it records");
  return head;
}

async function appendToChain(tx: Db, chain: string, events: readonly PendingEvent[], transactionId: string | null): Promise<AuditEventRecord[]> {
  const head = await reserveSequences(tx, chain, events.length, transactionId);

  let sequence = head.sequence - events.length;
  let prevHash = head.hash;
  const rows: Prisma.AuditEventCreateManyInput[] = [];
  for (const event of events) {
    sequence += 1;
    const hash = auditEventHash({ ...event, sequence, prevHash });
    rows.push({
      id: event.id,
      chain,
      sequence,
      occurredAt: event.occurredAt,
      actorType: event.actorType,
      actorId: event.actorId,
      eventType: event.eventType,
      actionId: event.actionId,
      incidentId: event.incidentId,
      domain: event.domain,
      correlationId: event.correlationId,
      source: event.source,
      payload: event.payload === null ? Prisma.JsonNull : (event.payload as Prisma.InputJsonValue),
      prevHash,
      hash,
    });
    prevHash = hash;
  }

  const records = await tx.auditEvent.createManyAndReturn({ data: rows });
  await tx.auditChainHead.update({ where: { chain }, data: { hash: prevHash } });
  return records;
}
