import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { appendAuditEvents } from "./append";
import { loadSigner, type AuditSigner } from "./checkpoint-key";
import { AuditEventType } from "./event-types";

const ROOT = path.resolve(import.meta.dirname, "../..");

let database: TestDatabase;
let folder: string;
let keyFile: string;
let signer: AuditSigner;

beforeAll(async () => {
  database = await createTestDatabase();
  folder = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-checkpoint-cli-"));
  keyFile = path.join(folder, "signing.pem");
  signer = await loadSigner(keyFile, true);
});

afterAll(async () => {
  await database.drop();
  await fs.rm(folder, { recursive: true, force: true });
});

function cordon(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, CORDON_DATA_DIR: folder, CORDON_AUDIT_SIGNING_KEY_FILE: keyFile, ...env };
  delete childEnv.CORDON_LOG_LEVEL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/cordon.mjs", ...args], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function appendEvents(incidentId: string, count: number): Promise<void> {
  await database.prisma.$transaction((tx) =>
    appendAuditEvents(
      tx,
      Array.from({ length: count }, (_, index) => ({ occurredAt: new Date(), actor: { type: "system" as const, id: "cordon" }, eventType: AuditEventType.approvalRecorded, incidentId, payload: { index } })),
    ),
  );
}

describe("cordon audit checkpoints", () => {
  const intactChain = randomUUID();
  const victim = randomUUID();
  let anchor = "";

  test("checkpoint writes a signed checkpoint once", async () => {
    await appendEvents(intactChain, 2);
    await appendEvents(victim, 3);

    const first = await cordon(["audit", "checkpoint"]);
    const second = await cordon(["audit", "checkpoint"]);

    expect(first.code).toBe(0);
    const match = /^Wrote checkpoint (1:[0-9a-f]{64}) over 2 chains, signed by key (\S+)\.$/m.exec(first.stdout);
    expect(match?.[2]).toBe(signer.keyId);
    anchor = match?.[1] ?? "";
    expect(second.stdout.trim()).toBe(`No audit chain head moved since checkpoint ${anchor}, so none was written.`);
    const json = JSON.parse((await cordon(["audit", "checkpoint", "--json"])).stdout) as { written: boolean; checkpoint: { sequence: number; hash: string; chains: number } };
    expect(json).toMatchObject({ written: false, checkpoint: { sequence: 1, hash: anchor.slice(2), chains: 2 } });
  });

  test("public-key prints the verifying key", async () => {
    const printed = await cordon(["audit", "public-key"]);
    await fs.writeFile(path.join(folder, "public.pem"), printed.stdout);

    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const verified = await cordon(["audit", "verify", "--public-key", path.join(folder, "public.pem"), "--checkpoint", anchor]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`Verified 1 checkpoint (signatures checked with ${path.join(folder, "public.pem")}). The newest, ${anchor}`);
    expect(verified.stdout).toContain(`Checkpoint 1 is stored with the expected hash ${anchor.slice(2)}.`);
  });

  test("verify rejects a malformed anchor", async () => {
    const result = await cordon(["audit", "verify", "--checkpoint", "one:abc"]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--checkpoint "one:abc" is invalid; expected <sequence>:<64 lower-case hex digits>');
  });

  test("verify fails when a checkpointed chain is deleted", async () => {
    await database.query("ALTER TABLE audit_events DISABLE TRIGGER USER");
    await database.query("ALTER TABLE audit_chain_heads DISABLE TRIGGER USER");
    await database.query("DELETE FROM audit_events WHERE chain = $1", [victim]);
    await database.query("DELETE FROM audit_chain_heads WHERE chain = $1", [victim]);

    const result = await cordon(["audit", "verify", "--json"]);

    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; chains: unknown[]; checkpoints: { ok: boolean; signaturesChecked: boolean; problem: { kind: string; detail: string } } };
    expect(report.ok).toBe(false);
    expect(report.checkpoints.signaturesChecked).toBe(true);
    expect(report.chains).toHaveLength(1);
    expect(report.checkpoints.problem.kind).toBe("event_missing");
    expect(report.checkpoints.problem.detail).toContain(victim);
  });
});
