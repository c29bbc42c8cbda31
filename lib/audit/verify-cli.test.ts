import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "@/cli/main";
import type { Incident, WorkloadClient } from "@/lib/db/client";
import { upsertIncident } from "@/lib/incidents/upsert-incident";
import { ManualClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createUser, person, serviceContext, unique, workload } from "@/tests/support/factories";
import { appendAuditEvents } from "./append";
import { AuditEventType } from "./event-types";
import type { VerifyReport } from "./verify";

const ROOT = path.resolve(import.meta.dirname, "../..");

// Runs `cordon` through bin/cordon.mjs when cli/main.ts registers the audit commands, and
// otherwise registers them on a bare commander program in a child process of its own.
const HARNESS = `
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";
register();
const { Command } = await import("commander");
const { registerAuditCommands } = await import(pathToFileURL(process.env.AUDIT_COMMAND_MODULE).href);
const program = new Command("cordon").exitOverride();
registerAuditCommands(program);
try {
  await program.parseAsync(process.argv.slice(1), { from: "user" });
} catch (error) {
  process.stderr.write("cordon: " + error.message + "\\n");
  process.exitCode = 1;
}
`;

const auditRegistered = buildProgram().commands.some((command) => command.name() === "audit");

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let database: TestDatabase;

function runCordon(args: string[]): Promise<CliResult> {
  const argv = auditRegistered ? ["bin/cordon.mjs", ...args] : ["--input-type=module", "-e", HARNESS, ...args];
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, AUDIT_COMMAND_MODULE: path.join(ROOT, "cli/commands/audit.ts") };
  // Without CORDON_LOG_LEVEL the CLI logs at warn and above only, so stderr carries errors.
  delete env.CORDON_LOG_LEVEL;

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function createChain(count: number): Promise<string> {
  const incidentId = randomUUID();
  await database.prisma.$transaction((tx) =>
    appendAuditEvents(
      tx,
      Array.from({ length: count }, (_, index) => ({
        actor: { type: "system" as const, id: "cordon" },
        eventType: AuditEventType.actionProposed,
        incidentId,
        payload: { index },
      })),
    ),
  );
  return incidentId;
}

/** Edits the payload of the chain's second event, as an attacker with superuser rights could. */
async function tamperWithChain(chain: string): Promise<string> {
  await database.query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_reject_update");
  await database.query(`UPDATE audit_events SET payload = '{"index": 99}' WHERE chain = $1 AND sequence = 2`, [chain]);
  const edited = await database.prisma.auditEvent.findUniqueOrThrow({ where: { chain_sequence: { chain, sequence: 2 } } });
  return edited.id;
}

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe("cordon audit verify", () => {
  let intact: string;

  beforeAll(async () => {
    intact = await createChain(3);
  });

  it("exits 0 for intact chains", async () => {
    const result = await runCordon(["audit", "verify", "--json"]);

    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as VerifyReport;
    expect(report).toEqual({ ok: true, chains: [{ chain: intact, events: 3, ok: true }], checkpoints: { ok: true, checkpoints: 0, latest: null, signaturesChecked: false } });
  });

  it("exits 1 naming the first bad event", async () => {
    const tampered = await createChain(4);
    const editedId = await tamperWithChain(tampered);

    const json = await runCordon(["audit", "verify", "--json"]);
    const text = await runCordon(["audit", "verify"]);

    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as VerifyReport;
    expect(report.ok).toBe(false);
    expect(report.chains.find((entry) => entry.chain === tampered)?.problem).toMatchObject({ eventId: editedId, sequence: 2, kind: "hash_mismatch" });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`FAILED chain ${tampered}: hash_mismatch at sequence 2 (event ${editedId})`);
  });

  it("exits 0 for an intact incident beside a bad one", async () => {
    await tamperWithChain(await createChain(3));

    const result = await runCordon(["audit", "verify", "--incident", intact.toUpperCase()]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Verified 1 audit chain, 3 events read");
  });

  it("exits 1 naming an unknown incident UUID", async () => {
    const unknown = randomUUID();

    const result = await runCordon(["audit", "verify", "--incident", unknown]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`cordon: no incident or audit chain matches --incident "${unknown}"; pass the incident's UUID or its external id\n`);
  });
});

let reported = 0;

/**
 * Reports an incident with `externalId` through the same verb as POST /api/v1/incidents, which
 * appends its audit event. Each report is one minute after the previous one, so that the CLI
 * lists incidents sharing an external id in the order this file reported them.
 */
async function reportIncident(client: WorkloadClient | null, externalId: string): Promise<Incident> {
  reported += 1;
  const actor = client ? workload(client) : person(await createUser(database.prisma, { roles: ["analyst"] }));
  const context = await serviceContext(database.prisma, actor, { clock: new ManualClock(new Date(Date.UTC(2026, 0, 1) + reported * 60_000)) });
  const { incident } = await upsertIncident(context, { externalId, title: "Leaked deploy token", severity: "high", summary: "Seen in a public CI log." });
  return incident;
}

describe("cordon audit verify --incident with an external id", () => {
  let soar: WorkloadClient;
  let otherSoar: WorkloadClient;

  beforeAll(async () => {
    soar = await createClient(database.prisma);
    otherSoar = await createClient(database.prisma);
  });

  it("verifies the incident's chain", async () => {
    const externalId = unique("INC");
    const incident = await reportIncident(soar, externalId);

    const result = await runCordon(["audit", "verify", "--incident", externalId, "--json"]);

    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, chains: [{ chain: incident.id, events: 1, ok: true }] });
  });

  it("exits 1 when the incident's chain was tampered with", async () => {
    const externalId = unique("INC");
    const incident = await reportIncident(soar, externalId);
    const later = new ManualClock("2026-02-01T00:00:00.000Z");
    await upsertIncident(await serviceContext(database.prisma, workload(soar), { clock: later }), { externalId, title: "Renamed", severity: "high", summary: "Seen in a public CI log." });
    const editedId = await tamperWithChain(incident.id);

    const result = await runCordon(["audit", "verify", "--incident", externalId]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAILED chain ${incident.id}: hash_mismatch at sequence 2 (event ${editedId})`);
  });

  it("exits 1 listing every incident that shares the external id", async () => {
    const externalId = unique("INC");
    const first = await reportIncident(soar, externalId);
    const second = await reportIncident(otherSoar, externalId);
    const third = await reportIncident(null, externalId);

    const result = await runCordon(["audit", "verify", "--incident", externalId]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `cordon: external id "${externalId}" matches 3 incidents: ${first.id} (client ${soar.name}), ${second.id} (client ${otherSoar.name}), ${third.id} (created by a person); pass one of these UUIDs to --incident\n`,
    );
  });

  it("verifies one of those incidents by its UUID", async () => {
    const externalId = unique("INC");
    await reportIncident(soar, externalId);
    const second = await reportIncident(otherSoar, externalId);

    const result = await runCordon(["audit", "verify", "--incident", second.id, "--json"]);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, chains: [{ chain: second.id, events: 1, ok: true }] });
  });

  it("prefers the incident whose UUID matches over an external id equal to it", async () => {
    const target = await reportIncident(soar, unique("INC"));
    const lookalike = await reportIncident(otherSoar, target.id);

    const result = await runCordon(["audit", "verify", "--incident", target.id, "--json"]);

    expect(lookalike.id).not.toBe(target.id);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, chains: [{ chain: target.id, events: 1, ok: true }] });
  });

  it("exits 1 naming an unknown external id", async () => {
    const result = await runCordon(["audit", "verify", "--incident", "INC-42 \n(none)"]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`cordon: no incident or audit chain matches --incident "INC-42 \\n(none)"; pass the incident's UUID or its external id\n`);
  });
});
