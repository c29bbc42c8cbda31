import type { Db } from "@/lib/db/client";
import type { AuditEvent } from "@/lib/db/generated/client";
import type { Json } from "@/lib/util/canonical-json";
import { GENESIS_HASH, auditEventHash } from "./event-hash";

export type AuditProblemKind = "gap" | "hash_mismatch" | "broken_link" | "reordered" | "head_mismatch";

/** The first problem found in a chain. */
export interface AuditChainProblem {
  /** The event at which the problem shows; null for a chain head with no events behind it. */
  eventId: string | null;
  sequence: number;
  kind: AuditProblemKind;
  detail: string;
}

export interface AuditChainReport {
  chain: string;
  /** Events read before the walk stopped: all of them when the chain is intact. */
  events: number;
  ok: boolean;
  problem?: AuditChainProblem;
}

/**
 * How far from its stored sequence a row's original sequence is searched for, to tell a
 * moved row (`reordered`) from an edited one (`hash_mismatch`). A row moved further is
 * reported as `hash_mismatch`.
 */
export const REORDER_SEARCH_WINDOW = 10_000;

type StoredEvent = Pick<
  AuditEvent,
  | "id"
  | "chain"
  | "sequence"
  | "occurredAt"
  | "actorType"
  | "actorId"
  | "eventType"
  | "actionId"
  | "incidentId"
  | "domain"
  | "correlationId"
  | "source"
  | "payload"
  | "prevHash"
  | "hash"
>;

interface ChainPosition {
  events: number;
  last: { id: string; sequence: number; hash: string } | null;
}

/**
 * Walks one chain in sequence order, `pageSize` rows at a time, recomputing every hash and
 * link, then compares the chain head with the last row. Stops at the first problem.
 */
export async function verifyChain(db: Db, chain: string, pageSize: number): Promise<AuditChainReport> {
  const position: ChainPosition = { events: 0, last: null };

  for (;;) {
    const problem = await walkRows(db, chain, pageSize, position);
    if (problem) return { chain, events: position.events, ok: false, problem };

    // The head is read after the rows. A head ahead of the last row read can mean events
    // appended since the walk began (each commits with its head update), so the walk resumes
    // and reports a deleted tail only when no further rows exist.
    const head = await db.auditChainHead.findUnique({ where: { chain }, select: { sequence: true, hash: true } });
    const lastSequence = position.last?.sequence ?? 0;
    if (head && head.sequence > lastSequence && (await hasRowsAfter(db, chain, position.last))) continue;

    const headProblem = compareHead(head, position.last);
    if (headProblem) return { chain, events: position.events, ok: false, problem: headProblem };
    return { chain, events: position.events, ok: true };
  }
}

async function walkRows(db: Db, chain: string, pageSize: number, position: ChainPosition): Promise<AuditChainProblem | null> {
  for (;;) {
    // The first page has no lower bound, so a forged row with sequence 0 or below is read too.
    const rows: StoredEvent[] = await db.auditEvent.findMany({
      where: position.last ? { chain, sequence: { gt: position.last.sequence } } : { chain },
      orderBy: { sequence: "asc" },
      take: pageSize,
    });

    for (const row of rows) {
      position.events += 1;
      const problem = checkRow(row, position.last);
      if (problem?.kind === "hash_mismatch") return classifyHashMismatch(db, row, problem);
      if (problem) return problem;
      position.last = { id: row.id, sequence: row.sequence, hash: row.hash };
    }
    if (rows.length < pageSize) return null;
  }
}

async function hasRowsAfter(db: Db, chain: string, last: ChainPosition["last"]): Promise<boolean> {
  const next = await db.auditEvent.findFirst({
    where: last ? { chain, sequence: { gt: last.sequence } } : { chain },
    select: { id: true },
  });
  return next !== null;
}

function checkRow(row: StoredEvent, previous: ChainPosition["last"]): AuditChainProblem | null {
  const expected = (previous?.sequence ?? 0) + 1;
  const at = { eventId: row.id, sequence: row.sequence };

  if (row.sequence > expected) {
    const missing = row.sequence === expected + 1 ? `${expected}` : `${expected} to ${row.sequence - 1}`;
    return { ...at, kind: "gap", detail: `sequence ${missing} missing before event ${row.id}` };
  }
  if (row.sequence < expected) {
    return { ...at, kind: "reordered", detail: `expected sequence ${expected}, found ${row.sequence}` };
  }

  if (hashAt(row, row.sequence) !== row.hash) {
    return { ...at, kind: "hash_mismatch", detail: "stored hash does not match the event's contents: the row was edited" };
  }

  const expectedPrevHash = previous?.hash ?? GENESIS_HASH;
  if (row.prevHash !== expectedPrevHash) {
    const link = previous ? `the hash of sequence ${previous.sequence}` : "the genesis hash";
    return { ...at, kind: "broken_link", detail: `prevHash ${row.prevHash} is not ${link} (${expectedPrevHash})` };
  }
  return null;
}

function hashAt(row: StoredEvent, sequence: number): string {
  return auditEventHash({ ...row, sequence, payload: row.payload as Json });
}

/**
 * Tells a moved row from an edited one. A row whose sequence was swapped with another's
 * still hashes correctly at its original sequence, which is another sequence of the same
 * chain, so only sequences up to the chain's highest are tried, nearest first.
 */
async function classifyHashMismatch(db: Db, row: StoredEvent, mismatch: AuditChainProblem): Promise<AuditChainProblem> {
  const highest = await db.auditEvent.aggregate({ where: { chain: row.chain }, _max: { sequence: true } });
  const lowest = Math.max(1, row.sequence - REORDER_SEARCH_WINDOW);
  const limit = Math.min(highest._max.sequence ?? row.sequence, row.sequence + REORDER_SEARCH_WINDOW);

  for (let distance = 1; row.sequence + distance <= limit || row.sequence - distance >= lowest; distance += 1) {
    for (const candidate of [row.sequence + distance, row.sequence - distance]) {
      if (candidate < lowest || candidate > limit || hashAt(row, candidate) !== row.hash) continue;
      return { ...mismatch, kind: "reordered", detail: `event was hashed at sequence ${candidate} but is stored at sequence ${row.sequence}` };
    }
  }
  return mismatch;
}

function compareHead(head: { sequence: number; hash: string } | null, last: ChainPosition["last"]): AuditChainProblem | null {
  if (!last) {
    if (!head) return null;
    return { eventId: null, sequence: head.sequence, kind: "head_mismatch", detail: `chain head is at sequence ${head.sequence} but the chain has no events` };
  }
  const at = { eventId: last.id, sequence: last.sequence, kind: "head_mismatch" as const };
  if (!head) return { ...at, detail: `the chain has events up to sequence ${last.sequence} but no chain head` };
  if (head.sequence > last.sequence) {
    return { ...at, detail: `chain head is at sequence ${head.sequence} but the last event is ${last.sequence}: the events after it were deleted` };
  }
  if (head.sequence < last.sequence) {
    return { ...at, detail: `event at sequence ${last.sequence} is beyond the chain head (${head.sequence}): it was not appended through the head` };
  }
  if (head.hash !== last.hash) return { ...at, detail: `chain head hash ${head.hash} differs from the last event's hash ${last.hash}` };
  return null;
}
