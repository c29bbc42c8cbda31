import { randomUUID } from "node:crypto";
import type { AuditEvent } from "@/lib/db/generated/client";
import { sqlJson, sqlOf, sqlTime, type Queryable, type Sql } from "@/lib/db/sql";
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
export async function appendAuditEvent(tx: Queryable, input: AuditEventInput, options: AppendAuditOptions = {}): Promise<AuditEventRecord> {
  const [record] = await appendAuditEvents(tx, [input], options);
  if (!record) throw new Error("appendAuditEvents returned no record for one input");
  return record;
}

/**
 * Appends a batch of audit events in the caller's transaction and returns them in input
 * order. Events of one chain keep their input order. Each chain's head is locked once and its
 * events are inserted with one multi-row INSERT.
 */
export async function appendAuditEvents(tx: Queryable, inputs: readonly AuditEventInput[], options: AppendAuditOptions = {}): Promise<AuditEventRecord[]> {
  if (inputs.length === 0) return [];
  if (inputs.length > MAX_AUDIT_BATCH) {
    throw new ValidationFailed(`too many audit events in one batch: ${inputs.length}, the maximum is ${MAX_AUDIT_BATCH}; split the batch`);
  }
  const events = normaliseBatch(inputs, options.clock ?? systemClock);
  const sql = sqlOf(tx);

  const transactionId = options.insideTransaction ? null : await requireTransaction(sql);

  // Chains are locked in one fixed order, so two calls that share chains cannot deadlock on
  // their heads. A transaction that appends several times can still lock them in another order.
  const byChain = groupByChain(events);
  const chains = [...byChain.keys()].sort();
  const stored = new Map<string, AuditEventRecord>();
  for (const chain of chains) {
    const members = byChain.get(chain) ?? [];
    for (const record of await appendToChain(sql, chain, members, transactionId)) stored.set(record.id, record);
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
async function requireTransaction(sql: Sql): Promise<string> {
  const rows = await sql.query<{ id: string }>("SELECT pg_current_xact_id()::text AS id");
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
async function reserveSequences(sql: Sql, chain: string, count: number, transactionId: string | null): Promise<{ sequence: number; hash: string }> {
  const rows = await sql.query<{ sequence: number; hash: string }>(RESERVE_SEQUENCES, [chain, count, GENESIS_HASH, transactionId]);
  const head = rows[0];
  if (!head) throw new AuditTransactionRequired("appendAuditEvent must be called with a transaction client, inside the transaction that makes the change it records");
  return head;
}

const RESERVE_SEQUENCES = `
  INSERT INTO audit_chain_heads (chain, sequence, hash, "updatedAt")
  SELECT $1::text, $2::integer, $3::text, now() AT TIME ZONE 'UTC'
   WHERE $4::xid8 IS NULL OR pg_current_xact_id() = $4::xid8
  ON CONFLICT (chain) DO UPDATE
    SET sequence = audit_chain_heads.sequence + EXCLUDED.sequence, "updatedAt" = EXCLUDED."updatedAt"
  RETURNING sequence, hash`;

// One statement for any number of events (the arrays are columns), so it is prepared once per
// connection. It also moves the chain head's hash to the last inserted event. The returned
// columns are listed so that a column added later cannot change a prepared statement's result.
const INSERT_EVENTS = `
  WITH inserted AS (
    INSERT INTO audit_events (id, chain, sequence, "occurredAt", "actorType", "actorId", "eventType", "actionId",
                              "incidentId", domain, "correlationId", source, payload, "prevHash", hash)
    SELECT id, $1::text, sequence, "occurredAt", "actorType", "actorId", "eventType", "actionId",
           "incidentId", domain, "correlationId", source, payload, "prevHash", hash
      FROM unnest($2::uuid[], $3::integer[], $4::timestamp(3)[], $5::"ActorType"[], $6::text[], $7::text[], $8::uuid[],
                  $9::uuid[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::text[], $15::text[])
        AS e(id, sequence, "occurredAt", "actorType", "actorId", "eventType", "actionId",
             "incidentId", domain, "correlationId", source, payload, "prevHash", hash)
    RETURNING id, chain, sequence, "occurredAt", "actorType", "actorId", "eventType", "actionId", "incidentId", domain,
              "correlationId", source, payload, "prevHash", hash, "createdAt"
  ), head AS (
    UPDATE audit_chain_heads SET hash = $16::text WHERE chain = $1::text
  )
  SELECT * FROM inserted`;

async function appendToChain(sql: Sql, chain: string, events: readonly PendingEvent[], transactionId: string | null): Promise<AuditEventRecord[]> {
  const head = await reserveSequences(sql, chain, events.length, transactionId);

  let sequence = head.sequence - events.length;
  let prevHash = head.hash;
  const columns = Array.from({ length: 14 }, (): unknown[] => []);
  for (const event of events) {
    sequence += 1;
    const hash = auditEventHash({ ...event, sequence, prevHash });
    const row = [
      event.id,
      sequence,
      sqlTime(event.occurredAt),
      event.actorType,
      event.actorId,
      event.eventType,
      event.actionId,
      event.incidentId,
      event.domain,
      event.correlationId,
      event.source,
      sqlJson(event.payload),
      prevHash,
      hash,
    ];
    row.forEach((value, index) => columns[index]!.push(value));
    prevHash = hash;
  }

  return sql.query<AuditEventRecord>(INSERT_EVENTS, [chain, ...columns, prevHash]);
}
