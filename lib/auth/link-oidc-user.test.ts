import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { User } from "@/lib/db/client";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createUser, unique } from "@/tests/support/factories";
import { hashPassword } from "./password";
import { linkOidcUser, oidcSubjectOf, type OidcLinkResult, type OidcLinkSettings } from "./link-oidc-user";
import { parseRoleMap } from "./oidc-roles";

const logger = pino({ level: "silent" });
const ISSUER = "https://login.example.com";
const settings: OidcLinkSettings = { issuer: ISSUER, groupsClaim: "groups", roleMap: parseRoleMap("sec-approvers=approver,soc=analyst,iam=admin") };
const NOW = new Date("2026-03-01T09:00:00.000Z");

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

function claimsFor(email: string, groups: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: unique("sub"), email, email_verified: true, name: "Ada Lovelace", groups, ...extra };
}

/** Returns the signed-in person, failing the test with the rejection reason otherwise. */
function userOf(result: OidcLinkResult): User {
  if (!result.ok) throw new Error(`expected a signed-in person, got the rejection ${result.reason}`);
  return result.user;
}

async function eventsFor(userId: string): Promise<string[]> {
  const events = await db.prisma.auditEvent.findMany({ where: { actorId: userId }, orderBy: { occurredAt: "asc" } });
  return events.map((event) => event.eventType);
}

describe("linkOidcUser", () => {
  test("linkOidcUser creates a person on first sign-in", async () => {
    const email = `${unique("new")}@example.com`;
    const claims = claimsFor(email, ["sec-approvers", "contractors"]);

    const result = await linkOidcUser(db.prisma, claims, settings, NOW, logger);

    expect(result.ok).toBe(true);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(user.roles).toEqual(["approver"]);
    expect(user.oidcSubject).toBe(oidcSubjectOf(ISSUER, String(claims.sub)));
    expect(user.passwordHash).toBeNull();
    expect(user.displayName).toBe("Ada Lovelace");
    expect(user.lastSignInAt).toEqual(NOW);
    expect(await eventsFor(user.id)).toEqual(["user.created"]);
  });

  test("linkOidcUser links a local account with the same email", async () => {
    const email = `${unique("local")}@example.com`;
    const passwordHash = await hashPassword("local-password-123");
    const local = await db.prisma.user.create({ data: { email, displayName: "Local Person", roles: ["analyst"], passwordHash } });
    const claims = claimsFor(email.toUpperCase(), ["sec-approvers"]);

    const result = await linkOidcUser(db.prisma, claims, settings, NOW, logger);

    expect(userOf(result).id).toBe(local.id);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: local.id } });
    expect(user.oidcSubject).toBe(oidcSubjectOf(ISSUER, String(claims.sub)));
    expect(user.roles).toEqual(["approver"]);
    expect(user.passwordHash).toBe(passwordHash);
    expect(user.displayName).toBe("Local Person");
    expect(await eventsFor(local.id)).toEqual(["user.oidc_linked", "user.roles_changed"]);
  });

  test("linkOidcUser finds a linked person by subject", async () => {
    const email = `${unique("linked")}@example.com`;
    const claims = claimsFor(email, ["soc"]);
    const first = await linkOidcUser(db.prisma, claims, settings, NOW, logger);

    const second = await linkOidcUser(db.prisma, { ...claims, email: `${unique("renamed")}@example.com` }, settings, NOW, logger);

    expect(userOf(second).id).toBe(userOf(first).id);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { email } })).oidcSubject).toBe(oidcSubjectOf(ISSUER, String(claims.sub)));
  });

  test("linkOidcUser replaces roles with the mapped groups", async () => {
    const email = `${unique("regrouped")}@example.com`;
    const claims = claimsFor(email, ["sec-approvers", "iam"]);
    const first = await linkOidcUser(db.prisma, claims, settings, NOW, logger);

    const second = await linkOidcUser(db.prisma, { ...claims, groups: ["soc"] }, settings, NOW, logger);

    expect(userOf(first).roles).toEqual(["admin", "approver"]);
    expect(userOf(second).roles).toEqual(["analyst"]);
    expect(await eventsFor(userOf(second).id)).toEqual(["user.created", "user.roles_changed"]);
  });

  test("linkOidcUser leaves unchanged roles unaudited", async () => {
    const claims = claimsFor(`${unique("steady")}@example.com`, ["soc"]);
    await linkOidcUser(db.prisma, claims, settings, NOW, logger);

    const again = await linkOidcUser(db.prisma, claims, settings, NOW, logger);

    expect(await eventsFor(userOf(again).id)).toEqual(["user.created"]);
  });

  test("linkOidcUser rejects a disabled account found by email", async () => {
    const user = await createUser(db.prisma, { roles: ["approver"] });
    await db.prisma.user.update({ where: { id: user.id }, data: { disabled: true } });

    const result = await linkOidcUser(db.prisma, claimsFor(user.email, ["sec-approvers"]), settings, NOW, logger);

    expect(result).toEqual({ ok: false, reason: "disabled" });
    const after = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.oidcSubject).toBeNull();
    expect(after.lastSignInAt).toBeNull();
  });

  test("linkOidcUser rejects a disabled account found by subject", async () => {
    const claims = claimsFor(`${unique("disabled")}@example.com`, ["soc"]);
    const first = await linkOidcUser(db.prisma, claims, settings, NOW, logger);
    await db.prisma.user.update({ where: { id: userOf(first).id }, data: { disabled: true } });

    expect(await linkOidcUser(db.prisma, claims, settings, NOW, logger)).toEqual({ ok: false, reason: "disabled" });
  });

  test("linkOidcUser rejects a person without a mapped role", async () => {
    const email = `${unique("contractor")}@example.com`;

    const result = await linkOidcUser(db.prisma, claimsFor(email, ["contractors"]), settings, NOW, logger);

    expect(result).toEqual({ ok: false, reason: "no_role" });
    expect(await db.prisma.user.findUnique({ where: { email } })).toBeNull();
  });

  test("linkOidcUser keeps an unmapped local account unchanged", async () => {
    const user = await createUser(db.prisma, { roles: ["admin"] });

    const result = await linkOidcUser(db.prisma, claimsFor(user.email, []), settings, NOW, logger);

    expect(result).toEqual({ ok: false, reason: "no_role" });
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).roles).toEqual(["admin"]);
  });

  test.each([
    ["no sub", { sub: undefined }],
    ["empty sub", { sub: "" }],
    ["no email", { email: undefined }],
    ["email without @", { email: "not-an-email" }],
    ["email over 320 characters", { email: `${"a".repeat(320)}@example.com` }],
  ])("linkOidcUser rejects claims with %s", async (_case, override) => {
    const claims = { ...claimsFor(`${unique("claims")}@example.com`, ["soc"]), ...override };

    expect(await linkOidcUser(db.prisma, claims, settings, NOW, logger)).toEqual({ ok: false, reason: "missing_claims" });
  });

  test("linkOidcUser rejects an unverified email", async () => {
    const user = await createUser(db.prisma, { roles: ["admin"] });

    const result = await linkOidcUser(db.prisma, claimsFor(user.email, ["iam"], { email_verified: false }), settings, NOW, logger);

    expect(result).toEqual({ ok: false, reason: "unverified_email" });
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).oidcSubject).toBeNull();
  });

  test("linkOidcUser accepts claims without email_verified", async () => {
    const claims = claimsFor(`${unique("unstated")}@example.com`, ["soc"], { email_verified: undefined });

    expect((await linkOidcUser(db.prisma, claims, settings, NOW, logger)).ok).toBe(true);
  });

  test("linkOidcUser rejects another subject of the same issuer", async () => {
    const email = `${unique("taken")}@example.com`;
    const owner = claimsFor(email, ["iam"]);
    await linkOidcUser(db.prisma, owner, settings, NOW, logger);

    const result = await linkOidcUser(db.prisma, claimsFor(email, ["iam"]), settings, NOW, logger);

    expect(result).toEqual({ ok: false, reason: "linked_to_other_subject" });
    expect((await db.prisma.user.findUniqueOrThrow({ where: { email } })).oidcSubject).toBe(oidcSubjectOf(ISSUER, String(owner.sub)));
  });

  test("linkOidcUser relinks an account of a previous issuer", async () => {
    const email = `${unique("moved")}@example.com`;
    const before = await linkOidcUser(db.prisma, claimsFor(email, ["soc"]), { ...settings, issuer: "http://127.0.0.1:4100" }, NOW, logger);
    const claims = claimsFor(email, ["soc"]);

    const after = await linkOidcUser(db.prisma, claims, settings, NOW, logger);

    expect(userOf(after).id).toBe(userOf(before).id);
    expect(userOf(after).oidcSubject).toBe(oidcSubjectOf(ISSUER, String(claims.sub)));
  });

  test("linkOidcUser creates one person for concurrent first sign-ins", async () => {
    const email = `${unique("race")}@example.com`;
    const claims = claimsFor(email, ["soc"]);

    const results = await Promise.all([1, 2, 3].map(() => linkOidcUser(db.prisma, claims, settings, NOW, logger)));

    expect(results.map((result) => (result.ok ? "ok" : result.reason))).toEqual(["ok", "ok", "ok"]);
    expect(await db.prisma.user.count({ where: { email } })).toBe(1);
  });
});
