import { sign, verify } from "node:crypto";
import type { PrismaClient } from "@/lib/db/client";
import { sqlOf, sqlTransaction, sqlTime, type Queryable } from "@/lib/db/sql";
import type { Clock } from "@/lib/time/clock";
import { hashCanonical } from "@/lib/util/canonical-json";
import type { AuditSigner, AuditVerifier } from "./checkpoint-key";
import { GENESIS_HASH } from "./event-hash";

/** One chain head as a checkpoint records it: [chain, sequence, hash]. */
export type CheckpointHead = [chain: string, sequence: number, hash: string];

export interface AuditCheckpoint {
  sequence: number;
  heads: CheckpointHead[];
  headsDigest: string;
  prevHash: string;
  hash: string;
  keyId: string;
  signature: string;
  createdAt: Date;
}

export type CheckpointProblemKind =
  | "gap"
  | "broken_link"
  | "digest_mismatch"
  | "hash_mismatch"
  | "unknown_key"
  | "bad_signature"
  | "head_regressed"
  | "event_missing"
  | "event_changed"
  | "anchor_mismatch";

/**
 * A checkpoint was not written, because signing the current heads would hide a problem: the
 * chains no longer match the latest checkpoint, or this process signs with another key.
 */
export class CheckpointRefused extends Error {
  override readonly name = "CheckpointRefused";
}

export interface CheckpointProblem {
  /** The checkpoint at which the problem shows. */
  sequence: number;
  kind: CheckpointProblemKind;
  detail: string;
}

export interface CheckpointReport {
  ok: boolean;
  /** Checkpoints read before the walk stopped. */
  checkpoints: number;
  latest: { sequence: number; hash: string; createdAt: string; chains: number } | null;
  problem?: CheckpointProblem;
}

/** A checkpoint the operator recorded elsewhere (a log archive), which must still be stored unchanged. */
export interface CheckpointAnchor {
  sequence: number;
  hash: string;
}

// One process writes at a time, so two writers cannot both take the next sequence.
const CHECKPOINT_LOCK = "cordon.audit_checkpoint";

function byChain(a: CheckpointHead, b: CheckpointHead): number {
  if (a[0] < b[0]) return -1;
  return a[0] > b[0] ? 1 : 0;
}

/** Computes a checkpoint's hash, the value its Ed25519 signature covers. */
export function checkpointHash(fields: Pick<AuditCheckpoint, "sequence" | "headsDigest" | "prevHash" | "keyId"> & { createdAt: Date }): string {
  return hashCanonical({ sequence: fields.sequence, createdAt: fields.createdAt.toISOString(), headsDigest: fields.headsDigest, prevHash: fields.prevHash, keyId: fields.keyId });
}

/**
 * Records a signed checkpoint of every audit chain head, unless the heads are the same as in
 * the latest checkpoint.
 * NOTE: each checkpoint stores every head, about 120 bytes per chain, so it grows with the
 * number of incidents. Past tens of thousands of chains, store only the heads that moved. Returns the new checkpoint, or null when nothing changed. The heads
 * are read in one statement, so they are the committed state at one moment.
 */
export async function writeCheckpoint(db: PrismaClient, signer: AuditSigner, clock: Clock): Promise<AuditCheckpoint | null> {
  return sqlTransaction(db, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1::text))", [CHECKPOINT_LOCK]);
    const [latest] = await tx.query<AuditCheckpoint>(`${SELECT_CHECKPOINT} ORDER BY sequence DESC LIMIT 1`);
    const rows = await tx.query<{ chain: string; sequence: number; hash: string }>("SELECT chain, sequence, hash FROM audit_chain_heads");
    const heads = rows.map((row): CheckpointHead => [row.chain, row.sequence, row.hash]).sort(byChain);
    const headsDigest = hashCanonical(heads);
    if (heads.length === 0 || latest?.headsDigest === headsDigest) return null;
    if (latest) await assertContinues(tx, latest, heads, signer);

    const sequence = (latest?.sequence ?? 0) + 1;
    const prevHash = latest?.hash ?? GENESIS_HASH;
    const createdAt = clock.now();
    const hash = checkpointHash({ sequence, createdAt, headsDigest, prevHash, keyId: signer.keyId });
    const signature = sign(null, Buffer.from(hash, "hex"), signer.privateKey).toString("base64url");
    await tx.query(
      `INSERT INTO audit_checkpoints (sequence, heads, "headsDigest", "prevHash", hash, "keyId", signature, "createdAt")
       VALUES ($1::integer, $2::jsonb, $3::text, $4::text, $5::text, $6::text, $7::text, $8::timestamp(3))`,
      [sequence, JSON.stringify(heads), headsDigest, prevHash, hash, signer.keyId, signature, sqlTime(createdAt)],
    );
    return { sequence, heads, headsDigest, prevHash, hash, keyId: signer.keyId, signature, createdAt };
  });
}

const SELECT_CHECKPOINT = `SELECT sequence, heads, "headsDigest", "prevHash", hash, "keyId", signature, "createdAt" FROM audit_checkpoints`;

/**
 * Finds a chain that the earlier heads record and the later ones lose or move back. Chains
 * only grow, so either means events were deleted.
 */
function regressedHead(earlier: readonly CheckpointHead[], later: readonly CheckpointHead[], sequence: number): CheckpointProblem | null {
  const laterSequence = new Map(later.map(([chain, headSequence]) => [chain, headSequence]));
  for (const [chain, recorded] of earlier) {
    const now = laterSequence.get(chain);
    if (now === undefined) return { sequence, kind: "head_regressed", detail: `chain ${chain}, at event ${recorded} before, has no head any more` };
    if (now < recorded) return { sequence, kind: "head_regressed", detail: `the head of chain ${chain} moved back from event ${recorded} to ${now}` };
  }
  return null;
}

/**
 * Refuses to sign heads that would hide tampering since the latest checkpoint, so an attacker
 * who deletes events cannot wait for the next checkpoint to cover the deletion. Also refuses
 * a signer whose key differs from the latest checkpoint's, which would leave a checkpoint
 * that the operator's key cannot verify.
 */
async function assertContinues(tx: Queryable, latest: AuditCheckpoint, heads: readonly CheckpointHead[], signer: AuditSigner): Promise<void> {
  if (latest.keyId !== signer.keyId) {
    throw new CheckpointRefused(
      `checkpoint ${latest.sequence} was signed by key ${latest.keyId}, but this process signs with key ${signer.keyId}; give every Cordon process the same CORDON_AUDIT_SIGNING_KEY_FILE`,
    );
  }
  const problem = regressedHead(latest.heads, heads, latest.sequence) ?? (await checkHeadsStillStored(tx, latest));
  if (problem) {
    throw new CheckpointRefused(`the audit chains no longer match checkpoint ${latest.sequence}, so no new checkpoint is signed: ${problem.detail}; run cordon audit verify`);
  }
}

/** Checks one checkpoint's own fields and its link to the one before; returns the first problem. */
function checkStored(checkpoint: AuditCheckpoint, previous: AuditCheckpoint | null, verifier: AuditVerifier | null): CheckpointProblem | null {
  const { sequence } = checkpoint;
  const expectedSequence = (previous?.sequence ?? 0) + 1;
  if (sequence !== expectedSequence) return { sequence, kind: "gap", detail: `expected checkpoint ${expectedSequence}, found ${sequence}` };
  const expectedPrev = previous?.hash ?? GENESIS_HASH;
  if (checkpoint.prevHash !== expectedPrev) return { sequence, kind: "broken_link", detail: `prevHash ${checkpoint.prevHash} does not match the hash ${expectedPrev} of the checkpoint before` };
  if (hashCanonical(checkpoint.heads) !== checkpoint.headsDigest) return { sequence, kind: "digest_mismatch", detail: "the recorded heads do not match their digest" };
  const regressed = previous ? regressedHead(previous.heads, checkpoint.heads, sequence) : null;
  if (regressed) return regressed;
  if (checkpointHash(checkpoint) !== checkpoint.hash) return { sequence, kind: "hash_mismatch", detail: "the stored hash does not match the checkpoint's fields" };
  if (!verifier) return null;
  if (checkpoint.keyId !== verifier.keyId) {
    return { sequence, kind: "unknown_key", detail: `signed by key ${checkpoint.keyId}, but the verifying key is ${verifier.keyId}` };
  }
  const valid = verify(null, Buffer.from(checkpoint.hash, "hex"), verifier.publicKey, Buffer.from(checkpoint.signature, "base64url"));
  return valid ? null : { sequence, kind: "bad_signature", detail: "the signature does not verify with the public key" };
}

/** Compares the latest checkpoint's heads with the stored events at those sequences. */
async function checkHeadsStillStored(db: Queryable, checkpoint: AuditCheckpoint): Promise<CheckpointProblem | null> {
  const rows = await sqlOf(db).query<{ chain: string; sequence: number; hash: string | null }>(
    `SELECT h.chain, h.sequence, e.hash
       FROM unnest($1::text[], $2::integer[]) AS h(chain, sequence)
       LEFT JOIN audit_events e ON e.chain = h.chain AND e.sequence = h.sequence`,
    [checkpoint.heads.map((head) => head[0]), checkpoint.heads.map((head) => head[1])],
  );
  const stored = new Map(rows.map((row) => [`${row.chain}\u0000${row.sequence}`, row.hash]));
  for (const [chain, sequence, hash] of checkpoint.heads) {
    const found = stored.get(`${chain}\u0000${sequence}`);
    if (found === null || found === undefined) {
      return { sequence: checkpoint.sequence, kind: "event_missing", detail: `chain ${chain} has no event ${sequence}, which this checkpoint recorded; events were deleted` };
    }
    if (found !== hash) {
      return { sequence: checkpoint.sequence, kind: "event_changed", detail: `event ${sequence} of chain ${chain} has hash ${found}, but this checkpoint recorded ${hash}; the chain was rewritten` };
    }
  }
  return null;
}

const PAGE_SIZE = 500;

/**
 * Verifies the checkpoints: sequence, link, digest, hash and, with a verifier, the Ed25519
 * signature of each. Then checks that every head the latest checkpoint recorded is still
 * stored with the same hash, so deleting a whole chain or the end of one is detected. With an
 * anchor, also checks that the checkpoint recorded elsewhere is stored unchanged, which detects
 * deleting the newest checkpoints. Stops at the first problem.
 */
export async function verifyCheckpoints(db: Queryable, verifier: AuditVerifier | null, anchor?: CheckpointAnchor): Promise<CheckpointReport> {
  const sql = sqlOf(db);
  let previous: AuditCheckpoint | null = null;
  let read = 0;
  let anchorSeen = false;
  for (;;) {
    const page: AuditCheckpoint[] = await sql.query<AuditCheckpoint>(`${SELECT_CHECKPOINT} WHERE sequence > $1::integer ORDER BY sequence LIMIT ${PAGE_SIZE}`, [
      previous?.sequence ?? 0,
    ]);
    for (const checkpoint of page) {
      read += 1;
      const problem = checkStored(checkpoint, previous, verifier);
      if (problem) return { ok: false, checkpoints: read, latest: null, problem };
      if (anchor && checkpoint.sequence === anchor.sequence) {
        if (checkpoint.hash !== anchor.hash) {
          return { ok: false, checkpoints: read, latest: null, problem: { sequence: checkpoint.sequence, kind: "anchor_mismatch", detail: `stored hash ${checkpoint.hash} differs from the expected ${anchor.hash}` } };
        }
        anchorSeen = true;
      }
      previous = checkpoint;
    }
    if (page.length < PAGE_SIZE) break;
  }

  if (anchor && !anchorSeen) {
    const problem: CheckpointProblem = { sequence: anchor.sequence, kind: "anchor_mismatch", detail: `checkpoint ${anchor.sequence} is not stored: either checkpoints were deleted, or the anchor names a checkpoint that was never written (the newest stored is ${previous?.sequence ?? "none"})` };
    return { ok: false, checkpoints: read, latest: null, problem };
  }
  if (!previous) return { ok: true, checkpoints: 0, latest: null };

  const latest = { sequence: previous.sequence, hash: previous.hash, createdAt: previous.createdAt.toISOString(), chains: previous.heads.length };
  const problem = await checkHeadsStillStored(db, previous);
  return problem ? { ok: false, checkpoints: read, latest, problem } : { ok: true, checkpoints: read, latest };
}
