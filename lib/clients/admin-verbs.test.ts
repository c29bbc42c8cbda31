import { readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Actor } from "@/lib/actions/context";
import { verifyAuditChains } from "@/lib/audit/verify";
import { addDomain } from "@/lib/domains/add-domain";
import { CordonError } from "@/lib/errors";
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

describe("administration verbs with naughty strings", () => {
  const NAUGHTY_STRINGS: string[] = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../tests/fixtures/naughty-strings/blns.json"), "utf8"));
  const EXTRA = ["\u0000", "a\u0000b", "\uD800", "x\uDC00y", "https://a.example.com/\u0000", "https://a.example.com/ x", "env:A\u0000", "file:/a\u0000"];
  const inputs = [...NAUGHTY_STRINGS, ...EXTRA];

  // Each call either succeeds or throws one of Cordon's typed errors; anything else would
  // reach the operator as a stack trace.
  async function expectHandled(label: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      expect(error, label).toBeInstanceOf(CordonError);
    }
  }

  test("createClient handles them in every field", async () => {
    for (const text of inputs) {
      await expectHandled(`owner ${JSON.stringify(text)}`, () => createClient(context(), { name: unique("n"), ownerEmail: text }));
      await expectHandled(`domain ${JSON.stringify(text)}`, () => createClient(context(), { name: unique("n"), ownerEmail: "o@example.com", allowedDomains: [text] }));
      await expectHandled(`kind ${JSON.stringify(text)}`, () => createClient(context(), { name: unique("n"), ownerEmail: "o@example.com", allowedKinds: [text] }));
      await expectHandled(`issuer ${JSON.stringify(text)}`, () => createClient(context(), { name: unique("n"), ownerEmail: "o@example.com", jwt: { issuer: text, subject: "s" } }));
      await expectHandled(`subject ${JSON.stringify(text)}`, () => createClient(context(), { name: unique("n"), ownerEmail: "o@example.com", jwt: { issuer: "https://naughty.example.com", subject: text } }));
      await expectHandled(`reference ${JSON.stringify(text)}`, () => disableClient(context(), text));
      await expectHandled(`rotation ${JSON.stringify(text)}`, () => rotateClientKey(context(), { client: text, lifetime: text }));
    }
  }, 120_000);

  test("user and token verbs handle them", async () => {
    const email = `${unique("naughty")}@example.com`;
    await createUser(context(), { email, roles: ["approver"], password: "a-long-enough-password" });

    // Every accepted display name costs an argon2id hash, so only a sample of them is created.
    const displayNames = inputs.filter((text, index) => index % 10 === 0 || /[\p{C}\p{Zl}\p{Zp}]/u.test(text));
    for (const text of displayNames) {
      await expectHandled(`display name ${JSON.stringify(text)}`, () => createUser(context(), { email: `${unique("n")}@example.com`, roles: ["approver"], displayName: text, password: "a-long-enough-password" }));
    }

    for (const text of inputs) {
      await expectHandled(`role ${JSON.stringify(text)}`, () => createUser(context(), { email: `${unique("n")}@example.com`, roles: [text], password: "a-long-enough-password" }));
      await expectHandled(`disable ${JSON.stringify(text)}`, () => disableUser(context(), text));
      await expectHandled(`token name ${JSON.stringify(text)}`, () => createPersonalToken(context(), { email, name: text, lifetime: "1h" }));
      await expectHandled(`token lifetime ${JSON.stringify(text)}`, () => createPersonalToken(context(), { email, lifetime: text }));
      await expectHandled(`token id ${JSON.stringify(text)}`, () => revokePersonalToken(context(), text));
    }
  }, 120_000);

  test("addDomain handles them in every field", async () => {
    for (const text of inputs) {
      await expectHandled(`name ${JSON.stringify(text)}`, () => addDomain(context(), { name: text, kind: "scim", settings: { baseUrl: "https://scim.example.com" }, credentialRef: "env:SCIM_TOKEN" }));
      await expectHandled(`kind ${JSON.stringify(text)}`, () => addDomain(context(), { name: unique("d"), kind: text, settings: {}, credentialRef: "env:SCIM_TOKEN" }));
      await expectHandled(`URL ${JSON.stringify(text)}`, () => addDomain(context(), { name: unique("d"), kind: "scim", settings: { baseUrl: text }, credentialRef: "env:SCIM_TOKEN" }));
      await expectHandled(`host ${JSON.stringify(text)}`, () => addDomain(context(), { name: unique("d"), kind: "postgresql", settings: { host: text, database: "app", user: "u" }, credentialRef: "env:PG" }));
      await expectHandled(`key ${JSON.stringify(text)}`, () => addDomain(context(), { name: unique("d"), kind: "postgresql", settings: { [text]: 1 }, credentialRef: "env:PG" }));
      await expectHandled(`credential ${JSON.stringify(text)}`, () => addDomain(context(), { name: unique("d"), kind: "scim", settings: { baseUrl: "https://scim.example.com" }, credentialRef: text }));
    }
  }, 120_000);
});
