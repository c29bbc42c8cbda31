import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { unique } from "@/tests/support/factories";
import { jsonOutput, runCli, type CliRun } from "./harness";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

const cli = (...args: string[]) => runCli(db.url, args);

const POSTGRES_SETTINGS = { host: "127.0.0.1", database: "app", user: "cordon_connector" };
const SCIM_SETTINGS = { baseUrl: "https://scim.example.com/v2" };
const OAUTH2_SETTINGS = { issuer: "https://login.example.com", clientId: "cordon" };

function add(name: string, kind: string, settings: unknown, credential: string, ...extra: string[]) {
  return cli("domains", "add", `--name=${name}`, `--kind=${kind}`, `--settings=${typeof settings === "string" ? settings : JSON.stringify(settings)}`, `--credential=${credential}`, ...extra);
}

function expectOneLineError(run: CliRun, ...fragments: string[]): void {
  expect(run.crash).toBeUndefined();
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(/^cordon: [^\n]+\n$/);
  for (const fragment of fragments) expect(run.stderr).toContain(fragment);
}

async function counts() {
  return { domains: await db.prisma.domain.count(), events: await db.prisma.auditEvent.count() };
}

describe("cordon domains add", () => {
  test("stores parsed settings and the reference, and lists least privileges", async () => {
    const name = unique("pg");
    process.env.CORDON_TEST_PG_SECRET = "s3cret-value-never-read";

    const run = await add(name, "postgresql", POSTGRES_SETTINGS, "env:CORDON_TEST_PG_SECRET", "--json");

    expect(run.crash).toBeUndefined();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const output = jsonOutput<{ id: string; credentialRequirements: { privilege: string; reason: string }[] }>(run);
    expect(output).toMatchObject({ name, kind: "postgresql", credentialRef: "env:CORDON_TEST_PG_SECRET", settings: { ...POSTGRES_SETTINGS, port: 5432 } });
    expect(output.credentialRequirements.map((requirement) => requirement.privilege)).toContain("CREATEROLE");

    const domain = await db.prisma.domain.findUniqueOrThrow({ where: { id: output.id } });
    expect(domain.settings).toEqual({ ...POSTGRES_SETTINGS, port: 5432 });
    expect(domain.credentialRef).toBe("env:CORDON_TEST_PG_SECRET");

    const events = await db.prisma.auditEvent.findMany({ where: { eventType: "domain.created", domain: name } });
    expect(events).toHaveLength(1);
    expect(events[0]?.actorId).toBe("cli");
    expect(events[0]?.payload).toEqual({ domainId: domain.id, name, kind: "postgresql", settings: { ...POSTGRES_SETTINGS, port: 5432 }, credentialRef: "env:CORDON_TEST_PG_SECRET" });

    const stored = JSON.stringify(await db.query("SELECT d.*, (SELECT json_agg(a.payload) FROM audit_events a) AS audit FROM domains d"));
    expect(stored).not.toContain("s3cret-value-never-read");
    expect(run.stdout).not.toContain("s3cret-value-never-read");
    delete process.env.CORDON_TEST_PG_SECRET;
  });

  test("prints privileges in text mode and warns about a missing variable", async () => {
    const run = await add(unique("pg"), "postgresql", POSTGRES_SETTINGS, "env:CORDON_TEST_UNSET_SECRET");

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Least privileges the credential needs:");
    expect(run.stdout).toContain("  - CREATEROLE: ");
    expect(run.stderr).toBe("cordon: warning: environment variable CORDON_TEST_UNSET_SECRET is not set here; the Cordon server process must have it\n");
  });

  test.each([
    { kind: "scim", settings: SCIM_SETTINGS, stored: { ...SCIM_SETTINGS, requestTimeoutMs: 10_000 } },
    { kind: "oauth2", settings: OAUTH2_SETTINGS, stored: { ...OAUTH2_SETTINGS, requestTimeoutMs: 10_000 } },
  ])("adds a $kind domain and lists its privileges", async ({ kind, settings, stored }) => {
    const name = unique(kind);

    const json = await add(name, kind, settings, "file:/run/secrets/does-not-exist", "--json");
    const text = await add(unique(kind), kind, settings, "file:/run/secrets/does-not-exist");

    expect(json.code).toBe(0);
    expect(jsonOutput(json)).toMatchObject({ name, kind, settings: stored, credentialRequirements: expect.arrayContaining([expect.objectContaining({ privilege: expect.any(String), reason: expect.any(String) })]) });
    expect(json.stderr).toContain("credential file /run/secrets/does-not-exist: the file does not exist on this host");
    expect(text.stdout).toContain("Least privileges the credential needs:");
  });

  test("rejects a duplicate name", async () => {
    const name = unique("dup");
    await add(name, "scim", SCIM_SETTINGS, "env:SCIM_TOKEN");
    const before = await counts();

    expectOneLineError(await add(name, "scim", SCIM_SETTINGS, "env:SCIM_TOKEN"), `--name is already registered: ${name}`);
    expect(await counts()).toEqual(before);
  });

  const badInputs: { name: string; kind?: string; domain?: string; settings?: unknown; credential?: string; expected: string[] }[] = [
    { name: "upper-case name", domain: "PG-Prod", expected: ["--name must be lower-case", '"PG-Prod"'] },
    { name: "name with a slash", domain: "pg/prod", expected: ["--name", '"pg/prod"'] },
    { name: "unknown kind", kind: "ldap", expected: ["--kind must be one of postgresql, oauth2, scim", '"ldap"'] },
    { name: "settings that are not JSON", settings: "{host: 'x'}", expected: ["--settings must be a JSON object", "not valid JSON"] },
    { name: "settings that are an array", settings: "[1,2]", expected: ["--settings must be a JSON object"] },
    { name: "settings that are a string", settings: '"host"', expected: ["--settings must be a JSON object"] },
    { name: "a password in the settings", settings: { ...POSTGRES_SETTINGS, password: "hunter2" }, expected: ["--settings at /password names a secret"] },
    { name: "a nested client secret", kind: "oauth2", settings: { ...OAUTH2_SETTINGS, endpoints: { client_secret: "x" } }, expected: ["--settings at /endpoints/client_secret names a secret"] },
    { name: "a bearer token key", kind: "scim", settings: { ...SCIM_SETTINGS, bearerToken: "x" }, expected: ["--settings at /bearerToken names a secret"] },
    { name: "an unknown settings key", settings: { ...POSTGRES_SETTINGS, hots: "x" }, expected: ["--settings", "hots"] },
    { name: "a port out of range", settings: { ...POSTGRES_SETTINGS, port: 70000 }, expected: ["--settings at /port", "got 70000"] },
    { name: "a SCIM base URL over plain http", kind: "scim", settings: { baseUrl: "http://scim.example.com/v2" }, expected: ["--settings at /baseUrl", "https"] },
    { name: "an OAuth issuer that is not a URL", kind: "oauth2", settings: { issuer: "login", clientId: "c" }, expected: ["--settings at /issuer Invalid URL"] },
    { name: "a SCIM base URL that is not a URL", kind: "scim", settings: { baseUrl: "scim" }, expected: ["--settings at /baseUrl Invalid URL"] },
    { name: "OAuth settings without issuer or endpoints", kind: "oauth2", settings: { clientId: "c" }, expected: ["--settings at /issuer set issuer or endpoints"] },
    { name: "settings nested too deep", settings: { ...POSTGRES_SETTINGS, deep: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) }, expected: ["nested deeper than 32 levels"] },
    { name: "settings with U+0000", settings: { ...POSTGRES_SETTINGS, host: "db\u0000" }, expected: ["--settings at /host contains U+0000"] },
    { name: "a credential of another scheme", credential: "vault:secret/pg", expected: ["--credential must be env:NAME or file:/absolute/path", '"vault:secret/pg"'] },
    { name: "an invalid variable name", credential: "env:1PASSWORD", expected: ["--credential must be env:NAME", '"env:1PASSWORD"'] },
    { name: "Cordon's own database URL", credential: "env:DATABASE_URL", expected: ["--credential must not name DATABASE_URL"] },
    { name: "Cordon's own session secret", credential: "env:NEXTAUTH_SECRET", expected: ["--credential must not name NEXTAUTH_SECRET"] },
    { name: "a relative file", credential: "file:secrets/pg", expected: ["--credential must be file: followed by an absolute path"] },
    { name: "a path with ..", credential: "file:/run/secrets/../pg", expected: ["--credential must have a normalised path"] },
    { name: "a path with a line break", credential: "file:/run/secrets/pg\nx", expected: ["--credential must have a path without control", "\\n"] },
    { name: "a secret in place of a reference", credential: "hunter2hunter2", expected: ["--credential must be env:NAME or file:/absolute/path"] },
  ];

  test.each(badInputs)("rejects $name in one line", async ({ kind, domain, settings, credential, expected }) => {
    const before = await counts();

    const run = await add(domain ?? unique("bad"), kind ?? "postgresql", settings ?? POSTGRES_SETTINGS, credential ?? "env:PG_SECRET");

    expectOneLineError(run, ...expected);
    expect(await counts()).toEqual(before);
  });

  test("does not echo settings text that fails to parse", async () => {
    const run = await add(unique("pg"), "postgresql", '{"host":"db","password":"hunter2', "env:PG_SECRET");

    expectOneLineError(run, "--settings must be a JSON object");
    expect(run.stderr).not.toContain("hunter2");
  });

  test("rejects settings larger than 16 KiB", async () => {
    const run = await add(unique("pg"), "postgresql", { ...POSTGRES_SETTINGS, host: "h".repeat(17_000) }, "env:PG_SECRET");

    expectOneLineError(run, "--settings must be at most 16 KiB");
  });
});

describe("cordon domains list", () => {
  test("lists settings and references", async () => {
    const name = unique("listed");
    await add(name, "scim", SCIM_SETTINGS, "file:/run/secrets/scim");

    const json = await cli("domains", "list", "--json");
    const text = await cli("domains", "list");

    expect(json.code).toBe(0);
    expect(jsonOutput<Record<string, unknown>[]>(json).find((domain) => domain.name === name)).toEqual({
      id: expect.any(String),
      name,
      kind: "scim",
      settings: { ...SCIM_SETTINGS, requestTimeoutMs: 10_000 },
      credentialRef: "file:/run/secrets/scim",
      enabled: true,
      createdAt: expect.any(String),
    });
    expect(text.stdout.split("\n")[0]).toMatch(/^NAME\s+ID\s+KIND\s+ENABLED\s+CREDENTIAL\s+SETTINGS$/);
    expect(text.stdout).toMatch(new RegExp(`^${name}\\s.*\\sscim\\s+yes\\s+file:/run/secrets/scim\\s`, "m"));
  });
});
