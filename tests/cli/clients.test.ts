import { readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACTION_KINDS } from "@/lib/actions/catalogue";
import { hashApiKeySecret, parseApiKey } from "@/lib/auth/api-key";
import { authenticateBearer } from "@/lib/auth/authenticate-bearer";
import { createClient } from "@/lib/clients/create-client";
import { ValidationFailed } from "@/lib/errors";
import { ManualClock } from "@/lib/time/clock";
import { CLI_ACTOR } from "@/lib/users/admin-context";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createDomain, unique } from "@/tests/support/factories";
import { jsonOutput, runCli, type CliRun } from "./harness";

const silent = pino({ level: "silent" });
const NAUGHTY_STRINGS: string[] = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../fixtures/naughty-strings/blns.json"), "utf8"));

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await createDomain(db.prisma, { name: "pg-prod" });
  await createDomain(db.prisma, { name: "scim-main", kind: "scim" });
});

afterAll(async () => {
  await db.drop();
});

const cli = (...args: string[]) => runCli(db.url, args);

function expectOneLineError(run: CliRun, ...fragments: string[]): void {
  expect(run.crash).toBeUndefined();
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(/^cordon: [^\n]+\n$/);
  for (const fragment of fragments) expect(run.stderr).toContain(fragment);
}

async function auditEvents(eventType: string) {
  return db.prisma.auditEvent.findMany({ where: { eventType }, orderBy: { sequence: "asc" } });
}

async function counts() {
  return { clients: await db.prisma.workloadClient.count(), keys: await db.prisma.apiKey.count(), events: await db.prisma.auditEvent.count() };
}

function authenticate(token: string) {
  return authenticateBearer(db.prisma, `Bearer ${token}`, { audience: "cordon", now: () => new Date(), logger: silent });
}

describe("cordon clients create", () => {
  test("stores only the key hash and prints the key once", async () => {
    const name = unique("soar");
    const run = await cli("clients", "create", `--name=${name}`, "--owner=SOAR-Owner@Example.com", "--domains=pg-prod", "--json");

    expect(run.crash).toBeUndefined();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const output = jsonOutput<{ id: string; name: string; apiKey: string }>(run);
    expect(Object.keys(output).sort()).toEqual(["apiKey", "id", "name"]);
    expect(output.name).toBe(name);

    const client = await db.prisma.workloadClient.findUniqueOrThrow({ where: { id: output.id }, include: { apiKeys: true } });
    expect(client.ownerEmail).toBe("soar-owner@example.com");
    expect(client.allowedKinds).toEqual([...ACTION_KINDS]);
    expect(client.allowedDomains).toEqual(["pg-prod"]);
    expect(client.rateLimitPerMinute).toBe(60);
    expect(client.jwtIssuer).toBeNull();

    const parsed = parseApiKey(output.apiKey);
    expect(parsed).not.toBeNull();
    expect(client.apiKeys).toHaveLength(1);
    expect(client.apiKeys[0]?.id).toBe(parsed?.id);
    expect(client.apiKeys[0]?.secretHash).toBe(hashApiKeySecret(parsed?.secret ?? ""));
    expect(client.apiKeys[0]?.expiresAt).toBeNull();

    const [event] = (await auditEvents("workload_client.created")).filter((entry) => (entry.payload as { clientId?: string }).clientId === client.id);
    expect(event?.actorType).toBe("system");
    expect(event?.actorId).toBe("cli");
    expect(event?.payload).toMatchObject({ name, authentication: "api_key", apiKeyId: parsed?.id, allowedDomains: ["pg-prod"] });
    expect(JSON.stringify(event?.payload)).not.toContain(parsed?.secret ?? "missing");
  });

  test("issues a key the API accepts", async () => {
    const run = await cli("clients", "create", `--name=${unique("soar")}`, "--owner=owner@example.com", "--domains=pg-prod", "--json");
    const output = jsonOutput<{ id: string; apiKey: string }>(run);

    const actor = await authenticate(output.apiKey);

    expect(actor.type).toBe("workload");
    expect(actor.type === "workload" ? actor.client.id : null).toBe(output.id);
  });

  test("prints the key in text mode and warns without domains", async () => {
    const name = unique("soar");
    const run = await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com", "--kinds=revoke_token, disable_account,revoke_token", "--rate-limit=120");

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cdn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/m);
    expect(run.stderr).toBe(`cordon: warning: no --domains given: every proposal from ${name} is denied until the client is scoped to a domain\n`);
    const client = await db.prisma.workloadClient.findUniqueOrThrow({ where: { name } });
    expect(client.allowedKinds).toEqual(["revoke_token", "disable_account"]);
    expect(client.allowedDomains).toEqual([]);
    expect(client.rateLimitPerMinute).toBe(120);
  });

  test("registers a JWT client without an API key", async () => {
    const name = unique("agent");
    const run = await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com", "--domains=scim-main", "--issuer=https://idp.example.com/", "--subject=svc:agent", "--jwks-url=https://idp.example.com/jwks.json", "--json");

    expect(run.code).toBe(0);
    const output = jsonOutput(run);
    expect(output).toEqual({ id: expect.any(String), name, issuer: "https://idp.example.com/", subject: "svc:agent" });
    const client = await db.prisma.workloadClient.findUniqueOrThrow({ where: { name }, include: { apiKeys: true } });
    expect(client.jwtIssuer).toBe("https://idp.example.com/");
    expect(client.jwtSubject).toBe("svc:agent");
    expect(client.jwksUrl).toBe("https://idp.example.com/jwks.json");
    expect(client.apiKeys).toEqual([]);
    const events = await auditEvents("workload_client.created");
    expect(events.find((event) => (event.payload as { clientId?: string }).clientId === client.id)?.payload).toMatchObject({ authentication: "jwt", apiKeyId: null });
  });

  test("accepts plain http for a loopback issuer", async () => {
    const run = await cli("clients", "create", `--name=${unique("local")}`, "--owner=owner@example.com", "--issuer=http://127.0.0.1:8443", "--subject=local", "--json");

    expect(run.code).toBe(0);
  });

  test("rejects a duplicate name, subject or key source", async () => {
    const name = unique("dup");
    await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com", "--issuer=https://dup.example.com", "--subject=one", "--jwks-url=https://dup.example.com/keys");
    const before = await counts();

    expectOneLineError(await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com"), "--name is already registered", name);
    expectOneLineError(await cli("clients", "create", `--name=${unique("dup")}`, "--owner=owner@example.com", "--issuer=https://dup.example.com", "--subject=one", "--jwks-url=https://dup.example.com/keys"), "--subject is already registered", name);
    expectOneLineError(await cli("clients", "create", `--name=${unique("dup")}`, "--owner=owner@example.com", "--issuer=https://dup.example.com", "--subject=two"), "--jwks-url must match the key source", "https://dup.example.com/keys");

    expect(await counts()).toEqual(before);
  });

  const badOptions: { name: string; args: string[]; expected: string[] }[] = [
    { name: "upper-case name", args: ["--name=SOAR", "--owner=o@example.com"], expected: ["--name must be lower-case", '"SOAR"'] },
    { name: "name with a space", args: ["--name=soar one", "--owner=o@example.com"], expected: ["--name", '"soar one"'] },
    { name: "name shaped like a UUID", args: ["--name=0b7f3c1e-7a52-4b8e-9d0a-2f6e5c4b3a21", "--owner=o@example.com"], expected: ["--name must not have the form of a UUID"] },
    { name: "name too long", args: [`--name=${"a".repeat(65)}`, "--owner=o@example.com"], expected: ["--name must be at most 64 characters"] },
    { name: "owner not an email", args: ["--name=ok-name", "--owner=not-an-email"], expected: ["--owner must be an email address", '"not-an-email"'] },
    { name: "unknown kind", args: ["--name=ok-name", "--owner=o@example.com", "--kinds=revoke_token,delete_everything"], expected: ["--kinds must be one of", '"delete_everything"'] },
    { name: "empty kinds", args: ["--name=ok-name", "--owner=o@example.com", "--kinds="], expected: ["--kinds must be one of", 'got ""'] },
    { name: "unknown domain", args: ["--name=ok-name", "--owner=o@example.com", "--domains=pg-prod,pg-typo"], expected: ["--domains must name registered domains", '"pg-typo"'] },
    { name: "rate limit not a number", args: ["--name=ok-name", "--owner=o@example.com", "--rate-limit=fast"], expected: ["--rate-limit must be a whole number", '"fast"'] },
    { name: "rate limit zero", args: ["--name=ok-name", "--owner=o@example.com", "--rate-limit=0"], expected: ["--rate-limit must be at least 1", "got 0"] },
    { name: "rate limit too high", args: ["--name=ok-name", "--owner=o@example.com", "--rate-limit=10001"], expected: ["--rate-limit must be at most 10000", "got 10001"] },
    { name: "issuer over plain http", args: ["--name=ok-name", "--owner=o@example.com", "--issuer=http://idp.example.com", "--subject=s"], expected: ["--issuer must use https", '"http://idp.example.com"'] },
    { name: "issuer not a URL", args: ["--name=ok-name", "--owner=o@example.com", "--issuer=idp.example.com", "--subject=s"], expected: ["--issuer must be an absolute URL", '"idp.example.com"'] },
    { name: "issuer with user information", args: ["--name=ok-name", "--owner=o@example.com", "--issuer=https://user:pw@idp.example.com", "--subject=s"], expected: ["--issuer must not contain user information"] },
    { name: "issuer with a query", args: ["--name=ok-name", "--owner=o@example.com", "--issuer=https://idp.example.com/?tenant=1", "--subject=s"], expected: ["--issuer must not contain a query"] },
    { name: "JWKS URL with another scheme", args: ["--name=ok-name", "--owner=o@example.com", "--issuer=https://idp.example.com", "--subject=s", "--jwks-url=ftp://idp.example.com/keys"], expected: ["--jwks-url must use https", '"ftp://idp.example.com/keys"'] },
    { name: "subject with a control character", args: ["--name=ok-name", "--owner=o@example.com", "--issuer=https://idp.example.com", "--subject=svc\u001b[2J"], expected: ["--subject must not contain control", "\\u001b[2J"] },
    { name: "subject without issuer", args: ["--name=ok-name", "--owner=o@example.com", "--subject=s"], expected: ["--subject requires --issuer"] },
    { name: "issuer without subject", args: ["--name=ok-name", "--owner=o@example.com", "--issuer=https://idp.example.com"], expected: ["--issuer requires --subject"] },
    { name: "JWKS URL without issuer", args: ["--name=ok-name", "--owner=o@example.com", "--jwks-url=https://idp.example.com/keys"], expected: ["--jwks-url requires --issuer"] },
  ];

  test.each(badOptions)("rejects $name in one line", async ({ args, expected }) => {
    const before = await counts();

    const run = await cli("clients", "create", ...args);

    expectOneLineError(run, ...expected);
    expect(await counts()).toEqual(before);
  });

  test("rejects a missing required option", async () => {
    const run = await cli("clients", "create", "--name=ok-name");

    expect(run.crash).toBeUndefined();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--owner");
  });
});

describe("cordon clients with naughty strings", () => {
  // Every seventh string of the Big List of Naughty Strings, plus those with line breaks,
  // control characters and bidirectional overrides, which a one-line error must escape.
  const sample = NAUGHTY_STRINGS.filter((text, index) => index % 7 === 0 || /[\p{C}\n]/u.test(text)).slice(0, 120);

  test("each name gives a one-line error or round-trips", async () => {
    for (const text of sample) {
      const run = await cli("clients", "create", `--name=${text}`, "--owner=owner@example.com", "--domains=pg-prod", "--json");

      expect(run.crash, text).toBeUndefined();
      if (run.code === 0) {
        const stored = await db.prisma.workloadClient.findUniqueOrThrow({ where: { id: jsonOutput<{ id: string }>(run).id } });
        expect(stored.name, text).toBe(text);
      } else {
        expect(run.code, text).toBe(1);
        expect(run.stderr, text).toMatch(/^cordon: [^\n\r\u2028\u2029\u202e]+\n$/);
      }
    }
  }, 120_000);

  test("each owner email gives a one-line error or round-trips", async () => {
    for (const text of sample) {
      const run = await cli("clients", "create", `--name=${unique("naughty")}`, `--owner=${text}`, "--domains=pg-prod", "--json");

      expect(run.crash, text).toBeUndefined();
      if (run.code === 0) {
        const stored = await db.prisma.workloadClient.findUniqueOrThrow({ where: { id: jsonOutput<{ id: string }>(run).id } });
        expect(stored.ownerEmail, text).toBe(text.toLowerCase());
      } else {
        expect(run.code, text).toBe(1);
        expect(run.stderr, text).toMatch(/^cordon: [^\n\r\u2028\u2029\u202e]+\n$/);
      }
    }
  }, 120_000);

  test("createClient rejects or stores every naughty name", async () => {
    const context = { db: db.prisma, clock: new ManualClock(), actor: CLI_ACTOR, requestId: "naughty", logger: silent };

    for (const text of NAUGHTY_STRINGS) {
      try {
        const { client } = await createClient(context, { name: text, ownerEmail: "owner@example.com" });
        expect(client.name, text).toBe(text);
      } catch (error) {
        expect(error, text).toBeInstanceOf(ValidationFailed);
        expect((error as ValidationFailed).errors[0]?.pointer, text).toBe("/name");
      }
    }
  }, 120_000);
});

describe("cordon clients list", () => {
  test("reports keys, last use and the flood flag", async () => {
    const name = unique("listed");
    const created = jsonOutput<{ id: string }>(await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com", "--domains=pg-prod", "--json"));
    const lastUsedAt = new Date("2026-02-03T04:05:06.000Z");
    const floodFlaggedAt = new Date("2026-02-04T00:00:00.000Z");
    await db.prisma.apiKey.updateMany({ where: { clientId: created.id }, data: { lastUsedAt } });
    await db.prisma.workloadClient.update({ where: { id: created.id }, data: { floodFlaggedAt } });
    await db.prisma.apiKey.create({ data: { id: unique("k").replace("-", "").slice(0, 12), clientId: created.id, secretHash: "0".repeat(64), expiresAt: new Date("2020-01-01T00:00:00.000Z") } });

    const run = await cli("clients", "list", "--json");

    expect(run.code).toBe(0);
    const listed = jsonOutput<Record<string, unknown>[]>(run).find((client) => client.id === created.id);
    expect(listed).toEqual({
      id: created.id,
      name,
      ownerEmail: "owner@example.com",
      allowedKinds: [...ACTION_KINDS],
      allowedDomains: ["pg-prod"],
      rateLimitPerMinute: 60,
      enabled: true,
      authentication: "api_key",
      jwtIssuer: null,
      jwtSubject: null,
      jwksUrl: null,
      floodFlaggedAt: floodFlaggedAt.toISOString(),
      activeKeyCount: 1,
      lastUsedAt: lastUsedAt.toISOString(),
      createdAt: expect.any(String),
    });
    expect(run.stdout).not.toMatch(/secretHash|cdn_/);
  });

  test("prints a table with one row per client", async () => {
    const name = unique("table");
    await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com", "--domains=pg-prod");

    const run = await cli("clients", "list");

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+ID\s+OWNER\s+ENABLED\s+AUTH\s+FLOOD\s+KEYS\s+LAST USED\s+KINDS\s+DOMAINS$/);
    expect(lines.filter((line) => line.startsWith(`${name} `))).toHaveLength(1);
    expect(lines).toHaveLength((await db.prisma.workloadClient.count()) + 1);
  });
});

describe("cordon clients disable", () => {
  test("disables by name once and writes one audit event", async () => {
    const name = unique("off");
    const created = jsonOutput<{ id: string; apiKey: string }>(await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com", "--json"));

    const first = await cli("clients", "disable", name, "--json");
    const second = await cli("clients", "disable", created.id, "--json");

    expect(jsonOutput(first)).toEqual({ id: created.id, name, enabled: false, changed: true });
    expect(jsonOutput(second)).toEqual({ id: created.id, name, enabled: false, changed: false });
    expect((await db.prisma.workloadClient.findUniqueOrThrow({ where: { id: created.id } })).enabled).toBe(false);
    const events = (await auditEvents("workload_client.disabled")).filter((event) => (event.payload as { clientId?: string }).clientId === created.id);
    expect(events).toHaveLength(1);
    await expect(authenticate(created.apiKey)).rejects.toMatchObject({ code: "unauthenticated" });
  });

  test.each([
    { name: "unknown name", reference: "no-such-client", expected: ['no workload client has the name or id "no-such-client"'] },
    { name: "unknown id", reference: "0b7f3c1e-7a52-4b8e-9d0a-2f6e5c4b3a21", expected: ["no workload client has the name or id"] },
    { name: "NUL character", reference: "soar\u0000x", expected: ["NAME_OR_ID is not the name or id of any client", "\\u0000"] },
    { name: "line break", reference: "soar\nx", expected: ["no workload client", "soar\\nx"] },
    { name: "pasted API key", reference: `cdn_aaaaaaaaaaaa_${"B".repeat(43)}`, expected: ["NAME_OR_ID must be an id or a name, not a whole key or token"] },
  ])("rejects $name in one line", async ({ reference, expected }) => {
    expectOneLineError(await cli("clients", "disable", reference), ...expected);
  });
});

describe("cordon clients rotate-key", () => {
  test("revokes the old keys and issues one new key", async () => {
    const name = unique("rotate");
    const created = jsonOutput<{ id: string; apiKey: string }>(await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com", "--domains=pg-prod", "--json"));
    const oldKey = parseApiKey(created.apiKey);

    const started = Date.now();
    const run = await cli("clients", "rotate-key", name, "--expires=90d", "--json");

    expect(run.code).toBe(0);
    const output = jsonOutput<{ id: string; name: string; apiKey: string; expiresAt: string; revokedKeyIds: string[] }>(run);
    expect(output.id).toBe(created.id);
    expect(output.revokedKeyIds).toEqual([oldKey?.id]);
    const expiresIn = Date.parse(output.expiresAt) - started;
    expect(expiresIn).toBeGreaterThanOrEqual(90 * 86_400_000 - 1000);
    expect(expiresIn).toBeLessThanOrEqual(90 * 86_400_000 + 60_000);

    const newKey = parseApiKey(output.apiKey);
    const keys = await db.prisma.apiKey.findMany({ where: { clientId: created.id } });
    expect(keys.find((key) => key.id === oldKey?.id)?.revokedAt).not.toBeNull();
    expect(keys.find((key) => key.id === newKey?.id)?.secretHash).toBe(hashApiKeySecret(newKey?.secret ?? ""));
    expect(keys.find((key) => key.id === newKey?.id)?.revokedAt).toBeNull();
    await expect(authenticate(created.apiKey)).rejects.toMatchObject({ code: "unauthenticated" });
    expect((await authenticate(output.apiKey)).type).toBe("workload");

    const event = (await auditEvents("workload_client.key_rotated")).find((entry) => (entry.payload as { clientId?: string }).clientId === created.id);
    expect(event?.payload).toMatchObject({ apiKeyId: newKey?.id, revokedKeyIds: [oldKey?.id] });
    expect(JSON.stringify(event?.payload)).not.toContain(newKey?.secret ?? "missing");
  });

  test("issues a key without expiry by default", async () => {
    const name = unique("rotate");
    await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com");

    const run = await cli("clients", "rotate-key", name);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Revoked 1 API key of");
    const token = run.stdout.match(/^cdn_\S+$/m)?.[0] ?? "";
    const stored = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: parseApiKey(token)?.id ?? "" } });
    expect(stored.expiresAt).toBeNull();
  });

  test("rejects JWT and disabled clients", async () => {
    const jwtName = unique("jwt");
    await cli("clients", "create", `--name=${jwtName}`, "--owner=owner@example.com", "--issuer=https://rotate.example.com", "--subject=s");
    const disabledName = unique("disabled");
    await cli("clients", "create", `--name=${disabledName}`, "--owner=owner@example.com");
    await cli("clients", "disable", disabledName);
    const before = await counts();

    expectOneLineError(await cli("clients", "rotate-key", jwtName), `NAME_OR_ID names a client that authenticates with JWTs: ${jwtName}`);
    expectOneLineError(await cli("clients", "rotate-key", disabledName), `NAME_OR_ID is disabled: ${disabledName}`);
    expect(await counts()).toEqual(before);
  });

  test("does not echo a pasted API key", async () => {
    const pasted = `cdn_aaaaaaaaaaaa_${unique("s").padEnd(43, "x")}`;

    const run = await cli("clients", "rotate-key", pasted);

    expectOneLineError(run, "NAME_OR_ID must be an id or a name");
    expect(run.stderr).not.toContain(pasted.slice(17));
  });

  test.each(["0d", "366d", "8761h", "90", "1w", "-1d", "", "1.5d", "٣d"])("rejects --expires=%j in one line", async (lifetime) => {
    const name = unique("rotate");
    await cli("clients", "create", `--name=${name}`, "--owner=owner@example.com");
    const before = await counts();

    expectOneLineError(await cli("clients", "rotate-key", name, `--expires=${lifetime}`), "--expires must be");
    expect(await counts()).toEqual(before);
  });
});
