import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody, type ProposeActionInput } from "@/lib/actions/schemas";
import { appendAuditEvent } from "@/lib/audit/append";
import type { Domain, Incident, User, WorkloadClient } from "@/lib/db/client";
import { ManualClock } from "@/lib/time/clock";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient, createDomain, createIncident, createUser, person, serviceContext, workload } from "@/tests/support/factories";
import { listQueue } from "./list-queue";
import { loadReview } from "./load-review";

let db: TestDatabase;
let domain: Domain;
let incident: Incident;
let client: WorkloadClient;
let approver: User;
const clock = new ManualClock("2026-03-01T10:00:00.000Z");

beforeAll(async () => {
  db = await createTestDatabase();
  domain = await createDomain(db.prisma, { name: "queue-postgres" });
  incident = await createIncident(db.prisma);
  client = await createClient(db.prisma, { domains: [domain.name], owner: "soar-owner@example.com" });
  approver = await createUser(db.prisma, { roles: ["approver"] });
});

afterAll(async () => {
  await db.drop();
});

let targetCounter = 0;
async function propose(overrides: Partial<ProposeActionInput> = {}) {
  targetCounter += 1;
  const body = ZProposeActionBody.parse({
    kind: "disable_account",
    target: { domain: domain.name, identity: `role-${targetCounter}`, displayName: `svc_${targetCounter}` },
    parameters: {},
    incidentId: incident.id,
    justification: "Credential seen in a public CI log.",
    ...overrides,
  });
  const context = await serviceContext(db.prisma, workload(client), { clock });
  return (await proposeAction(context, body)).action;
}

describe("listQueue", () => {
  let soonest: string;
  let middle: string;
  let latest: string;
  let rejected: string;

  beforeAll(async () => {
    latest = (await propose({ decisionDeadline: "PT50M" })).id;
    soonest = (await propose({ decisionDeadline: "PT5M" })).id;
    middle = (await propose({ decisionDeadline: "PT20M" })).id;
    rejected = (await propose({ decisionDeadline: "PT1M" })).id;
    const context = await serviceContext(db.prisma, person(approver), { clock });
    await recordApproval(context, rejected, ZApprovalBody.parse({ decision: "reject", reason: "wrong target" }));
  });

  test("orders pending actions by decision deadline", async () => {
    const page = await listQueue({ db: db.prisma });

    expect(page.items.map((item) => item.id)).toEqual([soonest, middle, latest]);
    expect(page.total).toBe(3);
  });

  test("leaves out actions that are not pending", async () => {
    const page = await listQueue({ db: db.prisma });

    expect(page.items.map((item) => item.id)).not.toContain(rejected);
    expect(page.items.every((item) => item.state === "pending")).toBe(true);
  });

  test("reports the total beyond the limit", async () => {
    const page = await listQueue({ db: db.prisma, limit: 2 });

    expect(page.items.map((item) => item.id)).toEqual([soonest, middle]);
    expect(page.total).toBe(3);
    expect(page.limit).toBe(2);
  });
});

describe("loadReview", () => {
  test("returns the incident, scope diff and limits", async () => {
    const action = await propose({ kind: "quarantine_workload", decisionDeadline: "PT10M" });

    const review = await loadReview(action.id, { db: db.prisma });

    expect(review.incident).toMatchObject({ id: incident.id, title: incident.title, severity: incident.severity, links: [], sourceUrl: null });
    expect(review.scopeDiff?.objects[0]).toMatchObject({ type: "identity", before: {}, after: { requestedChange: "quarantine_workload" } });
    expect(review.drift).toEqual({ count: 0, lastAt: null });
    // quarantine_workload is critical: the default policies cap the window at 15 minutes.
    expect(review.limits).toEqual({ maxExecutionWindowSeconds: 900, maxEffectDurationSeconds: 24 * 3600 });
  });

  test("gives no effect duration to a kind that cannot revert", async () => {
    const action = await propose({ kind: "revoke_token" });

    const review = await loadReview(action.id, { db: db.prisma });

    expect(review.limits.maxEffectDurationSeconds).toBe(0);
  });

  test("drops links and evidence URLs that are not http(s)", async () => {
    const action = await propose();
    const other = await db.prisma.incident.create({
      data: {
        externalId: `INC-links-${targetCounter}`,
        title: "Links",
        severity: "low",
        summary: "",
        source: "javascript:alert(1)",
        links: [{ url: "javascript:alert(1)" }, { title: "Ticket", url: "https://tickets.example.com/1" }, { url: "data:text/html,x" }, "not an object"],
      },
    });
    await db.prisma.action.update({
      where: { id: action.id },
      data: { incidentId: other.id, evidence: [{ title: "log line", url: "javascript:alert(1)", detail: "<script>x</script>" }, { title: "dashboard", url: "http://siem.example.com/a" }, { nope: 1 }] },
    });

    const review = await loadReview(action.id, { db: db.prisma });

    expect(review.incident.sourceUrl).toBeNull();
    expect(review.incident.source).toBe("javascript:alert(1)");
    expect(review.incident.links).toEqual([{ title: "Ticket", url: "https://tickets.example.com/1" }]);
    expect(review.evidence).toEqual([
      { title: "log line", detail: "<script>x</script>", url: null, observedAt: null },
      { title: "dashboard", detail: null, url: "http://siem.example.com/a", observedAt: null },
    ]);
  });

  test("counts drift events", async () => {
    const action = await propose();
    await db.prisma.$transaction(async (tx) => {
      await appendAuditEvent(tx, { occurredAt: new Date("2026-03-01T10:05:00.000Z"), actor: { type: "system", id: "cordon" }, eventType: "action.drifted", actionId: action.id, incidentId: incident.id, payload: {} });
      await appendAuditEvent(tx, { occurredAt: new Date("2026-03-01T10:07:00.000Z"), actor: { type: "system", id: "cordon" }, eventType: "action.drifted", actionId: action.id, incidentId: incident.id, payload: {} });
    });

    const review = await loadReview(action.id, { db: db.prisma });

    expect(review.drift).toEqual({ count: 2, lastAt: "2026-03-01T10:07:00.000Z" });
  });

  test("returns null scope diff for a plan of another shape", async () => {
    const action = await propose();
    await db.prisma.action.update({ where: { id: action.id }, data: { plan: { steps: ["x"] } } });

    const review = await loadReview(action.id, { db: db.prisma });

    expect(review.scopeDiff).toBeNull();
  });

  test("throws NotFound for an unknown or malformed id", async () => {
    await expect(loadReview("00000000-0000-4000-8000-000000000000", { db: db.prisma })).rejects.toMatchObject({ code: "not_found" });
    await expect(loadReview("../etc/passwd", { db: db.prisma })).rejects.toMatchObject({ code: "not_found" });
  });
});
