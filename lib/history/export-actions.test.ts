import { readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACTION_KINDS, type ActionKind } from "@/lib/actions/catalogue";
import { cancelAction } from "@/lib/actions/cancel-action";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody, type ProposeActionInput } from "@/lib/actions/schemas";
import { transitionAction } from "@/lib/actions/transition";
import { auditedTransaction } from "@/lib/audit/trail";
import type { Domain, Incident, WorkloadClient } from "@/lib/db/client";
import { redeemGrant } from "@/lib/grants/redeem-grant";
import { ManualClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, createUser, person, serviceContext, unique, workload } from "@/tests/support/factories";
import { csvCell, csvLine } from "./csv";
import { exportActions, type ExportFormat } from "./export-actions";
import type { HistoryItem } from "./history-item";
import { ZOcsfActionEvent } from "./ocsf-event-schema";
import { ZHistoryFilters, ZHistoryQuery } from "./schemas";
import { searchActions } from "./search-actions";

const silent = pino({ level: "silent" });
const FORMULA_START = /^[=+\-@\t\r]/;

let db: TestDatabase;
let client: WorkloadClient;
let incident: Incident;

beforeAll(async () => {
  db = await createTestDatabase();
  client = await createClient(db.prisma);
  incident = await createIncident(db.prisma);
});

afterAll(async () => {
  await db.drop();
});

async function scopedDomain(): Promise<Domain> {
  const domain = await createDomain(db.prisma, { name: unique("export") });
  client = await db.prisma.workloadClient.update({ where: { id: client.id }, data: { allowedDomains: { push: domain.name } } });
  return domain;
}

let targetCounter = 0;
async function propose(domain: Domain, overrides: Partial<ProposeActionInput> = {}, clock = new ManualClock("2026-06-01T10:00:00Z")) {
  targetCounter += 1;
  const body = ZProposeActionBody.parse({
    kind: "disable_account",
    target: { domain: domain.name, identity: `export-${targetCounter}`, displayName: `svc_export_${targetCounter}` },
    incidentId: incident.id,
    justification: "Credential seen in a public CI log.",
    ...overrides,
  });
  return (await proposeAction(await serviceContext(db.prisma, workload(client), { clock }), body)).action;
}

async function exportText(format: ExportFormat, filters: Record<string, string>): Promise<string> {
  const file = await exportActions(format, ZHistoryFilters.parse(filters), { db: db.prisma, logger: silent, now: new Date("2026-06-01T12:00:00Z") });
  return new Response(file.stream).text();
}

/** Reads every stored action of a domain, page by page through the search. */
async function itemsOf(domain: Domain): Promise<HistoryItem[]> {
  const items: HistoryItem[] = [];
  let cursor: string | null = null;
  do {
    const page = await searchActions(ZHistoryQuery.parse({ domain: domain.name, limit: "200", ...(cursor ? { cursor } : {}) }), { db: db.prisma });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/** RFC 4180 parser for the tests: quoted fields with doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let index = 0;
  let quoted = false;
  while (index < text.length) {
    const character = text[index]!;
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 2;
        continue;
      }
      if (character === '"') quoted = false;
      else field += character;
      index += 1;
      continue;
    }
    if (character === '"') quoted = true;
    else if (character === ",") {
      record.push(field);
      field = "";
    } else if (character === "\r" && text[index + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      index += 1;
    } else field += character;
    index += 1;
  }
  if (quoted || field !== "" || record.length > 0) throw new Error("CSV ends inside a record");
  return records;
}

/** Records of a CSV export as objects keyed by the header. */
function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error("CSV has no header");
  return rows.map((row) => {
    expect(row).toHaveLength(header.length);
    return Object.fromEntries(header.map((name, column) => [name, row[column]!]));
  });
}

/** Returns the cell text for a stored value: the value, with `'` first when it starts like a formula. */
function expectedCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

describe("csvCell", () => {
  test.each([
    ["=1+1", `"'=1+1"`],
    ["+41 79 000 00 00", `"'+41 79 000 00 00"`],
    ["-2+3+cmd|' /C calc'!A0", `"'-2+3+cmd|' /C calc'!A0"`],
    ["@SUM(A1:A9)", `"'@SUM(A1:A9)"`],
    ["\t=1", `"'\t=1"`],
    ["\r=1", `"'\r=1"`],
    ['=HYPERLINK("https://example.com","x")', `"'=HYPERLINK(""https://example.com"",""x"")"`],
    ["a,b", `"a,b"`],
    ['say "hi"', `"say ""hi"""`],
    ["two\r\nlines", `"two\r\nlines"`],
    ["a=b", `"a=b"`],
    ["", `""`],
  ])("writes %j as %s", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  test("writes null as an empty field", () => {
    expect(csvLine([null, undefined, 3, true])).toBe(`"","","3","true"\r\n`);
  });
});

describe("CSV export", () => {
  test("neutralises formula injection in stored actions", async () => {
    const domain = await scopedDomain();
    const formulas = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", '=HYPERLINK("https://example.com/x","click")'];
    for (const formula of formulas) await propose(domain, { justification: formula, target: { domain: domain.name, identity: unique("oid"), displayName: formula } });

    const records = csvRecords(await exportText("csv", { domain: domain.name }));

    expect(records.map((record) => record.justification).sort()).toEqual(formulas.map((formula) => `'${formula}`).sort());
    expect(records.map((record) => record.target_name).sort()).toEqual(formulas.map((formula) => `'${formula}`).sort());
    for (const record of records) {
      for (const [column, value] of Object.entries(record)) expect(FORMULA_START.test(value), `${column}: ${value}`).toBe(false);
    }
  });

  test("keeps naughty strings intact", async () => {
    const domain = await scopedDomain();
    const naughty = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../tests/fixtures/naughty-strings/blns.json"), "utf8")) as string[];
    // The proposal schema trims and requires text, and PostgreSQL text cannot hold U+0000.
    const accepted = naughty.filter((text) => text.trim() !== "" && !text.includes("\u0000"));
    expect(accepted.length).toBeGreaterThan(400);
    for (const text of accepted) await propose(domain, { justification: text });

    const csv = await exportText("csv", { domain: domain.name });
    const records = csvRecords(csv);
    const stored = await itemsOf(domain);

    expect(records).toHaveLength(stored.length);
    const byId = new Map(records.map((record) => [record.action_id, record]));
    for (const item of stored) {
      const record = byId.get(item.id);
      expect(record?.justification, item.justification).toBe(expectedCell(item.justification));
    }
    expect(new Set(stored.map((item) => item.justification))).toEqual(new Set(accepted.map((text) => text.trim())));
  }, 120_000);

  test("writes header and CRLF records", async () => {
    const domain = await scopedDomain();
    await propose(domain);
    await propose(domain);

    const csv = await exportText("csv", { domain: domain.name });

    expect(csv.split("\r\n")).toHaveLength(4);
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(parseCsv(csv)[0]?.slice(0, 4)).toEqual(["action_id", "proposed_at", "state", "state_changed_at"]);
  });

  test("streams more actions than one page holds", async () => {
    const domain = await scopedDomain();
    const total = 205;
    for (let index = 0; index < total; index += 1) await propose(domain);

    const records = csvRecords(await exportText("csv", { domain: domain.name }));

    expect(records).toHaveLength(total);
    expect(new Set(records.map((record) => record.action_id)).size).toBe(total);
  }, 120_000);

  test("writes only the header when nothing matches", async () => {
    const csv = await exportText("csv", { domain: unique("no-such-domain") });

    expect(parseCsv(csv)).toHaveLength(1);
  });

  test("rejects an invalid cursor before any byte is sent", async () => {
    await expect(exportActions("csv", { domain: "x", cursor: "bad" } as never, { db: db.prisma, logger: silent, now: new Date() })).rejects.toMatchObject({ code: "validation_failed" });
  });
});

describe("OCSF export", () => {
  const PARAMETERS: Record<ActionKind, Record<string, unknown>> = {
    revoke_token: {},
    disable_account: {},
    rotate_credential: {},
    remove_entitlement: { entitlement: "payroll_admin" },
    quarantine_workload: { reason: "beaconing" },
  };

  async function ndjson(domain: Domain) {
    const text = await exportText("ocsf", { domain: domain.name });
    expect(text.endsWith("\n")).toBe(true);
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => ZOcsfActionEvent.parse(JSON.parse(line)));
  }

  test("maps every kind to its OCSF class and activity", async () => {
    const domain = await scopedDomain();
    for (const kind of ACTION_KINDS) await propose(domain, { kind, parameters: PARAMETERS[kind] });

    const events = await ndjson(domain);
    const byKind = new Map(events.map((event) => [event.unmapped.cordon_kind, event]));

    expect(events).toHaveLength(ACTION_KINDS.length);
    expect(byKind.get("disable_account")).toMatchObject({ class_uid: 3001, category_uid: 3, activity_id: 5, type_uid: 300105 });
    expect(byKind.get("rotate_credential")).toMatchObject({ class_uid: 3001, activity_id: 4, type_uid: 300104 });
    expect(byKind.get("remove_entitlement")).toMatchObject({ class_uid: 3001, activity_id: 8, type_uid: 300108 });
    expect(byKind.get("revoke_token")).toMatchObject({ class_uid: 6003, category_uid: 6, activity_id: 4, type_uid: 600304, api: { operation: "revoke_token" } });
    expect(byKind.get("quarantine_workload")).toMatchObject({ class_uid: 6003, activity_id: 3, type_uid: 600303, severity_id: 5 });
  });

  test("maps id, time and requester", async () => {
    const domain = await scopedDomain();
    const action = await propose(domain, {}, new ManualClock("2026-06-02T08:00:00Z"));
    const approver = await createUser(db.prisma);
    await recordApproval(
      await serviceContext(db.prisma, person(approver), { clock: new ManualClock("2026-06-02T08:04:30Z") }),
      action.id,
      ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "contain now" }),
    );

    const [event] = await ndjson(domain);

    expect(event?.metadata).toEqual({ uid: action.id, version: "1.1.0", product: { name: "Cordon", vendor_name: "Cordon" }, correlation_uid: incident.id, event_code: "disable_account" });
    expect(event?.time).toBe(Date.parse("2026-06-02T08:04:30Z"));
    expect(event?.actor).toEqual({ user: { uid: client.id, name: client.name }, app_name: client.name });
    expect(event?.class_uid).toBe(3001);
    expect(event && "user" in event ? event.user : null).toEqual({ uid: action.target.identity, name: action.target.displayName });
    expect(event?.status_id).toBe(99);
    expect(event?.status).toBe("Approved");
    expect(event?.unmapped.decisions).toEqual([expect.objectContaining({ approver_email: approver.email, decision: "approve", reason: "contain now" })]);
  });

  test("derives the status from the state", async () => {
    const domain = await scopedDomain();
    const clock = new ManualClock("2026-06-03T08:00:00Z");
    const cancelled = await propose(domain, {}, clock);
    await cancelAction(await serviceContext(db.prisma, workload(client), { clock }), cancelled.id);
    const succeeded = await propose(domain, {}, clock);
    await recordApproval(await serviceContext(db.prisma, person(await createUser(db.prisma)), { clock }), succeeded.id, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "go" }));
    const executor = await serviceContext(db.prisma, { type: "system", id: "executor" }, { clock });
    await redeemGrant(executor, succeeded.id, succeeded.planHash, "worker-1");
    const executing = await db.prisma.action.findUniqueOrThrow({ where: { id: succeeded.id }, include: { domain: true } });
    await auditedTransaction(db.prisma, (tx) =>
      transitionAction(tx, executor, { id: executing.id, state: executing.state, version: executing.version, incidentId: executing.incidentId, domainName: executing.domain.name }, "succeeded"),
    );

    const events = new Map((await ndjson(domain)).map((event) => [event.metadata.uid, event]));

    expect(events.get(cancelled.id)).toMatchObject({ status_id: 2, status: "Failure", status_detail: "cancelled: cancelled by the proposing workload" });
    expect(events.get(succeeded.id)).toMatchObject({ status_id: 1, status: "Success", status_detail: "succeeded" });
  });

  test("writes one valid JSON line per naughty string", async () => {
    const domain = await scopedDomain();
    const naughty = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../tests/fixtures/naughty-strings/blns.json"), "utf8")) as string[]).filter(
      (text) => text.trim() !== "" && !text.includes("\u0000"),
    );
    const sample = naughty.filter((_, index) => index % 5 === 0);
    for (const text of sample) await propose(domain, { justification: text, target: { domain: domain.name, identity: unique("oid"), displayName: text.slice(0, 256) } });

    const events = await ndjson(domain);

    expect(events).toHaveLength(sample.length);
    expect(new Set(events.map((event) => event.unmapped.justification))).toEqual(new Set(sample.map((text) => text.trim())));
  }, 120_000);
});
