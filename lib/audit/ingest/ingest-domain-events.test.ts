import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Actor } from "@/lib/actions/context";
import { proposeAction } from "@/lib/actions/propose-action";
import { ZProposeActionBody } from "@/lib/actions/schemas";
import { loadTimeline } from "@/lib/audit/timeline";
import { verifyAuditChains } from "@/lib/audit/verify";
import type { Domain, Incident, WorkloadClient } from "@/lib/db/client";
import { CordonError, ValidationFailed } from "@/lib/errors";
import { ManualClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, createUser, person, serviceContext, unique, workload } from "@/tests/support/factories";
import { ocsfEvent, ocsfFixture, type FixtureEvent } from "@/tests/fixtures/ocsf/load";
import { ingestDomainEvents } from "./ingest-domain-events";
import { ZIngestEventsBody, type IngestResult } from "./schemas";

const silent = pino({ level: "silent" });
const PROPOSED_AT = "2026-01-01T00:00:00.000Z";
const HOUR = 60 * 60 * 1000;

let db: TestDatabase;
let okta: Domain;
let aws: Domain;
let github: Domain;
let incident: Incident;
let client: WorkloadClient;

beforeAll(async () => {
  db = await createTestDatabase();
  okta = await createDomain(db.prisma, { name: "okta-prod", kind: "scim" });
  aws = await createDomain(db.prisma, { name: "aws-prod", kind: "oauth2" });
  github = await createDomain(db.prisma, { name: "github-org", kind: "scim" });
  incident = await createIncident(db.prisma);
  client = await createClient(db.prisma, { domains: [okta.name, aws.name, github.name] });
});

afterAll(async () => {
  await db.drop();
});

function ingest(domain: string, events: unknown[], actor: Actor = workload(client)): Promise<IngestResult> {
  const context = { db: db.prisma, actor, clock: new ManualClock(), logger: silent };
  return ingestDomainEvents(context, ZIngestEventsBody.parse({ domain, events }));
}

/** Copies the event with a new `metadata.uid`, so no earlier test's event deduplicates it. */
function fresh(event: FixtureEvent, changes: FixtureEvent = {}): FixtureEvent {
  return { ...event, metadata: { ...event.metadata, uid: unique("evt") }, ...changes };
}

/** Builds an Okta sign-in event of `identity` at `time`. */
function signIn(identity: { uid?: string; name?: string }, time: number | string): FixtureEvent {
  return fresh(ocsfEvent("okta-authentication"), { user: identity, time: typeof time === "string" ? Date.parse(time) : time });
}

async function propose(domain: Domain, identity: string, displayName: string, at = PROPOSED_AT) {
  const context = await serviceContext(db.prisma, workload(client), { clock: new ManualClock(at) });
  const body = ZProposeActionBody.parse({
    kind: "disable_account",
    target: { domain: domain.name, identity, displayName },
    incidentId: incident.id,
    justification: "Deploy credentials seen in a public CI log.",
  });
  const { action } = await proposeAction(context, body);
  return { action, requestId: context.requestId };
}

async function storedEvent(id: string) {
  return db.prisma.auditEvent.findUniqueOrThrow({ where: { id } });
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}

describe("ingestDomainEvents validation", () => {
  test("keeps valid events of a mixed batch", async () => {
    const auth = ocsfEvent("okta-authentication");
    const { version: _version, ...metadataWithoutVersion } = auth.metadata;
    const { user: _user, ...withoutUser } = auth;
    const events = [
      fresh(auth),
      fresh(auth, { class_uid: "3002" }),
      fresh(auth, { class_uid: 4001, type_uid: 400101 }),
      { ...auth, metadata: metadataWithoutVersion },
      fresh(auth, { time: "2026-01-01T00:05:00Z" }),
      fresh(ocsfEvent("github-remove-member")),
      "not an event",
      fresh(auth, { type_uid: 300202 }),
      fresh(withoutUser),
      fresh(auth, { src_endpoint: { ip: "not-an-ip" } }),
      fresh(auth, { unmapped: { note: "nul \u0000 inside" } }),
      fresh(ocsfEvent("cloudtrail-delete-access-key")),
      fresh(auth, { severity_id: 7 }),
      fresh(auth, { metadata: { ...auth.metadata, uid: unique("evt"), version: "2.0.0" } }),
    ];

    const result = await ingest(okta.name, events);

    expect(result.accepted.map((event) => event.index)).toEqual([0, 5, 11]);
    const pointers = Object.fromEntries(result.rejected.map((event) => [event.index, event.errors.map((error) => error.pointer)]));
    expect(pointers).toEqual({
      1: ["/events/1/class_uid"],
      2: ["/events/2/class_uid"],
      3: ["/events/3/metadata/version"],
      4: ["/events/4/time"],
      6: ["/events/6"],
      7: ["/events/7/type_uid"],
      8: ["/events/8/user"],
      9: ["/events/9/src_endpoint/ip"],
      10: ["/events/10/unmapped/note"],
      12: ["/events/12/severity_id"],
      13: ["/events/13/metadata/version"],
    });
    expect(await db.prisma.auditEvent.count({ where: { id: { in: result.accepted.map((event) => event.eventId) } } })).toBe(3);
  });

  test("names the supported classes for an unsupported one", async () => {
    const result = await ingest(okta.name, [fresh(ocsfEvent("okta-authentication"), { class_uid: 4001, type_uid: 400101 })]);

    const error = only(only(result.rejected).errors);
    expect(error.message).toContain("class 4001 is not supported");
    expect(error.message).toContain("3006 Group Management");
  });

  test("treats an empty optional string as absent", async () => {
    const event = fresh(ocsfEvent("okta-authentication"), { message: "", user: { uid: "00u-empty-name", name: "" } });

    const result = await ingest(okta.name, [event]);

    const stored = await storedEvent(only(result.accepted).eventId);
    expect(stored.payload).toMatchObject({ target: { user: { uid: "00u-empty-name", name: null } } });
  });
});

describe("ingestDomainEvents normalisation", () => {
  test("stores the audit columns of an API Activity event", async () => {
    const event = fresh(ocsfEvent("cloudtrail-delete-access-key"));

    const result = await ingest(aws.name, [event]);

    const stored = await storedEvent(only(result.accepted).eventId);
    expect(stored.eventType).toBe("domain.api_activity");
    expect(stored.actorType).toBe("domain");
    expect(stored.actorId).toBe("AIDAEXAMPLEINCIDENTRESP");
    expect(stored.occurredAt.toISOString()).toBe("2026-01-01T00:30:00.000Z");
    expect(stored.source).toBe(aws.name);
    expect(stored.domain).toBe(aws.name);
    expect(stored.chain).toBe("global");
    expect(stored.correlationId).toBeNull();
    expect(stored.payload).toMatchObject({
      summary: "API Activity / Delete: DeleteAccessKey on AKIA4EXAMPLEDEPLOY01 by incident-responder from 198.51.100.77 (Success, CloudTrail)",
      ocsf: { uid: event.metadata.uid, classUid: 6003, className: "API Activity", activityName: "Delete", typeUid: 600304, status: "Success", version: "1.1.0" },
      api: { operation: "DeleteAccessKey", service: "iam.amazonaws.com", requestUid: "4f1c9a2e-EXAMPLE-request-0001" },
      correlation: null,
    });
  });

  test("keeps unknown OCSF attributes in the stored event", async () => {
    const event = fresh(ocsfEvent("okta-authentication"), { observables: [{ name: "src_endpoint.ip", type_id: 2, value: "203.0.113.24" }] });

    const result = await ingest(okta.name, [event]);

    const stored = await storedEvent(only(result.accepted).eventId);
    expect((stored.payload as { event: unknown }).event).toEqual(event);
  });

  test("summarises a Group Management event", async () => {
    const result = await ingest(github.name, [fresh(ocsfEvent("github-remove-member"))]);

    const stored = await storedEvent(only(result.accepted).eventId);
    expect(stored.eventType).toBe("domain.group_management");
    expect(stored.payload).toMatchObject({ summary: "Group Management / Remove User: octo-contractor from group example-org by sec-oncall from 2001:db8::42 (Success, GitHub Audit Log)" });
  });

  test("uses the domain as actor without an OCSF actor user", async () => {
    const { actor: _actor, ...event } = fresh(ocsfEvent("okta-authentication"));

    const result = await ingest(okta.name, [event]);

    expect((await storedEvent(only(result.accepted).eventId)).actorId).toBe(okta.name);
  });
});

describe("ingestDomainEvents correlation", () => {
  test("links a correlation_uid equal to an action id", async () => {
    const { action } = await propose(okta, "00u-corr-action", "corr-action@example.com");
    const event = fresh(ocsfEvent("okta-account-change"), { metadata: { ...ocsfEvent("okta-account-change").metadata, uid: unique("evt"), correlation_uid: action.id } });

    const result = await ingest(okta.name, [event]);

    const accepted = only(result.accepted);
    expect(accepted.correlatedActionId).toBe(action.id);
    expect(accepted.incidentId).toBe(incident.id);
    const stored = await storedEvent(accepted.eventId);
    expect(stored.chain).toBe(incident.id);
    expect(stored.correlationId).toBe(action.id);
    expect(stored.payload).toMatchObject({ correlation: { method: "correlation_uid", actionId: action.id } });
  });

  test("links a correlation_uid equal to an audit correlation id", async () => {
    const { action, requestId } = await propose(okta, "00u-corr-request", "corr-request@example.com");
    const template = ocsfEvent("okta-account-change");
    const event = { ...template, metadata: { ...template.metadata, uid: unique("evt"), correlation_uid: requestId } };

    const result = await ingest(aws.name, [event]);

    expect(only(result.accepted)).toMatchObject({ correlatedActionId: action.id, incidentId: incident.id });
  });

  test("ignores a correlation_uid of a domain outside the client's scope", async () => {
    const { action, requestId } = await propose(okta, "00u-corr-scope", "corr-scope@example.com");
    const githubOnly = await createClient(db.prisma, { domains: [github.name] });
    const template = ocsfEvent("okta-account-change");
    const byActionId = { ...template, metadata: { ...template.metadata, uid: unique("evt"), correlation_uid: action.id } };
    const byRequestId = { ...template, metadata: { ...template.metadata, uid: unique("evt"), correlation_uid: requestId } };

    const result = await ingest(github.name, [byActionId, byRequestId], workload(githubOnly));

    expect(result.accepted).toHaveLength(2);
    for (const accepted of result.accepted) {
      expect(accepted.correlatedActionId).toBeUndefined();
      expect(accepted.incidentId).toBeUndefined();
      expect((await storedEvent(accepted.eventId)).chain).toBe("global");
    }
    const events = await db.prisma.auditEvent.count({ where: { chain: incident.id, source: github.name } });
    expect(events).toBe(0);
  });

  test("links a target identity inside the window", async () => {
    const { action } = await propose(okta, "00u-target-window", "target-window@example.com");

    const result = await ingest(okta.name, [signIn({ uid: "00u-target-window" }, "2026-01-01T00:05:00Z"), signIn({ uid: "00u-target-window" }, "2026-01-01T23:59:00Z")]);

    for (const accepted of result.accepted) expect(accepted).toMatchObject({ correlatedActionId: action.id, incidentId: incident.id });
    expect(await storedEvent(result.accepted[0]!.eventId)).toMatchObject({ payload: { correlation: { method: "target_identity" } } });
  });

  test("leaves events outside the window uncorrelated", async () => {
    await propose(okta, "00u-outside", "outside@example.com");

    const result = await ingest(okta.name, [signIn({ uid: "00u-outside" }, "2025-12-31T23:59:00Z"), signIn({ uid: "00u-outside" }, Date.parse(PROPOSED_AT) + 24 * HOUR + 1)]);

    for (const accepted of result.accepted) {
      expect(accepted.incidentId).toBeUndefined();
      expect((await storedEvent(accepted.eventId)).chain).toBe("global");
    }
  });

  test("extends the window past the last execution", async () => {
    const { action } = await propose(okta, "00u-executed", "executed@example.com");
    await db.prisma.execution.create({
      data: {
        actionId: action.id,
        operation: "apply",
        attempt: 1,
        idempotencyKey: unique("exec"),
        status: "succeeded",
        startedAt: new Date(Date.parse(PROPOSED_AT) + 9 * HOUR),
        finishedAt: new Date(Date.parse(PROPOSED_AT) + 10 * HOUR),
      },
    });

    const result = await ingest(okta.name, [signIn({ uid: "00u-executed" }, Date.parse(PROPOSED_AT) + 33 * HOUR), signIn({ uid: "00u-executed" }, Date.parse(PROPOSED_AT) + 35 * HOUR)]);

    expect(result.accepted[0]!.correlatedActionId).toBe(action.id);
    expect(result.accepted[1]!.correlatedActionId).toBeUndefined();
  });

  test("matches the display name ignoring case", async () => {
    const { action } = await propose(okta, "00u-by-name", "Build-Runner@Example.com");

    const result = await ingest(okta.name, [signIn({ name: "BUILD-RUNNER@example.COM" }, "2026-01-01T01:00:00Z")]);

    expect(only(result.accepted).correlatedActionId).toBe(action.id);
  });

  test("ignores a target of another domain", async () => {
    await propose(okta, "00u-other-domain", "other-domain@example.com");

    const result = await ingest(github.name, [signIn({ uid: "00u-other-domain" }, "2026-01-01T00:05:00Z")]);

    expect(only(result.accepted).incidentId).toBeUndefined();
  });

  test("picks the latest proposal of several matches", async () => {
    const incidentB = await createIncident(db.prisma);
    const early = await propose(aws, "AKIA4EXAMPLESHARED01", "shared-key", "2026-01-01T00:00:00Z");
    const context = await serviceContext(db.prisma, workload(client), { clock: new ManualClock("2026-01-01T02:00:00Z") });
    const { action: late } = await proposeAction(
      context,
      ZProposeActionBody.parse({ kind: "rotate_credential", target: { domain: aws.name, identity: "AKIA4EXAMPLESHARED01" }, incidentId: incidentB.id, justification: "Key reused." }),
    );
    const event = fresh(ocsfEvent("cloudtrail-delete-access-key"), { time: Date.parse("2026-01-01T03:00:00Z"), resources: [{ type: "AWS::IAM::AccessKey", uid: "AKIA4EXAMPLESHARED01" }] });

    const result = await ingest(aws.name, [event]);

    expect(early.action.id).not.toBe(late.id);
    expect(only(result.accepted)).toMatchObject({ correlatedActionId: late.id, incidentId: incidentB.id });
  });
});

describe("ingestDomainEvents deduplication", () => {
  test("reports a re-sent event with its stored id", async () => {
    const events = [fresh(ocsfEvent("okta-authentication")), fresh(ocsfEvent("github-remove-member"))];

    const first = await ingest(okta.name, events);
    const second = await ingest(okta.name, events);

    expect(second.accepted.map((event) => event.eventId)).toEqual(first.accepted.map((event) => event.eventId));
    expect(second.accepted.every((event) => event.duplicate === true)).toBe(true);
    expect(first.accepted.some((event) => event.duplicate)).toBe(false);
    const uids = events.map((event) => event.metadata.uid as string);
    const rows = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE domain = $1 AND payload->'ocsf'->>'uid' = ANY($2)`, [okta.name, uids]);
    expect(rows.rows[0]?.n).toBe(2);
  });

  test("stores a repeated uid once within a batch", async () => {
    const event = fresh(ocsfEvent("okta-authentication"));

    const result = await ingest(okta.name, [event, event]);

    expect(result.accepted[1]!.eventId).toBe(result.accepted[0]!.eventId);
    expect(result.accepted[1]!.duplicate).toBe(true);
  });

  test("deduplicates per domain", async () => {
    const event = fresh(ocsfEvent("okta-authentication"));

    const inOkta = await ingest(okta.name, [event]);
    const inGithub = await ingest(github.name, [event]);

    expect(only(inGithub.accepted).eventId).not.toBe(only(inOkta.accepted).eventId);
    expect(only(inGithub.accepted).duplicate).toBeUndefined();
  });

  test("stores events without metadata.uid every time", async () => {
    const event = ocsfEvent("okta-authentication");
    delete event.metadata.uid;

    const first = await ingest(okta.name, [event]);
    const second = await ingest(okta.name, [event]);

    expect(only(second.accepted).eventId).not.toBe(only(first.accepted).eventId);
  });

  test("stores each uid once under concurrent batches", async () => {
    const events = Array.from({ length: 300 }, () => fresh(ocsfEvent("okta-authentication")));

    const results = await Promise.all([ingest(okta.name, events), ingest(okta.name, [...events].reverse()), ingest(okta.name, events), ingest(okta.name, events.slice(100))]);

    const uids = events.map((event) => event.metadata.uid as string);
    const rows = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE domain = $1 AND payload->'ocsf'->>'uid' = ANY($2)`, [okta.name, uids]);
    expect(rows.rows[0]?.n).toBe(300);
    const ids = new Set(results.flatMap((result) => result.accepted.map((event) => event.eventId)));
    expect(ids.size).toBe(300);
  });
});

describe("ingestDomainEvents scope", () => {
  test("rejects a client not scoped to the domain", async () => {
    const unscoped = await createClient(db.prisma, { domains: [aws.name] });
    const event = fresh(ocsfEvent("okta-authentication"));

    await expect(ingest(okta.name, [event], workload(unscoped))).rejects.toMatchObject({ code: "forbidden", details: { domain: okta.name } });
    expect(await db.query(`SELECT 1 FROM audit_events WHERE payload->'ocsf'->>'uid' = $1`, [event.metadata.uid]).then((rows) => rows.rowCount)).toBe(0);
  });

  test("rejects a person", async () => {
    const user = await createUser(db.prisma, { roles: ["admin"] });

    await expect(ingest(okta.name, [fresh(ocsfEvent("okta-authentication"))], person(user))).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("ZIngestEventsBody", () => {
  test.each([
    ["an empty batch", { domain: "okta-prod", events: [] }, "/events", "at least one event"],
    ["1001 events", { domain: "okta-prod", events: Array.from({ length: 1001 }, () => ({})) }, "/events", "contains 1001 events; send at most 1000"],
    ["the reserved domain name", { domain: "cordon", events: [{}] }, "/domain", "Cordon's own events"],
    ["an unknown member", { domain: "okta-prod", events: [{}], extra: true }, "", "extra"],
  ])("rejects %s", (_case, body, pointer, message) => {
    const parsed = ZIngestEventsBody.safeParse(body);

    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues[0]!;
    expect(`/${issue.path.join("/")}`.replace(/^\/$/, "")).toBe(pointer);
    expect(JSON.stringify(parsed.error!.issues)).toContain(message);
  });
});

describe("ingestDomainEvents at scale", () => {
  test("stores a 1000-event batch", async () => {
    const templates = [...ocsfFixture("okta-authentication"), ...ocsfFixture("okta-account-change"), ...ocsfFixture("cloudtrail-delete-access-key"), ...ocsfFixture("github-remove-member")];
    const events = Array.from({ length: 1000 }, (_, index) => fresh(templates[index % templates.length]!, { time: Date.parse("2026-02-01T00:00:00Z") + index }));

    const started = performance.now();
    const result = await ingest(okta.name, events);
    const elapsed = performance.now() - started;

    console.info(`ingestDomainEvents: 1000 OCSF events in ${elapsed.toFixed(0)} ms`);
    expect(result.rejected).toEqual([]);
    expect(result.accepted).toHaveLength(1000);
    expect(new Set(result.accepted.map((event) => event.eventId)).size).toBe(1000);
    expect((await verifyAuditChains(db.prisma, { chain: "global" })).ok).toBe(true);
  });
});

describe("ingestDomainEvents with naughty strings", () => {
  const naughty = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../../tests/fixtures/naughty-strings/blns.json"), "utf8")) as string[];

  test("accepts or rejects each event without a server error", async () => {
    const { action } = await propose(github, "naughty-target", "naughty-target");
    const template = ocsfEvent("github-remove-member");
    const events = naughty.map((text) =>
      fresh(template, {
        message: text,
        metadata: { ...template.metadata, uid: `${unique("evt")}${text}`, correlation_uid: action.id, product: { name: text, vendor_name: `GitHub ${text}` } },
        actor: { user: { uid: `actor-${text}`, name: text } },
        user: { uid: "9919", name: text },
        group: { name: text },
        unmapped: { [text || "empty"]: text },
      }),
    );

    const result = await ingest(github.name, events);

    expect(result.accepted.length + result.rejected.length).toBe(naughty.length);
    expect(result.accepted.length).toBeGreaterThan(naughty.length - 10);
    for (const rejected of result.rejected) {
      expect(rejected.errors.length).toBeGreaterThan(0);
      for (const error of rejected.errors) expect(error.pointer.startsWith(`/events/${rejected.index}`)).toBe(true);
    }
    expect((await verifyAuditChains(db.prisma, { chain: incident.id })).ok).toBe(true);
    const summaries: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await loadTimeline(db.prisma, incident.id, { limit: 200, ...(cursor ? { cursor } : {}) });
      summaries.push(...page.items.map((item) => item.summary));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(summaries.length).toBeGreaterThanOrEqual(result.accepted.length);
    expect(summaries.filter((summary) => /[\n\r\u2028\u2029\u202e]/.test(summary))).toEqual([]);
  });

  test("rejects naughty domain names with a domain error", async () => {
    for (const text of naughty) {
      const parsed = ZIngestEventsBody.safeParse({ domain: text, events: [fresh(ocsfEvent("okta-authentication"))] });
      if (!parsed.success) continue;
      const error = await ingestDomainEvents({ db: db.prisma, actor: workload(client), clock: new ManualClock(), logger: silent }, parsed.data).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error, JSON.stringify(text)).toBeInstanceOf(CordonError);
      expect(error).not.toBeInstanceOf(ValidationFailed);
    }
  });
});
