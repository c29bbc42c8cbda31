import { generateKeyPairSync, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { ManualClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { appendAuditEvents } from "./append";
import { sign } from "node:crypto";
import { hashCanonical } from "@/lib/util/canonical-json";
import { checkpointHash, CheckpointRefused, writeCheckpoint, verifyCheckpoints } from "./checkpoint";
import { keyIdOf, loadSigner, readVerifier, type AuditSigner } from "./checkpoint-key";
import { AuditEventType } from "./event-types";

const databases: TestDatabase[] = [];
const folders: string[] = [];
const clock = new ManualClock("2026-03-01T12:00:00.000Z");

afterEach(async () => {
  for (const database of databases.splice(0)) await database.drop();
  for (const folder of folders.splice(0)) await fs.rm(folder, { recursive: true, force: true });
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

async function tempFolder(): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-checkpoint-"));
  folders.push(folder);
  return folder;
}

async function newSigner(): Promise<AuditSigner> {
  return loadSigner(path.join(await tempFolder(), "audit-signing-key.pem"), true);
}

/** Appends `count` events to the chain of `incidentId` (a new incident when omitted). */
async function appendEvents(database: TestDatabase, count: number, incidentId: string = randomUUID()): Promise<string> {
  await database.prisma.$transaction((tx) =>
    appendAuditEvents(
      tx,
      Array.from({ length: count }, (_, index) => ({
        occurredAt: clock.now(),
        actor: { type: "system" as const, id: "cordon" },
        eventType: AuditEventType.approvalRecorded,
        incidentId,
        payload: { index },
      })),
    ),
  );
  return incidentId;
}

/** Lets the test change audit rows as a superuser with the append-only triggers off would. */
async function disableGuards(database: TestDatabase): Promise<void> {
  for (const table of ["audit_events", "audit_chain_heads", "audit_checkpoints"]) await database.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
}

describe("writeCheckpoint", () => {
  test("records every chain head, signed", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    const first = await appendEvents(database, 3);
    const second = await appendEvents(database, 2);

    const checkpoint = await writeCheckpoint(database.prisma, signer, clock);

    expect(checkpoint?.sequence).toBe(1);
    expect(checkpoint?.heads.map(([chain, sequence]) => [chain, sequence])).toEqual(
      [
        [first, 3],
        [second, 2],
      ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    );
    expect(checkpoint?.keyId).toBe(signer.keyId);
    expect(await verifyCheckpoints(database.prisma, signer)).toMatchObject({ ok: true, checkpoints: 1, latest: { sequence: 1, chains: 2 } });
  });

  test("skips a checkpoint when no head moved", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    await appendEvents(database, 1);

    await writeCheckpoint(database.prisma, signer, clock);
    const unchanged = await writeCheckpoint(database.prisma, signer, clock);

    expect(unchanged).toBeNull();
  });

  test("writes nothing without audit events", async () => {
    const database = await freshDatabase();

    expect(await writeCheckpoint(database.prisma, await newSigner(), clock)).toBeNull();
    expect(await verifyCheckpoints(database.prisma, null)).toEqual({ ok: true, checkpoints: 0, latest: null });
  });

  test("links each checkpoint to the one before", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    const chain = await appendEvents(database, 1);
    const first = await writeCheckpoint(database.prisma, signer, clock);
    await appendEvents(database, 2, chain);

    const second = await writeCheckpoint(database.prisma, signer, clock);

    expect(second?.sequence).toBe(2);
    expect(second?.prevHash).toBe(first?.hash);
    expect(second?.heads).toEqual([[chain, 3, expect.stringMatching(/^[0-9a-f]{64}$/)]]);
    expect((await verifyCheckpoints(database.prisma, signer)).ok).toBe(true);
  });

  test("gives concurrent writers one checkpoint", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    await appendEvents(database, 1);

    const written = await Promise.all(Array.from({ length: 5 }, () => writeCheckpoint(database.prisma, signer, clock)));

    expect(written.filter((checkpoint) => checkpoint !== null)).toHaveLength(1);
  });

  test("rejects UPDATE and DELETE of a checkpoint", async () => {
    const database = await freshDatabase();
    await appendEvents(database, 1);
    await writeCheckpoint(database.prisma, await newSigner(), clock);

    await expect(database.query("UPDATE audit_checkpoints SET signature = 'x'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(database.query("DELETE FROM audit_checkpoints")).rejects.toThrow(/append-only: DELETE/);
    await expect(database.query("TRUNCATE audit_checkpoints")).rejects.toThrow(/append-only: TRUNCATE/);
  });
});

describe("writeCheckpoint after tampering", () => {
  test("refuses to sign over a deleted chain", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    const other = await appendEvents(database, 1);
    const victim = await appendEvents(database, 2);
    await writeCheckpoint(database.prisma, signer, clock);
    await disableGuards(database);
    await database.query("DELETE FROM audit_events WHERE chain = $1", [victim]);
    await database.query("DELETE FROM audit_chain_heads WHERE chain = $1", [victim]);
    await appendEvents(database, 1, other);

    await expect(writeCheckpoint(database.prisma, signer, clock)).rejects.toThrow(CheckpointRefused);
    await expect(writeCheckpoint(database.prisma, signer, clock)).rejects.toThrow(new RegExp(`no longer match checkpoint 1, so no new checkpoint is signed: chain ${victim}, at event 2 before, has no head any more`));
    expect((await verifyCheckpoints(database.prisma, signer)).problem).toMatchObject({ sequence: 1, kind: "event_missing" });
  });

  test("refuses to sign over a rewritten chain end", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    const chain = await appendEvents(database, 4);
    await writeCheckpoint(database.prisma, signer, clock);
    await disableGuards(database);
    await database.query("DELETE FROM audit_events WHERE chain = $1 AND sequence > 2", [chain]);
    await database.query("UPDATE audit_chain_heads SET sequence = 2, hash = (SELECT hash FROM audit_events WHERE chain = $1 AND sequence = 2) WHERE chain = $1", [chain]);
    // Forged events take the deleted sequences and go one further, so the head moves forward.
    await appendEvents(database, 3, chain);

    await expect(writeCheckpoint(database.prisma, signer, clock)).rejects.toThrow(/event 4 of chain .* has hash .*, but this checkpoint recorded/);
    expect((await verifyCheckpoints(database.prisma, signer)).problem).toMatchObject({ kind: "event_changed" });
  });

  test("refuses a signer with another key", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    const chain = await appendEvents(database, 1);
    await writeCheckpoint(database.prisma, signer, clock);
    await appendEvents(database, 1, chain);

    await expect(writeCheckpoint(database.prisma, await newSigner(), clock)).rejects.toThrow(/was signed by key .*, but this process signs with key .*; give every Cordon process the same CORDON_AUDIT_SIGNING_KEY_FILE/);
    expect((await writeCheckpoint(database.prisma, signer, clock))?.sequence).toBe(2);
  });
});

describe("verifyCheckpoints on tampered data", () => {
  test("reports a whole chain deleted with its head", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    await appendEvents(database, 2);
    const victim = await appendEvents(database, 3);
    await writeCheckpoint(database.prisma, signer, clock);
    await disableGuards(database);

    await database.query("DELETE FROM audit_events WHERE chain = $1", [victim]);
    await database.query("DELETE FROM audit_chain_heads WHERE chain = $1", [victim]);

    const report = await verifyCheckpoints(database.prisma, signer);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ sequence: 1, kind: "event_missing" });
    expect(report.problem?.detail).toContain(victim);
  });

  test("reports the end of a chain cut off", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    const chain = await appendEvents(database, 4);
    await writeCheckpoint(database.prisma, signer, clock);
    await disableGuards(database);

    await database.query("DELETE FROM audit_events WHERE chain = $1 AND sequence > 2", [chain]);
    await database.query("UPDATE audit_chain_heads SET sequence = 2, hash = (SELECT hash FROM audit_events WHERE chain = $1 AND sequence = 2) WHERE chain = $1", [chain]);

    expect((await verifyCheckpoints(database.prisma, signer)).problem).toMatchObject({ kind: "event_missing" });
  });

  test("reports a rewritten event at a recorded head", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    const chain = await appendEvents(database, 2);
    await writeCheckpoint(database.prisma, signer, clock);
    await disableGuards(database);

    await database.query("UPDATE audit_events SET hash = repeat('a', 64) WHERE chain = $1 AND sequence = 2", [chain]);

    expect((await verifyCheckpoints(database.prisma, signer)).problem).toMatchObject({ kind: "event_changed" });
  });

  test("reports edited heads, hash and signature", async () => {
    const cases = [
      { change: `UPDATE audit_checkpoints SET heads = '[]'::jsonb`, kind: "digest_mismatch" },
      { change: `UPDATE audit_checkpoints SET "prevHash" = repeat('1', 64)`, kind: "broken_link" },
      { change: `UPDATE audit_checkpoints SET "createdAt" = "createdAt" + interval '1 second'`, kind: "hash_mismatch" },
      { change: `UPDATE audit_checkpoints SET signature = translate(signature, 'ABCabc', 'BCAbca')`, kind: "bad_signature" },
      { change: `UPDATE audit_checkpoints SET sequence = 2`, kind: "gap" },
      { change: `UPDATE audit_checkpoints SET heads = '[]'::jsonb, "headsDigest" = '${"4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"}'`, kind: "hash_mismatch" },
    ];
    for (const { change, kind } of cases) {
      const database = await freshDatabase();
      const signer = await newSigner();
      await appendEvents(database, 1);
      await writeCheckpoint(database.prisma, signer, clock);
      await disableGuards(database);

      await database.query(change);

      expect((await verifyCheckpoints(database.prisma, signer)).problem, change).toMatchObject({ kind });
    }
  });

  test("reports a signed checkpoint that drops a chain", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    await appendEvents(database, 1);
    await appendEvents(database, 1);
    const first = await writeCheckpoint(database.prisma, signer, clock);
    // Built and signed by hand, as only the holder of the key could, skipping writeCheckpoint's checks.
    const heads = first!.heads.slice(1);
    const fields = { sequence: 2, createdAt: clock.now(), headsDigest: hashCanonical(heads), prevHash: first!.hash, keyId: signer.keyId };
    const hash = checkpointHash(fields);
    await database.query(
      `INSERT INTO audit_checkpoints (sequence, heads, "headsDigest", "prevHash", hash, "keyId", signature, "createdAt") VALUES (2, $1::jsonb, $2, $3, $4, $5, $6, $7::timestamp(3))`,
      [JSON.stringify(heads), fields.headsDigest, fields.prevHash, hash, signer.keyId, sign(null, Buffer.from(hash, "hex"), signer.privateKey).toString("base64url"), clock.now().toISOString()],
    );

    expect((await verifyCheckpoints(database.prisma, signer)).problem).toMatchObject({ sequence: 2, kind: "head_regressed" });
  });

  test("reports a checkpoint signed by another key", async () => {
    const database = await freshDatabase();
    await appendEvents(database, 1);
    await writeCheckpoint(database.prisma, await newSigner(), clock);

    const report = await verifyCheckpoints(database.prisma, await newSigner());

    expect(report.problem).toMatchObject({ kind: "unknown_key" });
  });

  test("reports deleted newest checkpoints against an anchor", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    const chain = await appendEvents(database, 1);
    await writeCheckpoint(database.prisma, signer, clock);
    await appendEvents(database, 1, chain);
    const newest = await writeCheckpoint(database.prisma, signer, clock);
    await disableGuards(database);

    await database.query("DELETE FROM audit_checkpoints WHERE sequence = 2");

    // Without the anchor the remaining checkpoints still verify: only a record kept elsewhere shows the deletion.
    expect((await verifyCheckpoints(database.prisma, signer)).ok).toBe(true);
    const report = await verifyCheckpoints(database.prisma, signer, { sequence: 2, hash: newest!.hash });
    expect(report.problem).toMatchObject({ sequence: 2, kind: "anchor_mismatch" });
  });

  test("accepts a matching anchor", async () => {
    const database = await freshDatabase();
    const signer = await newSigner();
    await appendEvents(database, 1);
    const checkpoint = await writeCheckpoint(database.prisma, signer, clock);

    const report = await verifyCheckpoints(database.prisma, signer, { sequence: 1, hash: checkpoint!.hash });
    const wrong = await verifyCheckpoints(database.prisma, signer, { sequence: 1, hash: "0".repeat(64) });

    expect(report.ok).toBe(true);
    expect(wrong.problem).toMatchObject({ kind: "anchor_mismatch" });
  });
});

describe("signing keys", () => {
  test("generates a 0600 Ed25519 key once", async () => {
    const file = path.join(await tempFolder(), "keys", "audit-signing-key.pem");

    const signers = await Promise.all(Array.from({ length: 5 }, () => loadSigner(file, true)));

    expect(new Set(signers.map((signer) => signer.keyId)).size).toBe(1);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(signers[0]?.privateKey.asymmetricKeyType).toBe("ed25519");
    expect(await fs.readdir(path.dirname(file))).toEqual(["audit-signing-key.pem"]);
  });

  test("reads the public key from a private or public PEM", async () => {
    const folder = await tempFolder();
    const signer = await loadSigner(path.join(folder, "private.pem"), true);
    await fs.writeFile(path.join(folder, "public.pem"), signer.publicKey.export({ format: "pem", type: "spki" }));

    const fromPrivate = await readVerifier(path.join(folder, "private.pem"));
    const fromPublic = await readVerifier(path.join(folder, "public.pem"));

    expect(fromPrivate.keyId).toBe(signer.keyId);
    expect(fromPublic.keyId).toBe(signer.keyId);
    expect(signer.keyId).toBe(await keyIdOf(signer.publicKey));
  });

  test("rejects a missing configured key and a non-Ed25519 key", async () => {
    const folder = await tempFolder();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" });
    await fs.writeFile(path.join(folder, "rsa.pem"), rsa);

    await expect(loadSigner(path.join(folder, "absent.pem"), false)).rejects.toThrow(/does not exist; create one with: openssl genpkey -algorithm ed25519/);
    await expect(loadSigner(path.join(folder, "rsa.pem"), false)).rejects.toThrow(/contains a rsa key, which is not supported; audit checkpoints need an Ed25519 key/);
  });
});
