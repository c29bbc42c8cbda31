import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Actor } from "@/lib/actions/context";
import { verifyAuditChains } from "@/lib/audit/verify";
import { addDomain } from "@/lib/domains/add-domain";
import { listDomains } from "@/lib/domains/list-domains";
import { ManualClock } from "@/lib/time/clock";
import { CLI_ACTOR, type AdminContext } from "@/lib/users/admin-context";
import { createPersonalToken } from "@/lib/users/create-personal-token";
import { createUser } from "@/lib/users/create-user";
import { disableUser } from "@/lib/users/disable-user";
import { listUsers } from "@/lib/users/list-users";
import { revokePersonalToken } from "@/lib/users/revoke-personal-token";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createClient as createClientRow, createUser as createUserRow, person, unique, workload } from "@/tests/support/factories";
import { createClient } from "./create-client";
import { disableClient } from "./disable-client";
import { listClients } from "./list-clients";
import { rotateClientKey } from "./rotate-client-key";

const silent = pino({ level: "silent" });
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

function context(actor: Actor = CLI_ACTOR, clock = new ManualClock("2026-03-01T10:00:00.000Z")): AdminContext {
  return { db: db.prisma, clock, actor, requestId: unique("req"), logger: silent };
}

describe("administration verbs", () => {
  test("reject workloads and people without the admin role", async () => {
    const analyst = person(await createUserRow(db.prisma, { roles: ["approver", "analyst"] }));
    const automation = workload(await createClientRow(db.prisma));
    const calls: ((ctx: AdminContext) => Promise<unknown>)[] = [
      (ctx) => createClient(ctx, { name: unique("x"), ownerEmail: "o@example.com" }),
      (ctx) => listClients(ctx),
      (ctx) => disableClient(ctx, "x"),
      (ctx) => rotateClientKey(ctx, { client: "x" }),
      (ctx) => createUser(ctx, { email: "x@example.com", roles: ["admin"] }),
      (ctx) => listUsers(ctx),
      (ctx) => disableUser(ctx, "x@example.com"),
      (ctx) => createPersonalToken(ctx, { email: "x@example.com" }),
      (ctx) => revokePersonalToken(ctx, "aaaaaaaaaaaa"),
      (ctx) => addDomain(ctx, { name: "x", kind: "scim", settings: {}, credentialRef: "env:X" }),
      (ctx) => listDomains(ctx),
    ];
    const before = await db.prisma.auditEvent.count();

    for (const call of calls) {
      await expect(call(context(analyst))).rejects.toMatchObject({ code: "forbidden" });
      await expect(call(context(automation))).rejects.toMatchObject({ code: "forbidden" });
    }
    expect(await db.prisma.auditEvent.count()).toBe(before);
  });

  test("accept an enabled admin and audit them as the actor", async () => {
    const admin = await createUserRow(db.prisma, { roles: ["admin"] });

    const { client } = await createClient(context(person(admin)), { name: unique("by-admin"), ownerEmail: "o@example.com" });

    const [event] = await db.prisma.auditEvent.findMany({ where: { eventType: "workload_client.created", actorId: admin.id } });
    expect((event?.payload as { clientId?: string }).clientId).toBe(client.id);
    expect(event?.actorType).toBe("person");
  });

  test("reject a disabled admin", async () => {
    const admin = await createUserRow(db.prisma, { roles: ["admin"] });
    const disabled = { ...admin, disabled: true };

    await expect(listClients(context(person(disabled)))).rejects.toMatchObject({ code: "forbidden" });
  });

  test("use the clock for stored times", async () => {
    const clock = new ManualClock("2026-03-01T10:00:00.000Z");
    const email = `${unique("clock")}@example.com`;
    await createUser(context(CLI_ACTOR, clock), { email, roles: ["approver"], password: "a-long-enough-password" });

    const { record } = await createPersonalToken(context(CLI_ACTOR, clock), { email, lifetime: "2h" });

    expect(record.createdAt.toISOString()).toBe("2026-03-01T10:00:00.000Z");
    expect(record.expiresAt?.toISOString()).toBe("2026-03-01T12:00:00.000Z");
  });
});

describe("rotateClientKey", () => {
  test("leaves one active key after concurrent rotations", async () => {
    const { client } = await createClient(context(), { name: unique("race"), ownerEmail: "o@example.com" });

    const results = await Promise.all(Array.from({ length: 5 }, () => rotateClientKey(context(), { client: client.name })));

    const active = await db.prisma.apiKey.findMany({ where: { clientId: client.id, revokedAt: null } });
    expect(active).toHaveLength(1);
    expect(results.map((result) => result.apiKey.record.id)).toContain(active[0]?.id);
    expect(results.reduce((total, result) => total + result.revokedKeyIds.length, 0)).toBe(5);
    const events = await db.prisma.auditEvent.findMany({ where: { eventType: "workload_client.key_rotated" } });
    expect(events.filter((event) => (event.payload as { clientId?: string }).clientId === client.id)).toHaveLength(5);
  });
});

describe("disableClient", () => {
  test("records one change when called concurrently", async () => {
    const { client } = await createClient(context(), { name: unique("race"), ownerEmail: "o@example.com" });

    const results = await Promise.all(Array.from({ length: 4 }, () => disableClient(context(), client.id)));

    expect(results.filter((result) => result.changed)).toHaveLength(1);
    const events = await db.prisma.auditEvent.findMany({ where: { eventType: "workload_client.disabled" } });
    expect(events.filter((event) => (event.payload as { clientId?: string }).clientId === client.id)).toHaveLength(1);
  });
});

describe("createUser", () => {
  test("creates one person when the same email is sent concurrently", async () => {
    const email = `${unique("race")}@example.com`;

    const results = await Promise.allSettled(Array.from({ length: 3 }, () => createUser(context(), { email, roles: ["approver"], password: "a-long-enough-password" })));

    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "validation_failed", errors: [{ pointer: "/email" }] });
    expect(await db.prisma.user.count({ where: { email } })).toBe(1);
  });
});

describe("administration audit events", () => {
  test("keep the global chain verifiable", async () => {
    const report = await verifyAuditChains(db.prisma, { chain: "global" });

    expect(report.ok).toBe(true);
    expect(report.chains[0]?.events).toBeGreaterThan(0);
  });
});
