import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { hashCanonical } from "@/lib/util/canonical-json";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { appendAuditEvents, type AuditEventInput } from "./append";
import { auditEventHash } from "./event-hash";
import { AuditEventType } from "./event-types";
import { verifyAuditChains, type AuditChainReport } from "./verify";

let database: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = database.prisma;
});

afterAll(async () => {
  await database?.drop();
});

/** Appends `count` events to a new incident chain and returns the chain name. */
async function createChain(count: number): Promise<string> {
  const incidentId = randomUUID();
  const inputs: AuditEventInput[] = Array.from({ length: count }, (_, index) => ({
    occurredAt: new Date(Date.UTC(2026, 2, 1, 12, 0, 0, index)),
    actor: { type: "person", id: "approver@example.com" },
    eventType: AuditEventType.approvalRecorded,
    incidentId,
    payload: { index, decision: "approve" },
  }));
  await prisma.$transaction((tx) => appendAuditEvents(tx, inputs));
  return incidentId;
}

async function idAt(chain: string, sequence: number): Promise<string> {
  const row = await prisma.auditEvent.findUniqueOrThrow({ where: { chain_sequence: { chain, sequence } }, select: { id: true } });
  return row.id;
}

async function verifyOne(chain: string): Promise<AuditChainReport> {
  const report = await verifyAuditChains(prisma, { chain, pageSize: 3 });
  expect(report.chains).toHaveLength(1);
  const [only] = report.chains;
  if (!only) throw new Error(`no report for chain ${chain}`);
  return only;
}

describe("verifyAuditChains", () => {
  it("accepts an intact chain read over several pages", async () => {
    const chain = await createChain(10);

    const report = await verifyAuditChains(prisma, { chain, pageSize: 3 });

    expect(report).toEqual({ ok: true, chains: [{ chain, events: 10, ok: true }] });
  });

  it("reports every chain when no chain is given", async () => {
    const short = await createChain(2);
    const long = await createChain(4);

    const report = await verifyAuditChains(prisma, { pageSize: 1 });

    expect(report.ok).toBe(true);
    expect(report.chains).toContainEqual({ chain: short, events: 2, ok: true });
    expect(report.chains).toContainEqual({ chain: long, events: 4, ok: true });
    const names = report.chains.map((entry) => entry.chain);
    expect(names).toEqual([...names].sort());
  });

  it("accepts a chain appended to during verification", async () => {
    const chain = await createChain(5);
    let appending = true;
    const appends = (async () => {
      for (let index = 0; index < 40; index += 1) {
        await prisma.$transaction((tx) =>
          appendAuditEvents(tx, [{ actor: { type: "system", id: "cordon" }, eventType: AuditEventType.domainEvent, incidentId: chain, payload: { index } }]),
        );
      }
      appending = false;
    })();

    const reports: AuditChainReport[] = [];
    while (appending) reports.push(await verifyOne(chain));
    await appends;

    expect(reports.length).toBeGreaterThan(0);
    expect(reports.filter((report) => !report.ok)).toEqual([]);
    expect((await verifyOne(chain)).events).toBe(45);
  });

  it("reports nothing for an unknown chain", async () => {
    expect(await verifyAuditChains(prisma, { chain: randomUUID() })).toEqual({ ok: true, chains: [] });
  });

  it("rejects a page size below 1", async () => {
    await expect(verifyAuditChains(prisma, { pageSize: 0 })).rejects.toThrow(RangeError);
  });
});

// Each case below rewrites history as an attacker with superuser rights would: the
// append-only triggers are disabled first, because they stop every role's UPDATE and DELETE.
describe("verifyAuditChains on tampered chains", () => {
  beforeAll(async () => {
    await database.query("ALTER TABLE audit_events DISABLE TRIGGER USER");
    await database.query("ALTER TABLE audit_chain_heads DISABLE TRIGGER USER");
  });

  afterAll(async () => {
    for (const trigger of ["audit_events_reject_update", "audit_events_reject_delete", "audit_events_reject_truncate"]) {
      await database.query(`ALTER TABLE audit_events ENABLE ALWAYS TRIGGER ${trigger}`);
    }
    for (const trigger of ["audit_chain_heads_reject_rewind", "audit_chain_heads_reject_truncate"]) {
      await database.query(`ALTER TABLE audit_chain_heads ENABLE ALWAYS TRIGGER ${trigger}`);
    }
  });

  it("detects an edited payload as hash_mismatch", async () => {
    const chain = await createChain(6);
    await database.query(`UPDATE audit_events SET payload = jsonb_set(payload, '{decision}', '"reject"') WHERE chain = $1 AND sequence = 4`, [chain]);

    const report = await verifyOne(chain);

    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: "hash_mismatch", sequence: 4, eventId: await idAt(chain, 4) });
    expect(report.events).toBe(4);
  });

  it("detects a deleted row as gap", async () => {
    const chain = await createChain(6);
    await database.query("DELETE FROM audit_events WHERE chain = $1 AND sequence = 3", [chain]);

    const report = await verifyOne(chain);

    expect(report.problem).toMatchObject({ kind: "gap", sequence: 4, eventId: await idAt(chain, 4) });
    expect(report.problem?.detail).toContain("sequence 3 missing");
  });

  it("detects a deleted first row as gap", async () => {
    const chain = await createChain(3);
    await database.query("DELETE FROM audit_events WHERE chain = $1 AND sequence = 1", [chain]);

    expect((await verifyOne(chain)).problem).toMatchObject({ kind: "gap", sequence: 2 });
  });

  it("detects a deleted tail as head_mismatch", async () => {
    const chain = await createChain(5);
    await database.query("DELETE FROM audit_events WHERE chain = $1 AND sequence >= 4", [chain]);

    const report = await verifyOne(chain);

    expect(report.problem).toMatchObject({ kind: "head_mismatch", sequence: 3, eventId: await idAt(chain, 3) });
    expect(report.problem?.detail).toContain("chain head is at sequence 5");
    expect(report.events).toBe(3);
  });

  it("detects an emptied chain as head_mismatch", async () => {
    const chain = await createChain(2);
    await database.query("DELETE FROM audit_events WHERE chain = $1", [chain]);

    expect((await verifyOne(chain)).problem).toMatchObject({ kind: "head_mismatch", sequence: 2, eventId: null });
  });

  it("detects a deleted chain head as head_mismatch", async () => {
    const chain = await createChain(2);
    await database.query("DELETE FROM audit_chain_heads WHERE chain = $1", [chain]);

    const report = await verifyAuditChains(prisma);

    const entry = report.chains.find((candidate) => candidate.chain === chain);
    expect(report.ok).toBe(false);
    expect(entry?.problem).toMatchObject({ kind: "head_mismatch", sequence: 2 });
    expect(entry?.problem?.detail).toContain("no chain head");
  });

  it.each([
    { name: "adjacent", first: 2, second: 3 },
    { name: "distant", first: 2, second: 7 },
  ])("detects $name rows with swapped sequences as reordered", async ({ first, second }) => {
    const chain = await createChain(8);
    const swap = "UPDATE audit_events SET sequence = $3 WHERE chain = $1 AND sequence = $2";
    await database.query(swap, [chain, first, -1]);
    await database.query(swap, [chain, second, first]);
    await database.query(swap, [chain, -1, second]);

    const report = await verifyOne(chain);

    expect(report.problem).toMatchObject({ kind: "reordered", sequence: first, eventId: await idAt(chain, first) });
    expect(report.problem?.detail).toContain(`hashed at sequence ${second}`);
  });

  it("detects a forged row with a wrong link as broken_link", async () => {
    const chain = await createChain(4);
    const forged = {
      chain,
      sequence: 5,
      occurredAt: new Date("2026-03-02T00:00:00.000Z"),
      actorType: "person" as const,
      actorId: "attacker@example.com",
      eventType: AuditEventType.actionApproved,
      actionId: null,
      incidentId: chain,
      domain: null,
      correlationId: null,
      source: "cordon",
      payload: { forged: true },
      prevHash: hashCanonical("not the previous event"),
    };
    await database.query(
      `INSERT INTO audit_events (id, chain, sequence, "occurredAt", "actorType", "actorId", "eventType", "incidentId", source, payload, "prevHash", hash)
       VALUES ($1, $2, $3, $4, 'person', $5, $6, $7, $8, $9, $10, $11)`,
      [randomUUID(), chain, 5, "2026-03-02 00:00:00.000", forged.actorId, forged.eventType, chain, "cordon", JSON.stringify(forged.payload), forged.prevHash, auditEventHash(forged)],
    );

    const report = await verifyOne(chain);

    expect(report.problem).toMatchObject({ kind: "broken_link", sequence: 5, eventId: await idAt(chain, 5) });
  });

  it("detects a rehashed edit as broken_link", async () => {
    const chain = await createChain(5);
    const row = await prisma.auditEvent.findUniqueOrThrow({ where: { chain_sequence: { chain, sequence: 2 } } });
    const payload = { index: 1, decision: "reject" };
    await database.query("UPDATE audit_events SET payload = $2, hash = $3 WHERE id = $1", [row.id, JSON.stringify(payload), auditEventHash({ ...row, payload })]);

    expect((await verifyOne(chain)).problem).toMatchObject({ kind: "broken_link", sequence: 3 });
  });

  it("detects a row beyond the head as head_mismatch", async () => {
    const chain = await createChain(3);
    const last = await prisma.auditEvent.findUniqueOrThrow({ where: { chain_sequence: { chain, sequence: 3 } } });
    const forged = { ...last, id: randomUUID(), sequence: 4, prevHash: last.hash, payload: { forged: true } };
    await database.query(
      `INSERT INTO audit_events (id, chain, sequence, "occurredAt", "actorType", "actorId", "eventType", "incidentId", source, payload, "prevHash", hash)
       VALUES ($1, $2, $3, $4, 'person', $5, $6, $7, $8, $9, $10, $11)`,
      [forged.id, chain, 4, "2026-03-01 12:00:00.002", forged.actorId, forged.eventType, chain, "cordon", JSON.stringify(forged.payload), forged.prevHash, auditEventHash(forged)],
    );

    const report = await verifyOne(chain);

    expect(report.problem).toMatchObject({ kind: "head_mismatch", sequence: 4, eventId: forged.id });
    expect(report.problem?.detail).toContain("beyond the chain head (3)");
  });
});
