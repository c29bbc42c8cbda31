import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { appendAuditEvents } from "@/lib/audit/append";
import { verifyCheckpoints } from "@/lib/audit/checkpoint";
import { loadSigner, type AuditSigner } from "@/lib/audit/checkpoint-key";
import { systemClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { startCheckpointer } from "./checkpointer";

let database: TestDatabase;
let folder: string;
let signer: AuditSigner;

beforeAll(async () => {
  database = await createTestDatabase();
  folder = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-checkpointer-"));
  signer = await loadSigner(path.join(folder, "audit-signing-key.pem"), true);
});

afterAll(async () => {
  await database.drop();
  await fs.rm(folder, { recursive: true, force: true });
});

async function appendOne(): Promise<void> {
  await database.prisma.$transaction((tx) =>
    appendAuditEvents(tx, [{ occurredAt: new Date(), actor: { type: "system", id: "cordon" }, eventType: "action.pending", incidentId: randomUUID(), payload: {} }]),
  );
}

async function checkpointCount(): Promise<number> {
  const { rows } = await database.query<{ count: string }>("SELECT count(*) AS count FROM audit_checkpoints");
  return Number(rows[0]?.count);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("startCheckpointer", () => {
  test("checkpoints moved heads and logs each anchor", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _encoding, callback) => (lines.push(chunk.toString("utf8")), callback()) }));
    await appendOne();

    const checkpointer = startCheckpointer(database.prisma, systemClock, logger, { signer: async () => signer, intervalMs: 30 });
    try {
      await waitFor(async () => (await checkpointCount()) === 1);
      await appendOne();
      await waitFor(async () => (await checkpointCount()) === 2);
    } finally {
      await checkpointer.stop();
    }

    const anchors = lines.map((line) => JSON.parse(line) as { msg: string; checkpoint?: number; hash?: string }).filter((line) => line.msg === "audit checkpoint written");
    expect(anchors.map((anchor) => anchor.checkpoint)).toEqual([1, 2]);
    const report = await verifyCheckpoints(database.prisma, signer, { sequence: 2, hash: anchors[1]!.hash! });
    expect(report.ok).toBe(true);
  });

  test("logs a failed write and keeps running", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _encoding, callback) => (lines.push(chunk.toString("utf8")), callback()) }));
    let calls = 0;

    const checkpointer = startCheckpointer(database.prisma, systemClock, logger, {
      signer: async () => {
        calls += 1;
        throw new Error("the key file is unreadable");
      },
      intervalMs: 20,
    });
    await waitFor(async () => calls >= 2);
    await checkpointer.stop();

    expect(lines.some((line) => line.includes("writing the audit checkpoint failed"))).toBe(true);
  });
});
