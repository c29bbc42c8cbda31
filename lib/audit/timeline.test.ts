import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Actor } from "@/lib/actions/context";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody } from "@/lib/actions/schemas";
import type { ActionView } from "@/lib/actions/read-action";
import type { Domain, Incident, User, WorkloadClient } from "@/lib/db/client";
import { ManualClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, createUser, person, serviceContext, unique, workload } from "@/tests/support/factories";
import { ocsfEvent, type FixtureEvent } from "@/tests/fixtures/ocsf/load";
import { sqlTransaction } from "@/lib/db/sql";
import { appendAuditEvents } from "./append";
import { ingestDomainEvents } from "./ingest/ingest-domain-events";
import { ZIngestEventsBody } from "./ingest/schemas";
import { loadTimeline, readIncidentTimeline, ZTimelineQuery, type TimelineItem, type TimelineOptions } from "./timeline";

const silent = pino({ level: "silent" });
const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const MINUTE = 60 * 1000;

let db: TestDatabase;
let okta: Domain;
let incident: Incident;
let client: WorkloadClient;
let approver: User;
let action: ActionView;

beforeAll(async () => {
  db = await createTestDatabase();
  okta = await createDomain(db.prisma, { name: "okta-prod", kind: "scim" });
  incident = await createIncident(db.prisma);
  client = await createClient(db.prisma, { domains: [okta.name] });
  approver = await createUser(db.prisma);

  action = await propose(incident, "00u8deploybot0EXAMPLE", "deploy-bot@example.com", T0);
  const approvalContext = await serviceContext(db.prisma, person(approver), { clock: new ManualClock(new Date(T0 + 2 * MINUTE)) });
  await recordApproval(approvalContext, action.id, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "contain now" }));

  const accountChange = ocsfEvent("okta-account-change");
  await ingest([
    signIn({ time: T0 - 60 * MINUTE, metadata: { ...ocsfEvent("okta-authentication").metadata, uid: unique("evt"), correlation_uid: action.id } }),
    { ...accountChange, time: T0 + 5 * MINUTE, metadata: { ...accountChange.metadata, uid: unique("evt"), correlation_uid: action.id } },
    signIn({ time: T0 + 10 * MINUTE }),
    signIn({ time: T0 + 10 * MINUTE, user: { uid: "00u-not-a-target" } }),
  ]);

  const otherIncident = await createIncident(db.prisma);
  await propose(otherIncident, "00u-other-incident", "other@example.com", T0 + MINUTE);
});

afterAll(async () => {
  await db.drop();
});

async function propose(target: Incident, identity: string, displayName: string, at: number): Promise<ActionView> {
  const context = await serviceContext(db.prisma, workload(client), { clock: new ManualClock(new Date(at)) });
  const body = ZProposeActionBody.parse({ kind: "disable_account", target: { domain: okta.name, identity, displayName }, incidentId: target.id, justification: "Token in a public log." });
  return (await proposeAction(context, body)).action;
}

function signIn(changes: FixtureEvent): FixtureEvent {
  const event = ocsfEvent("okta-authentication");
  return { ...event, metadata: { ...event.metadata, uid: unique("evt") }, ...changes };
}

async function ingest(events: FixtureEvent[]) {
  const context = { db: db.prisma, actor: workload(client), clock: new ManualClock(), logger: silent };
  return ingestDomainEvents(context, ZIngestEventsBody.parse({ domain: okta.name, events }));
}

async function allItems(options: Omit<TimelineOptions, "cursor"> = {}): Promise<TimelineItem[]> {
  return (await loadTimeline(db.prisma, incident.id, { ...options, limit: 200 })).items;
}

function byType(items: readonly TimelineItem[], eventType: string): TimelineItem {
  const item = items.find((candidate) => candidate.eventType === eventType);
  if (!item) throw new Error(`no ${eventType} item in ${items.map((candidate) => candidate.eventType).join(", ")}`);
  return item;
}

describe("loadTimeline order", () => {
  test("lists the incident's events oldest first", async () => {
    const items = await allItems();

    expect(items[0]).toMatchObject({ eventType: "domain.authentication", occurredAt: new Date(T0 - 60 * MINUTE).toISOString() });
    for (let index = 1; index < items.length; index += 1) {
      const previous = items[index - 1]!;
      const current = items[index]!;
      expect(current.occurredAt >= previous.occurredAt, `${previous.eventType} then ${current.eventType}`).toBe(true);
      if (current.occurredAt === previous.occurredAt) expect(current.sequence).toBeGreaterThan(previous.sequence);
    }
  });

  test("interleaves domain and Cordon events by time", async () => {
    const types = (await allItems()).map((item) => item.eventType);

    expect(types.indexOf("action.proposed")).toBeGreaterThan(types.indexOf("domain.authentication"));
    expect(types.indexOf("domain.account_change")).toBeGreaterThan(types.indexOf("action.approved"));
    expect(types.filter((type) => type.startsWith("domain."))).toEqual(["domain.authentication", "domain.account_change", "domain.authentication"]);
  });

  test("excludes other incidents and uncorrelated events", async () => {
    const items = await allItems();
    const rows = await db.prisma.auditEvent.count({ where: { incidentId: incident.id } });

    expect(items).toHaveLength(rows);
    expect(items.some((item) => item.actor.id === "00u-not-a-target" || JSON.stringify(item.payload).includes("00u-not-a-target"))).toBe(false);
    expect(items.some((item) => JSON.stringify(item.payload).includes("00u-other-incident"))).toBe(false);
  });
});

describe("loadTimeline pagination", () => {
  test("returns every event once across pages", async () => {
    const expected = (await allItems()).map((item) => item.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const result = await loadTimeline(db.prisma, incident.id, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(result.items.length).toBeLessThanOrEqual(2);
      seen.push(...result.items.map((item) => item.id));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }

    expect(seen).toEqual(expected);
  });

  test("keeps later pages stable when earlier events arrive", async () => {
    const incidentC = await createIncident(db.prisma);
    const actionC = await propose(incidentC, "00u-stable-pages", "stable@example.com", T0);
    const first = await loadTimeline(db.prisma, incidentC.id, { limit: 2 });
    const rest = await loadTimeline(db.prisma, incidentC.id, { limit: 200, cursor: first.nextCursor! });

    const correlated = { ...ocsfEvent("okta-authentication").metadata, uid: unique("evt"), correlation_uid: actionC.id };
    await ingest([signIn({ time: T0 - 30 * MINUTE, metadata: correlated })]);
    const restAgain = await loadTimeline(db.prisma, incidentC.id, { limit: 200, cursor: first.nextCursor! });

    expect(restAgain.items.map((item) => item.id)).toEqual(rest.items.map((item) => item.id));
  });

  test.each([
    ["not base64url JSON", "%%%"],
    ["a cursor without a sequence", Buffer.from(JSON.stringify({ occurredAt: "2026-01-01T00:00:00.000Z" })).toString("base64url")],
    ["a cursor with a numeric chain", Buffer.from(JSON.stringify({ occurredAt: "2026-01-01T00:00:00.000Z", chain: 7, sequence: 1 })).toString("base64url")],
  ])("rejects a cursor that is %s", async (_case, cursor) => {
    await expect(loadTimeline(db.prisma, incident.id, { cursor })).rejects.toMatchObject({ code: "validation_failed", errors: [{ pointer: "/cursor" }] });
  });

  test.each([0, 201, 1.5])("rejects limit %s", async (limit) => {
    await expect(loadTimeline(db.prisma, incident.id, { limit })).rejects.toMatchObject({ code: "validation_failed" });
  });
});

describe("loadTimeline filters", () => {
  test("filters by actor type", async () => {
    const items = await allItems({ filters: { actorType: "domain" } });

    expect(items).toHaveLength(3);
    expect(items.every((item) => item.actor.type === "domain" && item.source === okta.name)).toBe(true);
  });

  test("filters by event type", async () => {
    const items = await allItems({ filters: { eventType: "action.approved" } });

    expect(items.map((item) => item.eventType)).toEqual(["action.approved"]);
  });

  test("filters by domain", async () => {
    expect((await allItems({ filters: { domain: okta.name } })).length).toBeGreaterThan(0);
    expect(await allItems({ filters: { domain: "github-org" } })).toEqual([]);
  });

  test("combines filters", async () => {
    const items = await allItems({ filters: { domain: okta.name, actorType: "domain", eventType: "domain.account_change" } });

    expect(items.map((item) => item.eventType)).toEqual(["domain.account_change"]);
  });
});

describe("loadTimeline items", () => {
  test("describes a domain event", async () => {
    const item = byType(await allItems(), "domain.account_change");

    expect(item).toMatchObject({ source: okta.name, domain: okta.name, actionId: action.id, correlationId: action.id });
    expect(item.actor).toEqual({ type: "domain", id: "0oacordonconnectorEXAMPLE", name: "Cordon connector" });
    expect(item.summary).toBe("Account Change / Disable: deploy-bot@example.com by Cordon connector from 198.51.100.10 (Success, Okta System Log)");
    expect(item.payload).toMatchObject({ event: { unmapped: { "outcome.reason": "Deactivated by containment action" } } });
  });

  test("names the proposing workload and the approver", async () => {
    const items = await allItems();

    expect(byType(items, "action.proposed")).toMatchObject({ source: "cordon", actor: { type: "workload", id: client.id, name: client.name } });
    expect(byType(items, "action.proposed").summary).toBe(`${client.name} proposed disable_account on deploy-bot@example.com`);
    expect(byType(items, "approval.recorded")).toMatchObject({ actor: { type: "person", id: approver.id, name: approver.displayName }, summary: `${approver.displayName} approved: contain now` });
    expect(byType(items, "action.pending").summary).toBe(`Action proposed → pending (${client.name})`);
  });

  test("keeps summaries on one line", async () => {
    const incidentD = await createIncident(db.prisma);
    const actionD = await propose(incidentD, "00u-one-line", "one-line@example.com", T0);
    await ingest([signIn({ time: T0 + MINUTE, user: { uid: "00u-one-line", name: "evil\nname\u202Egnp.exe\u2028x" } })]);

    const item = byType((await loadTimeline(db.prisma, incidentD.id, { limit: 200 })).items, "domain.authentication");

    expect(item.actionId).toBe(actionD.id);
    expect(item.summary).toContain("evil name gnp.exe x");
    expect(item.summary).not.toMatch(/[\n\u202E\u2028]/);
  });
});

describe("loadTimeline chain status", () => {
  test("reports an intact chain", async () => {
    const result = await loadTimeline(db.prisma, incident.id, { limit: 1 });
    const rows = await db.prisma.auditEvent.count({ where: { chain: incident.id } });

    expect(result.chain).toEqual({ ok: true, events: rows });
    expect(result.incident).toMatchObject({ id: incident.id, externalId: incident.externalId, title: incident.title });
  });

  test("reports an incident without events", async () => {
    const empty = await createIncident(db.prisma);

    const result = await loadTimeline(db.prisma, empty.id);

    expect(result).toMatchObject({ chain: { ok: true, events: 0 }, items: [], nextCursor: null });
  });

  // Rewrites history as a superuser could: the append-only triggers are disabled for the edit.
  test("reports an edited event", async () => {
    const incidentE = await createIncident(db.prisma);
    await propose(incidentE, "00u-tampered", "tampered@example.com", T0);
    await db.query("ALTER TABLE audit_events DISABLE TRIGGER USER");
    try {
      await db.query(`UPDATE audit_events SET payload = jsonb_set(payload, '{kind}', '"revoke_token"') WHERE chain = $1 AND sequence = 1`, [incidentE.id]);
    } finally {
      for (const trigger of ["audit_events_reject_update", "audit_events_reject_delete", "audit_events_reject_truncate"]) {
        await db.query(`ALTER TABLE audit_events ENABLE ALWAYS TRIGGER ${trigger}`);
      }
    }

    const result = await loadTimeline(db.prisma, incidentE.id);

    expect(result.chain.ok).toBe(false);
    expect(result.chain.problem).toMatchObject({ sequence: 1, kind: "hash_mismatch" });
  });
});

describe("readIncidentTimeline access", () => {
  const query = ZTimelineQuery.parse({});
  const read = (actor: Actor, incidentId = incident.id) => readIncidentTimeline({ db: db.prisma, actor }, incidentId, query);

  test("lets a person read any incident", async () => {
    expect((await read(person(approver))).items.length).toBeGreaterThan(0);
  });

  test("lets the proposing workload read", async () => {
    expect((await read(workload(client))).incident.id).toBe(incident.id);
  });

  test.each([
    ["another workload", async () => read(workload(await createClient(db.prisma, { domains: [okta.name] })))],
    ["the system actor", async () => read({ type: "system", id: "scheduler" })],
    ["a missing incident", async () => read(person(approver), "00000000-0000-4000-8000-000000000000")],
    ["an id that is not a UUID", async () => read(person(approver), "../../etc")],
  ])("returns not found to %s", async (_case, attempt) => {
    await expect(attempt()).rejects.toMatchObject({ code: "not_found" });
  });

  test("hides an incident without the workload's actions", async () => {
    const other = await createIncident(db.prisma);

    await expect(read(workload(client), other.id)).rejects.toMatchObject({ code: "not_found" });
  });

  test("passes query filters through", async () => {
    const result = await readIncidentTimeline({ db: db.prisma, actor: person(approver) }, incident.id, ZTimelineQuery.parse({ actorType: "domain", limit: "1" }));

    expect(result.items).toHaveLength(1);
    expect(result.items[0]!.actor.type).toBe("domain");
    expect(result.nextCursor).not.toBeNull();
  });
});

describe("ZTimelineQuery", () => {
  test("rejects an unknown parameter", () => {
    expect(ZTimelineQuery.safeParse({ sort: "desc" }).success).toBe(false);
  });

  test("rejects an unknown actor type", () => {
    expect(ZTimelineQuery.safeParse({ actorType: "robot" }).success).toBe(false);
  });
});

describe("loadTimeline same-millisecond paging", () => {
  const SAME_MS = new Date(T0 + 30 * MINUTE);
  /** A second chain with events of the incident, as a chain per domain would hold; it sorts after the incident's own chain. */
  const otherChain = (incidentId: string) => `zz-okta-prod-${incidentId}`;

  /** Appends `count` events to the incident's chain in one transaction, all at `occurredAt`. */
  async function appendSameMillisecond(incidentId: string, count: number, occurredAt: Date): Promise<void> {
    const inputs = Array.from({ length: count }, (_, index) => ({
      occurredAt,
      actor: { type: "system" as const, id: "timeline-test" },
      eventType: index % 2 === 0 ? "test.even" : "test.odd",
      incidentId,
      payload: { index },
    }));
    await sqlTransaction(db.prisma, (tx) => appendAuditEvents(tx, inputs));
  }

  // Cordon's own append names the chain after the incident, so rows of another chain are
  // inserted directly. Their hashes are placeholders: only the incident's chain is verified.
  async function insertIntoOtherChain(incidentId: string, sequences: number[], occurredAt: Date): Promise<void> {
    for (const sequence of sequences) {
      await db.query(
        `INSERT INTO audit_events (id, chain, sequence, "occurredAt", "actorType", "actorId", "eventType", "incidentId", source, payload, "prevHash", hash)
         VALUES (gen_random_uuid(), $1, $2, $3, 'domain', 'okta', 'domain.authentication', $4, 'okta-prod', $5, 'placeholder', 'placeholder')`,
        [otherChain(incidentId), sequence, occurredAt.toISOString(), incidentId, JSON.stringify({ summary: `other chain ${sequence}` })],
      );
    }
  }

  /** Pages through the whole timeline with `limit`, failing on a page that repeats an event. */
  async function pageThrough(incidentId: string, limit: number, options: Pick<TimelineOptions, "filters"> = {}): Promise<TimelineItem[]> {
    const items: TimelineItem[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 200; page += 1) {
      const result = await loadTimeline(db.prisma, incidentId, { ...options, limit, ...(cursor ? { cursor } : {}) });
      items.push(...result.items);
      if (!result.nextCursor) return items;
      cursor = result.nextCursor;
    }
    throw new Error("the timeline did not end within 200 pages");
  }

  async function expectedOrder(incidentId: string): Promise<string[]> {
    const rows = await db.prisma.auditEvent.findMany({ where: { incidentId }, select: { id: true, chain: true, sequence: true, occurredAt: true } });
    const own = (chain: string) => (chain === incidentId ? 0 : 1);
    rows.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || own(a.chain) - own(b.chain) || a.sequence - b.sequence);
    return rows.map((row) => row.id);
  }

  test("returns each event of one chain once in chain order", async () => {
    const incidentF = await createIncident(db.prisma);
    await appendSameMillisecond(incidentF.id, 3, new Date(SAME_MS.getTime() - 1));
    await appendSameMillisecond(incidentF.id, 40, SAME_MS);
    await appendSameMillisecond(incidentF.id, 3, new Date(SAME_MS.getTime() + 1));

    for (const limit of [1, 3, 7, 50]) {
      const items = await pageThrough(incidentF.id, limit);

      expect(items.map((item) => item.sequence), `limit ${limit}`).toEqual(Array.from({ length: 46 }, (_, index) => index + 1));
    }
  });

  test("keeps chain order when a filter skips events", async () => {
    const incidentG = await createIncident(db.prisma);
    await appendSameMillisecond(incidentG.id, 30, SAME_MS);

    const items = await pageThrough(incidentG.id, 4, { filters: { eventType: "test.odd" } });

    expect(items.map((item) => item.sequence)).toEqual(Array.from({ length: 15 }, (_, index) => 2 * index + 2));
  });

  test("returns each event of two chains once across pages", async () => {
    const incidentH = await createIncident(db.prisma);
    await appendSameMillisecond(incidentH.id, 12, SAME_MS);
    await insertIntoOtherChain(incidentH.id, [12, 3, 7, 1, 2, 4, 5, 6, 8, 9, 10, 11], SAME_MS);
    await appendSameMillisecond(incidentH.id, 2, new Date(SAME_MS.getTime() + 1));
    const expected = await expectedOrder(incidentH.id);

    for (const limit of [1, 2, 5, 12, 13]) {
      const items = await pageThrough(incidentH.id, limit);

      expect(items.map((item) => item.id), `limit ${limit}`).toEqual(expected);
    }
    expect(expected).toHaveLength(26);
  });

  test("lists one millisecond chain by chain", async () => {
    const incidentI = await createIncident(db.prisma);
    await appendSameMillisecond(incidentI.id, 4, SAME_MS);
    await insertIntoOtherChain(incidentI.id, [2, 1, 4, 3], SAME_MS);

    const items = (await loadTimeline(db.prisma, incidentI.id, { limit: 200 })).items;

    expect(items.map((item) => `${item.source}:${item.sequence}`)).toEqual(["cordon:1", "cordon:2", "cordon:3", "cordon:4", "okta-prod:1", "okta-prod:2", "okta-prod:3", "okta-prod:4"]);
  });

  test("continues a cursor issued without a chain", async () => {
    const incidentJ = await createIncident(db.prisma);
    await appendSameMillisecond(incidentJ.id, 6, SAME_MS);
    const legacy = Buffer.from(JSON.stringify({ occurredAt: SAME_MS.toISOString(), sequence: 2 })).toString("base64url");

    const result = await loadTimeline(db.prisma, incidentJ.id, { limit: 200, cursor: legacy });

    expect(result.items.map((item) => item.sequence)).toEqual([3, 4, 5, 6]);
  });
});
