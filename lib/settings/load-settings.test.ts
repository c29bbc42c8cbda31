import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateApiKey } from "@/lib/auth/api-key";
import { ManualClock } from "@/lib/time/clock";
import type { AdminContext } from "@/lib/users/admin-context";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createUser, person, unique } from "@/tests/support/factories";
import { loadSettings, type SettingsView } from "./load-settings";

const silent = pino({ level: "silent" });
const clock = new ManualClock("2026-07-01T12:00:00Z");

let db: TestDatabase;
let view: SettingsView;
let secretHash: string;
const names = { ready: unique("set-ready"), missing: unique("set-missing"), file: unique("set-file"), invalid: unique("set-invalid"), broken: unique("set-broken") };
const variable = `CORDON_SETTINGS_TEST_${Date.now()}`;

function context(actor: AdminContext["actor"]): AdminContext {
  return { db: db.prisma, clock, actor, requestId: unique("req"), logger: silent };
}

beforeAll(async () => {
  db = await createTestDatabase();
  process.env[variable] = "a-secret-the-page-must-not-show";
  await db.prisma.domain.createMany({
    data: [
      { name: names.ready, kind: "scim", settings: { baseUrl: "https://scim.example.com/v2" }, credentialRef: `env:${variable}` },
      { name: names.missing, kind: "scim", settings: { baseUrl: "https://scim.example.com/v2" }, credentialRef: "env:CORDON_SETTINGS_TEST_NOT_SET" },
      { name: names.file, kind: "oauth2", settings: { issuer: "https://auth.example.com", clientId: "cordon-revoker" }, credentialRef: "file:/nonexistent/cordon/oauth-secret" },
      // A secret typed into the reference by mistake: it must not reach the page.
      { name: names.invalid, kind: "postgresql", settings: {}, credentialRef: "hunter2-plain-password" },
      { name: names.broken, kind: "scim", settings: { baseUrl: "ftp://scim.example.com" }, credentialRef: `env:${variable}`, enabled: false },
    ],
  });

  const client = await db.prisma.workloadClient.create({ data: { name: unique("set-client"), ownerEmail: "owner@example.com", allowedKinds: ["disable_account"], allowedDomains: [names.ready] } });
  const key = generateApiKey();
  secretHash = key.secretHash;
  await db.prisma.apiKey.create({ data: { id: key.id, clientId: client.id, secretHash: key.secretHash, createdAt: new Date("2026-06-01T00:00:00Z") } });
  await db.prisma.apiKey.create({ data: { id: generateApiKey().id, clientId: client.id, secretHash: "0".repeat(64), revokedAt: new Date("2026-06-15T00:00:00Z") } });
  await db.prisma.workloadClient.create({
    data: { name: unique("set-jwt"), ownerEmail: "owner@example.com", jwtIssuer: "https://issuer.example.com", jwtSubject: "soar", floodFlaggedAt: new Date("2026-06-30T00:00:00Z") },
  });
  await db.prisma.user.create({ data: { email: `${unique("locked")}@example.com`, displayName: "Locked Lee", roles: ["approver"], passwordHash: "x", lockedUntil: new Date("2026-07-01T12:05:00Z") } });

  const admin = await createUser(db.prisma, { roles: ["admin"] });
  view = await loadSettings(context(person(admin)));
});

afterAll(async () => {
  delete process.env[variable];
  await db.drop();
});

function domain(name: string) {
  if (!view.domains.ok) throw new Error(`domains section failed: ${view.domains.message}`);
  const row = view.domains.value.find((candidate) => candidate.name === name);
  if (!row) throw new Error(`domain ${name} not listed`);
  return row;
}

describe("loadSettings", () => {
  test("rejects a person without the admin role", async () => {
    const analyst = await createUser(db.prisma, { roles: ["analyst", "approver"] });

    await expect(loadSettings(context(person(analyst)))).rejects.toMatchObject({ code: "forbidden" });
  });

  test("never contains a secret or a key hash", () => {
    const text = JSON.stringify(view);

    expect(text).not.toContain("a-secret-the-page-must-not-show");
    expect(text).not.toContain("hunter2-plain-password");
    expect(text).not.toContain(secretHash);
    expect(text).not.toContain("secretHash");
    expect(text).not.toContain("passwordHash");
  });
});

describe("domain settings", () => {
  test("reports a domain with a valid setup as ready", () => {
    const row = domain(names.ready);

    expect(row.status).toBe("ready");
    expect(row.problems).toEqual([]);
    expect(row.credential).toEqual({ kind: "env", variable });
    expect(row.requirements.map((requirement) => requirement.privilege)).toContain("Modify the active attribute of Users: PATCH /Users/{id}");
  });

  test("names a missing environment variable", () => {
    const row = domain(names.missing);

    expect(row.status).toBe("attention");
    expect(row.problems).toEqual(["environment variable CORDON_SETTINGS_TEST_NOT_SET is not set here; the Cordon server process must have it"]);
  });

  test("shows a file reference", () => {
    const row = domain(names.file);

    expect(row.credential).toEqual({ kind: "file", path: "/nonexistent/cordon/oauth-secret" });
    expect(row.status).toBe("attention");
    expect(row.problems[0]).toContain("credential file /nonexistent/cordon/oauth-secret");
    expect(row.requirements[0]?.privilege).toContain("OAuth client cordon-revoker");
    expect(row.requirements).toHaveLength(1);
  });

  test("hides an invalid reference", () => {
    const row = domain(names.invalid);

    expect(row.credential).toEqual({ kind: "invalid" });
    expect(row.problems).toContain("the credential reference is not env:NAME or file:/absolute/path; register the domain again with a valid one");
    expect(row.requirements.some((requirement) => requirement.privilege === "CREATEROLE")).toBe(true);
  });

  test("marks a disabled domain", () => {
    const row = domain(names.broken);

    expect(row.status).toBe("disabled");
    expect(row.enabled).toBe(false);
    expect(row.problems.some((problem) => problem.startsWith("settings baseUrl:"))).toBe(true);
  });
});

describe("client settings", () => {
  test("lists API keys and JWT clients", () => {
    if (!view.clients.ok) throw new Error(view.clients.message);
    const keys = view.clients.value.flatMap((client) => (client.authentication.method === "api_key" ? [client.authentication.keys] : [])).find((list) => list.length === 2);
    const jwtClient = view.clients.value.find((client) => client.authentication.method === "jwt");

    expect(keys?.map((key) => key.active)).toEqual([false, true]);
    expect(keys?.[1]?.createdAt).toBe("2026-06-01T00:00:00.000Z");
    expect(keys?.[1]?.lastUsedAt).toBeNull();
    expect(jwtClient?.authentication).toEqual({ method: "jwt", issuer: "https://issuer.example.com", subject: "soar", jwksUrl: null });
    expect(jwtClient?.floodFlaggedAt).toBe("2026-06-30T00:00:00.000Z");
  });
});

describe("user settings", () => {
  test("marks a person locked until a later time", () => {
    if (!view.users.ok) throw new Error(view.users.message);
    const locked = view.users.value.find((user) => user.displayName === "Locked Lee");

    expect(locked?.locked).toBe(true);
    expect(locked?.lockedUntil).toBe("2026-07-01T12:05:00.000Z");
    expect(locked?.signIn).toBe("password");
  });
});

describe("policy settings", () => {
  test("lists the loaded policies with their source", () => {
    if (!view.policies.ok) throw new Error(view.policies.message);

    expect(view.policies.value.policies.map((policy) => policy.id)).toContain("workload-may-propose");
    expect(view.policies.value.policies.every((policy) => policy.source.length > 0)).toBe(true);
  });
});
