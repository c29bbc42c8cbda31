import { randomUUID } from "node:crypto";
import type { Json } from "@/lib/util/canonical-json";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { ValidationFailed } from "@/lib/errors";
import { ManualClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { AuditTransactionRequired, MAX_AUDIT_BATCH, appendAuditEvent, appendAuditEvents, type AuditEventInput } from "./append";
import { GENESIS_HASH, auditEventHash } from "./event-hash";
import { AuditEventType } from "./event-types";
import { verifyAuditChains } from "./verify";

let database: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = database.prisma;
});

afterAll(async () => {
  await database?.drop();
});

function event(incidentId: string | undefined, payload: AuditEventInput["payload"] = {}): AuditEventInput {
  return {
    occurredAt: new Date("2026-03-01T12:00:00.123Z"),
    actor: { type: "system", id: "cordon" },
    eventType: AuditEventType.actionProposed,
    ...(incidentId === undefined ? {} : { incidentId }),
    payload,
  };
}

async function appendInTransaction(input: AuditEventInput) {
  return prisma.$transaction((tx) => appendAuditEvent(tx, input), { maxWait: 20_000, timeout: 20_000 });
}

async function sequencesOf(chain: string): Promise<number[]> {
  const rows = await prisma.auditEvent.findMany({ where: { chain }, orderBy: { sequence: "asc" }, select: { sequence: true } });
  return rows.map((row) => row.sequence);
}

describe("appendAuditEvent", () => {
  it("links the first events of a chain", async () => {
    const incidentId = randomUUID();
    const first = await appendInTransaction(event(incidentId, { b: 1, a: [true, null, "é"] }));
    const second = await appendInTransaction(event(incidentId, { step: 2 }));

    expect(first.chain).toBe(incidentId);
    expect(first.sequence).toBe(1);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.sequence).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    const head = await prisma.auditChainHead.findUniqueOrThrow({ where: { chain: incidentId } });
    expect(head.sequence).toBe(2);
    expect(head.hash).toBe(second.hash);
  });

  it("hashes values that survive the PostgreSQL round trip", async () => {
    const incidentId = randomUUID().toUpperCase();
    const appended = await appendInTransaction({
      occurredAt: new Date("2026-03-01T12:00:00.999Z"),
      actor: { type: "workload", id: "soar-playbook" },
      eventType: AuditEventType.domainEvent,
      actionId: randomUUID().toUpperCase(),
      incidentId,
      domain: "corp-scim",
      correlationId: "4bf92f3577b34da6a3ce929d0e0e4736",
      source: "corp-scim",
      payload: { z: { y: [1.5, -0, 1e21, 1e-7] }, a: "emoji 😀", nested: { skipped: undefined, kept: null } } as unknown as AuditEventInput["payload"],
    });

    const stored = await prisma.auditEvent.findUniqueOrThrow({ where: { id: appended.id } });
    expect(stored.chain).toBe(incidentId.toLowerCase());
    expect(stored.occurredAt.toISOString()).toBe("2026-03-01T12:00:00.999Z");
    expect(stored.payload).toEqual({ z: { y: [1.5, 0, 1e21, 1e-7] }, a: "emoji 😀", nested: { kept: null } });
    expect(auditEventHash({ ...stored, payload: stored.payload as AuditEventInput["payload"] })).toBe(stored.hash);
  });

  it("defaults occurredAt to the clock and source to cordon", async () => {
    const clock = new ManualClock("2026-05-05T05:05:05.555Z");
    const { occurredAt: _omitted, ...input } = event(randomUUID());

    const appended = await prisma.$transaction((tx) => appendAuditEvent(tx, input, { clock }));

    expect(appended.occurredAt.toISOString()).toBe("2026-05-05T05:05:05.555Z");
    expect(appended.source).toBe("cordon");
  });

  it("uses the global chain without an incident", async () => {
    const appended = await appendInTransaction(event(undefined));

    expect(appended.chain).toBe("global");
    expect(appended.incidentId).toBeNull();
  });

  it("rejects a call outside a transaction", async () => {
    const incidentId = randomUUID();

    await expect(appendAuditEvent(prisma, event(incidentId))).rejects.toBeInstanceOf(AuditTransactionRequired);

    expect(await prisma.auditChainHead.findUnique({ where: { chain: incidentId } })).toBeNull();
    expect(await sequencesOf(incidentId)).toEqual([]);
  });

  const invalidInputs: { name: string; input: unknown; pointer: string }[] = [
    { name: "unknown actor type", input: { ...event(undefined), actor: { type: "robot", id: "x" } }, pointer: "/actor/type" },
    { name: "empty actor id", input: { ...event(undefined), actor: { type: "person", id: "" } }, pointer: "/actor/id" },
    { name: "event type format", input: { ...event(undefined), eventType: "Action Approved" }, pointer: "/eventType" },
    { name: "incident id not a UUID", input: { ...event(undefined), incidentId: "INC-42" }, pointer: "/incidentId" },
    { name: "unknown member", input: { ...event(undefined), severity: "high" }, pointer: "" },
    { name: "year past 9999", input: { ...event(undefined), occurredAt: new Date("+010000-01-01T00:00:00.000Z") }, pointer: "/occurredAt" },
    { name: "NUL in actor id", input: { ...event(undefined), actor: { type: "person", id: "a\u0000b" } }, pointer: "/actor/id" },
    { name: "NUL in payload", input: event(undefined, { note: "a\u0000b" }), pointer: "/payload/note" },
    { name: "unpaired surrogate", input: event(undefined, { list: ["ok", "\uD800"] }), pointer: "/payload/list/1" },
    { name: "NaN in payload", input: event(undefined, { count: Number.NaN }), pointer: "/payload/count" },
    { name: "Date in payload", input: event(undefined, { at: new Date() } as never), pointer: "/payload/at" },
    { name: "undefined array item", input: event(undefined, [1, undefined] as never), pointer: "/payload/1" },
    { name: "missing payload", input: { ...event(undefined), payload: undefined }, pointer: "/payload" },
  ];

  it.each(invalidInputs)("rejects $name", async ({ input, pointer }) => {
    const error = await prisma.$transaction((tx) => appendAuditEvent(tx, input as AuditEventInput)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).errors.map((problem) => problem.pointer)).toContain(pointer);
  });

  it("rejects a payload nested too deeply", async () => {
    let payload: AuditEventInput["payload"] = "leaf";
    for (let depth = 0; depth < 100; depth += 1) payload = { inner: payload };

    await expect(prisma.$transaction((tx) => appendAuditEvent(tx, event(randomUUID(), payload)))).rejects.toThrow(/nested deeper than 64/);
  });

  it("numbers 50 concurrent appends 1 to 50", async () => {
    const incidentId = randomUUID();

    const appended = await Promise.all(Array.from({ length: 50 }, (_, index) => appendInTransaction(event(incidentId, { index }))));

    expect(appended.map((record) => record.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(await sequencesOf(incidentId)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    const report = await verifyAuditChains(prisma, { chain: incidentId });
    expect(report.ok).toBe(true);
    expect(report.chains[0]?.events).toBe(50);
  });

  it("leaves no event and no gap after a rollback", async () => {
    const incidentId = randomUUID();
    await appendInTransaction(event(incidentId, { step: 1 }));

    const failure = new Error("state change failed after the audit append");
    await expect(
      prisma.$transaction(async (tx) => {
        await appendAuditEvent(tx, event(incidentId, { step: "rolled back" }));
        throw failure;
      }),
    ).rejects.toBe(failure);
    const next = await appendInTransaction(event(incidentId, { step: 2 }));

    expect(next.sequence).toBe(2);
    expect(await sequencesOf(incidentId)).toEqual([1, 2]);
    expect((await verifyAuditChains(prisma, { chain: incidentId })).ok).toBe(true);
  });

  it("leaves no chain head after the first append rolls back", async () => {
    const incidentId = randomUUID();

    await expect(
      prisma.$transaction(async (tx) => {
        await appendAuditEvent(tx, event(incidentId));
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");

    expect(await prisma.auditChainHead.findUnique({ where: { chain: incidentId } })).toBeNull();
    expect(await sequencesOf(incidentId)).toEqual([]);
  });
});

describe("appendAuditEvent chain locks", () => {
  it("does not block another chain while a transaction holds one", async () => {
    const chainA = randomUUID();
    const chainB = randomUUID();
    await appendInTransaction(event(chainA, { step: "before the held transaction" }));

    let signalLocked!: () => void;
    let release!: () => void;
    const locked = new Promise<void>((resolve) => (signalLocked = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const heldTransaction = prisma.$transaction(
      async (tx) => {
        const record = await appendAuditEvent(tx, event(chainA, { step: "held" }));
        signalLocked();
        await released;
        return record;
      },
      { timeout: 20_000 },
    );
    await locked;

    try {
      // lock_timeout makes a wait on chain A's head fail fast instead of hanging the test.
      const otherChain = await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL lock_timeout = '2s'");
        return appendAuditEvent(tx, event(chainB));
      });
      expect(otherChain.sequence).toBe(1);

      const sameChain = prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL lock_timeout = '300ms'");
        return appendAuditEvent(tx, event(chainA, { step: "blocked" }));
      });
      await expect(sameChain).rejects.toThrow(/lock timeout/i);
    } finally {
      release();
    }

    expect((await heldTransaction).sequence).toBe(2);
    const after = await appendInTransaction(event(chainA, { step: "after the held transaction" }));
    expect(after.sequence).toBe(3);
    expect((await verifyAuditChains(prisma, { chain: chainA })).ok).toBe(true);
  });
});

describe("appendAuditEvents", () => {
  it("appends a batch across chains in input order", async () => {
    const chains = [randomUUID(), randomUUID(), undefined];
    await appendInTransaction(event(chains[0], { step: "existing" }));
    const inputs = Array.from({ length: MAX_AUDIT_BATCH }, (_, index) => event(chains[index % 3], { index }));

    const records = await prisma.$transaction((tx) => appendAuditEvents(tx, inputs), { timeout: 20_000 });

    expect(records).toHaveLength(MAX_AUDIT_BATCH);
    expect(records.map((record) => (record.payload as { index: number }).index)).toEqual(inputs.map((_, index) => index));
    const firstChain = records.filter((record) => record.chain === chains[0]).map((record) => record.sequence);
    expect(firstChain).toEqual(Array.from({ length: firstChain.length }, (_, index) => index + 2));
    for (const chain of chains) {
      const report = await verifyAuditChains(prisma, { chain: chain ?? "global" });
      expect(report.ok).toBe(true);
    }
  });

  it("rejects a batch over the maximum", async () => {
    const inputs = Array.from({ length: MAX_AUDIT_BATCH + 1 }, () => event(randomUUID()));

    await expect(prisma.$transaction((tx) => appendAuditEvents(tx, inputs))).rejects.toThrow(/too many audit events in one batch: 1001/);
  });

  it("names the invalid event of a batch", async () => {
    const inputs = [event(randomUUID()), event(randomUUID(), { bad: Number.POSITIVE_INFINITY })];

    const error = await prisma.$transaction((tx) => appendAuditEvents(tx, inputs)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).errors[0]?.pointer).toBe("/1/payload/bad");
  });

  it("returns nothing for an empty batch", async () => {
    expect(await appendAuditEvents(prisma, [])).toEqual([]);
  });
});

describe("audit_events triggers", () => {
  let eventId: string;

  beforeAll(async () => {
    eventId = (await appendInTransaction(event(randomUUID(), { kept: true }))).id;
  });

  const rewrites = [
    { name: "UPDATE", sql: `UPDATE audit_events SET payload = '{"kept":false}' WHERE id = $1::uuid` },
    { name: "DELETE", sql: "DELETE FROM audit_events WHERE id = $1::uuid" },
    { name: "TRUNCATE", sql: "TRUNCATE audit_events" },
  ];

  it.each(rewrites)("reject $name through the app's connection", async ({ name, sql }) => {
    const values = sql.includes("$1") ? [eventId] : [];

    await expect(prisma.$executeRawUnsafe(sql, ...values)).rejects.toThrow(new RegExp(`append-only: ${name} is not allowed`));

    const stored = await prisma.auditEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(stored.payload).toEqual({ kept: true });
  });

  it("reject an update through the Prisma model", async () => {
    await expect(prisma.auditEvent.update({ where: { id: eventId }, data: { eventType: "action.forged" } })).rejects.toThrow(/append-only/);
  });

  it("reject moving a chain head back or deleting it", async () => {
    const chain = (await prisma.auditEvent.findUniqueOrThrow({ where: { id: eventId } })).chain;

    await expect(prisma.$executeRawUnsafe("UPDATE audit_chain_heads SET sequence = 0 WHERE chain = $1", chain)).rejects.toThrow(/only moves forward/);
    await expect(prisma.$executeRawUnsafe("DELETE FROM audit_chain_heads WHERE chain = $1", chain)).rejects.toThrow(/only moves forward/);
    await expect(prisma.$executeRawUnsafe("TRUNCATE audit_chain_heads")).rejects.toThrow(/only moves forward/);
  });
});

describe("payload copy", () => {
  it("keeps a __proto__ key as data", async () => {
    const { normaliseAuditEvent } = await import("./input");
    const payload = JSON.parse('{"__proto__": {"polluted": true}, "kept": 1}') as Json;

    const event = normaliseAuditEvent({ actor: { type: "domain", id: "okta" }, eventType: "domain.event", payload }, { now: () => new Date("2026-01-01T00:00:00Z") });

    expect(JSON.stringify(event.payload)).toBe('{"__proto__":{"polluted":true},"kept":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
