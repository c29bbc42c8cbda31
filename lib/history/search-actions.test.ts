import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cancelAction } from "@/lib/actions/cancel-action";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody, type ProposeActionInput } from "@/lib/actions/schemas";
import type { Domain, Incident, User, WorkloadClient } from "@/lib/db/client";
import { ManualClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createUser, person, serviceContext, unique, workload } from "@/tests/support/factories";
import { ZHistoryQuery, type HistoryQuery } from "./schemas";
import { escapeLikePattern, searchActions } from "./search-actions";

let db: TestDatabase;
let client: WorkloadClient;
let incident: Incident;
let approver: User;

beforeAll(async () => {
  db = await createTestDatabase();
  client = await createClient(db.prisma, { owner: "history-owner@example.com" });
  incident = await db.prisma.incident.create({
    data: { externalId: unique("INC-HIST"), title: "Credential stuffing on the payroll portal", severity: "high", summary: "Many failed sign-ins." },
  });
  approver = await createUser(db.prisma, { email: `${unique("alice")}@example.com` });
});

afterAll(async () => {
  await db.drop();
});

/** Creates a domain for one test, so a filter on it isolates that test's actions. */
async function scopedDomain(kind: Domain["kind"] = "postgresql"): Promise<Domain> {
  const domain = await createDomain(db.prisma, { name: unique("hist"), kind });
  await db.prisma.workloadClient.update({ where: { id: client.id }, data: { allowedDomains: { push: domain.name } } });
  client = await db.prisma.workloadClient.findUniqueOrThrow({ where: { id: client.id } });
  return domain;
}

let targetCounter = 0;
async function propose(domain: Domain, at: string, overrides: Partial<ProposeActionInput> = {}, incidentId = incident.id) {
  targetCounter += 1;
  const body = ZProposeActionBody.parse({
    kind: "disable_account",
    target: { domain: domain.name, identity: `role-${targetCounter}`, displayName: `svc_history_${targetCounter}` },
    incidentId,
    justification: "Credential seen in a public CI log.",
    ...overrides,
  });
  const { action } = await proposeAction(await serviceContext(db.prisma, workload(client), { clock: new ManualClock(at) }), body);
  return action;
}

function query(input: Record<string, unknown>): HistoryQuery {
  return ZHistoryQuery.parse(input);
}

async function ids(input: Record<string, unknown>): Promise<string[]> {
  return (await searchActions(query(input), { db: db.prisma })).items.map((item) => item.id);
}

describe("searchActions filters", () => {
  test("filters by domain, newest first", async () => {
    const domain = await scopedDomain();
    const older = await propose(domain, "2026-02-01T10:00:00Z");
    const newer = await propose(domain, "2026-02-01T11:00:00Z");
    await propose(await scopedDomain(), "2026-02-01T12:00:00Z");

    expect(await ids({ domain: domain.name })).toEqual([newer.id, older.id]);
  });

  test("filters by state and kind", async () => {
    const domain = await scopedDomain();
    const pending = await propose(domain, "2026-02-02T10:00:00Z", { kind: "revoke_token" });
    const cancelled = await propose(domain, "2026-02-02T10:01:00Z", { kind: "revoke_token" });
    const other = await propose(domain, "2026-02-02T10:02:00Z", { kind: "disable_account" });
    await cancelAction(await serviceContext(db.prisma, workload(client)), cancelled.id);

    expect(await ids({ domain: domain.name, state: "pending", kind: "revoke_token" })).toEqual([pending.id]);
    expect(await ids({ domain: domain.name, state: "cancelled" })).toEqual([cancelled.id]);
    expect(await ids({ domain: domain.name, kind: "disable_account" })).toEqual([other.id]);
  });

  test("filters by requester name without case", async () => {
    const domain = await scopedDomain();
    const mine = await propose(domain, "2026-02-03T10:00:00Z");

    expect(await ids({ domain: domain.name, requester: client.name.toUpperCase() })).toEqual([mine.id]);
    expect(await ids({ domain: domain.name, requester: "some-other-client" })).toEqual([]);
  });

  test("filters by decider email", async () => {
    const domain = await scopedDomain();
    const approved = await propose(domain, "2026-02-04T10:00:00Z");
    const rejected = await propose(domain, "2026-02-04T10:01:00Z");
    await propose(domain, "2026-02-04T10:02:00Z");
    const clock = new ManualClock("2026-02-04T10:05:00Z");
    await recordApproval(await serviceContext(db.prisma, person(approver), { clock }), approved.id, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "contain" }));
    await recordApproval(await serviceContext(db.prisma, person(approver), { clock }), rejected.id, ZApprovalBody.parse({ decision: "reject", reason: "false positive" }));

    expect(await ids({ domain: domain.name, approver: approver.email.toUpperCase() })).toEqual([rejected.id, approved.id]);
    expect(await ids({ domain: domain.name, approver: "nobody@example.com" })).toEqual([]);
  });

  test("filters by time range", async () => {
    const domain = await scopedDomain();
    const first = await propose(domain, "2026-03-01T23:59:59.999Z");
    const second = await propose(domain, "2026-03-02T00:00:00Z");
    const third = await propose(domain, "2026-03-03T08:30:00Z");

    expect(await ids({ domain: domain.name, from: "2026-03-02", to: "2026-03-02" })).toEqual([second.id]);
    expect(await ids({ domain: domain.name, to: "2026-03-01" })).toEqual([first.id]);
    expect(await ids({ domain: domain.name, from: "2026-03-02T00:00:00.001Z" })).toEqual([third.id]);
    expect(await ids({ domain: domain.name, from: "2026-03-01T23:59:59.999", to: "2026-03-02T00:00:00Z" })).toEqual([second.id, first.id]);
  });

  test("matches free text across fields", async () => {
    const domain = await scopedDomain();
    const byName = await propose(domain, "2026-03-04T10:00:00Z", { target: { domain: domain.name, identity: "oid-4711", displayName: "svc_Payroll_Export" } });
    const byIdentity = await propose(domain, "2026-03-04T10:01:00Z", { target: { domain: domain.name, identity: "arn:aws:iam::1:role/Deployer" } });
    const byJustification = await propose(domain, "2026-03-04T10:02:00Z", { justification: "Seen in the GITHUB audit log" });
    const otherIncident = await db.prisma.incident.create({ data: { externalId: unique("INC-T"), title: "Token replay from Kazakhstan", severity: "low", summary: "s" } });
    const byIncident = await propose(domain, "2026-03-04T10:03:00Z", {}, otherIncident.id);

    expect(await ids({ domain: domain.name, q: "payroll_export" })).toEqual([byName.id]);
    expect(await ids({ domain: domain.name, q: "ROLE/deployer" })).toEqual([byIdentity.id]);
    expect(await ids({ domain: domain.name, q: "github" })).toEqual([byJustification.id]);
    expect(await ids({ domain: domain.name, q: "kazakh" })).toEqual([byIncident.id]);
  });

  test("takes % and _ in free text literally", async () => {
    const domain = await scopedDomain();
    // Target names without `_`, so only the justification can contain one.
    const target = (name: string) => ({ domain: domain.name, identity: unique("oid"), displayName: name });
    const literal = await propose(domain, "2026-03-05T10:00:00Z", { target: target("svc-a"), justification: "Matched rule 100%_match in the SIEM" });
    await propose(domain, "2026-03-05T10:01:00Z", { target: target("svc-b"), justification: "Matched rule 1000 xmatch in the SIEM" });
    await propose(domain, "2026-03-05T10:02:00Z", { target: target("svc-c"), justification: "Path C:\\temp\\x seen" });

    expect(await ids({ domain: domain.name, q: "100%_match" })).toEqual([literal.id]);
    expect(await ids({ domain: domain.name, q: "%" })).toEqual([literal.id]);
    expect(await ids({ domain: domain.name, q: "_" })).toEqual([literal.id]);
    expect(await ids({ domain: domain.name, q: "C:\\temp" })).toHaveLength(1);
  });

  test("combines filters with AND", async () => {
    const domain = await scopedDomain();
    const match = await propose(domain, "2026-03-06T10:00:00Z", { kind: "revoke_token", justification: "token in paste site" });
    await propose(domain, "2026-03-06T10:01:00Z", { kind: "disable_account", justification: "token in paste site" });
    await propose(domain, "2026-03-06T10:02:00Z", { kind: "revoke_token", justification: "unrelated" });

    expect(await ids({ domain: domain.name, kind: "revoke_token", q: "paste" })).toEqual([match.id]);
  });
});

describe("searchActions pagination", () => {
  test("pages through createdAt ties", async () => {
    const domain = await scopedDomain();
    const created = [];
    for (let index = 0; index < 7; index += 1) created.push(await propose(domain, index < 4 ? "2026-04-01T09:00:00Z" : "2026-04-01T10:00:00Z"));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await searchActions(query({ domain: domain.name, limit: "3", ...(cursor ? { cursor } : {}) }), { db: db.prisma });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);

    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect([...seen].sort()).toEqual(created.map((action) => action.id).sort());
    const expectedOrder = [...created].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).map((action) => action.id);
    expect(seen).toEqual(expectedOrder);
  });

  test("returns no cursor when the last page is full", async () => {
    const domain = await scopedDomain();
    await propose(domain, "2026-04-02T09:00:00Z");
    await propose(domain, "2026-04-02T09:01:00Z");

    const page = await searchActions(query({ domain: domain.name, limit: "2" }), { db: db.prisma });

    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toBeNull();
  });

  test("rejects a cursor it did not issue", async () => {
    await expect(searchActions(query({ cursor: "bm90LWEtY3Vyc29y" }), { db: db.prisma })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(searchActions(query({ cursor: Buffer.from(JSON.stringify({ createdAt: "2026-01-01T00:00:00Z", id: "1; DROP TABLE actions" })).toString("base64url") }), { db: db.prisma })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});

describe("searchActions items", () => {
  test("carries requester, decisions and state time", async () => {
    const domain = await scopedDomain();
    const action = await propose(domain, "2026-05-01T10:00:00Z");
    await recordApproval(
      await serviceContext(db.prisma, person(approver), { clock: new ManualClock("2026-05-01T10:07:00Z") }),
      action.id,
      ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "contain now" }),
    );

    const [item] = (await searchActions(query({ domain: domain.name }), { db: db.prisma })).items;

    expect(item?.state).toBe("approved");
    expect(item?.createdAt).toBe("2026-05-01T10:00:00.000Z");
    expect(item?.stateChangedAt).toBe("2026-05-01T10:07:00.000Z");
    expect(item?.requestedBy).toEqual({ type: "workload", id: client.id, name: client.name, email: null });
    expect(item?.decisions).toEqual([{ approverEmail: approver.email, approverName: approver.displayName, decision: "approve", reason: "contain now", decidedAt: "2026-05-01T10:07:00.000Z" }]);
    expect(item?.incident).toMatchObject({ id: incident.id, externalId: incident.externalId, title: incident.title });
  });
});

describe("ZHistoryQuery", () => {
  test("reads empty form fields as unset", () => {
    expect(ZHistoryQuery.parse({ state: "", kind: "", q: "", from: "", limit: "10" })).toEqual({ limit: 10 });
  });

  test.each([
    ["an unknown parameter", { sort: "asc" }, ""],
    ["an unknown state", { state: "done" }, "state"],
    ["a malformed approver", { approver: "not-an-email" }, "approver"],
    ["a date that is no date", { from: "yesterday" }, "from"],
    ["an end before the start", { from: "2026-03-02", to: "2026-03-01" }, "to"],
    ["a NUL character", { q: "a\u0000b" }, "q"],
    ["a limit above the maximum", { limit: "201" }, "limit"],
  ])("rejects %s", (_case, input, path) => {
    const result = ZHistoryQuery.safeParse(input);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join(".")).toBe(path);
  });
});

describe("escapeLikePattern", () => {
  test.each([
    ["50%", "50\\%"],
    ["a_b", "a\\_b"],
    ["C:\\x", "C:\\\\x"],
    ["plain", "plain"],
  ])("escapes %s", (input, expected) => {
    expect(escapeLikePattern(input)).toBe(expected);
  });
});
