import { readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { signInWithPassword } from "@/lib/auth/local-sign-in";
import { verifyPassword } from "@/lib/auth/password";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { unique } from "@/tests/support/factories";
import { jsonOutput, runCli, type CliRun } from "./harness";

const silent = pino({ level: "silent" });
const NAUGHTY_STRINGS: string[] = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../fixtures/naughty-strings/blns.json"), "utf8"));

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

const cli = (...args: string[]) => runCli(db.url, args);
const email = () => `${unique("person")}@example.com`;

function expectOneLineError(run: CliRun, ...fragments: string[]): void {
  expect(run.crash).toBeUndefined();
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(/^cordon: [^\n]+\n$/);
  for (const fragment of fragments) expect(run.stderr).toContain(fragment);
}

async function counts() {
  return { users: await db.prisma.user.count(), events: await db.prisma.auditEvent.count() };
}

async function auditPayloads(eventType: string, userId: string) {
  const events = await db.prisma.auditEvent.findMany({ where: { eventType }, orderBy: { sequence: "asc" } });
  return events.filter((event) => (event.payload as { userId?: string }).userId === userId);
}

describe("cordon users create", () => {
  test("generates a password, prints it once and stores its argon2id hash", async () => {
    const address = email();
    const run = await cli("users", "create", `--email=${address.toUpperCase()}`, "--role=approver", "--role=admin", "--role=approver", "--json");

    expect(run.crash).toBeUndefined();
    expect(run.code).toBe(0);
    const output = jsonOutput<{ id: string; email: string; roles: string[]; password: string }>(run);
    expect(Object.keys(output).sort()).toEqual(["email", "id", "password", "roles"]);
    expect(output.email).toBe(address);
    expect(output.roles).toEqual(["admin", "approver"]);
    expect(output.password).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: output.id } });
    expect(user.email).toBe(address);
    expect(user.displayName).toBe(address.split("@")[0]);
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.passwordHash).not.toContain(output.password);
    expect(await verifyPassword(user.passwordHash ?? "", output.password)).toBe(true);

    const [event, ...others] = await auditPayloads("user.created", user.id);
    expect(others).toEqual([]);
    expect(event?.actorType).toBe("system");
    expect(event?.actorId).toBe("cli");
    expect(event?.payload).toEqual({ userId: user.id, email: address, roles: ["admin", "approver"], passwordGenerated: true });
  });

  test("reads the password from stdin and lets the person sign in", async () => {
    const address = email();
    const password = "correct horse battery staple";

    const run = await runCli(db.url, ["users", "create", `--email=${address}`, "--role=analyst", "--name=Ana Lyst", "--password-stdin", "--json"], { stdin: `${password}\n` });

    expect(run.code).toBe(0);
    const output = jsonOutput(run);
    expect(output).toEqual({ id: expect.any(String), email: address, roles: ["analyst"] });
    expect(run.stdout + run.stderr).not.toContain(password);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email: address } });
    expect(user.displayName).toBe("Ana Lyst");
    const result = await signInWithPassword(db.prisma, address, password, new Date(), silent);
    expect(result.ok).toBe(true);
    expect((await auditPayloads("user.created", user.id))[0]?.payload).toMatchObject({ passwordGenerated: false });
  });

  test("prints the generated password in text mode", async () => {
    const run = await cli("users", "create", `--email=${email()}`, "--role=approver");

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^[A-Za-z0-9_-]{24}$/m);
  });

  test("rejects a duplicate email in any case", async () => {
    const address = email();
    await cli("users", "create", `--email=${address}`, "--role=approver");
    const before = await counts();

    expectOneLineError(await cli("users", "create", `--email=${address.toUpperCase()}`, "--role=analyst"), `--email is already registered: ${address}`);
    expect(await counts()).toEqual(before);
  });

  test.each([
    { name: "invalid email", args: ["--email=ana", "--role=approver"], expected: ["--email must be an email address", '"ana"'] },
    { name: "email with a line break", args: ["--email=ana@example.com\nx", "--role=approver"], expected: ["--email must be an email address", "\\n"] },
    { name: "unknown role", args: ["--email=bad-role@example.com", "--role=root"], expected: ["--role must be one of approver, analyst, admin", '"root"'] },
    { name: "display name with a bidi override", args: ["--email=bad-name@example.com", "--role=approver", "--name=Ana\u202egnp.exe"], expected: ["--name must not contain control", "\\u202e"] },
    { name: "empty display name", args: ["--email=bad-name@example.com", "--role=approver", "--name=  "], expected: ["--name must not be empty"] },
  ])("rejects $name in one line", async ({ args, expected }) => {
    const before = await counts();

    expectOneLineError(await cli("users", "create", ...args), ...expected);
    expect(await counts()).toEqual(before);
  });

  test.each([
    { name: "short password", stdin: "short-pass\n", expected: "must be at least 12 characters" },
    { name: "empty stdin", stdin: "", expected: "must be at least 12 characters" },
    { name: "password too long", stdin: `${"p".repeat(257)}\n`, expected: "must be at most 256 characters" },
    { name: "input larger than any password", stdin: "p".repeat(5000), expected: "must be at most 256 characters" },
  ])("rejects $name from stdin without echoing it", async ({ stdin, expected }) => {
    const before = await counts();

    const run = await runCli(db.url, ["users", "create", `--email=${email()}`, "--role=approver", "--password-stdin"], { stdin });

    expectOneLineError(run, "the password from stdin", expected);
    if (stdin.trim() !== "") expect(run.stderr).not.toContain(stdin.trim().slice(0, 10));
    expect(await counts()).toEqual(before);
  });

  test("requires a role", async () => {
    const run = await cli("users", "create", `--email=${email()}`);

    expect(run.crash).toBeUndefined();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--role");
  });

  test("rejects or round-trips naughty emails", async () => {
    const sample = NAUGHTY_STRINGS.filter((text, index) => index % 9 === 0 || /[\p{C}\n@]/u.test(text)).slice(0, 80);

    for (const text of sample) {
      const run = await cli("users", "create", `--email=${text}`, "--role=approver", "--json");

      expect(run.crash, text).toBeUndefined();
      if (run.code === 0) {
        const stored = await db.prisma.user.findUniqueOrThrow({ where: { id: jsonOutput<{ id: string }>(run).id } });
        expect(stored.email, text).toBe(text.toLowerCase());
      } else {
        expect(run.code, text).toBe(1);
        expect(run.stderr, text).toMatch(/^cordon: [^\n\r\u2028\u2029\u202e]+\n$/);
      }
    }
  }, 120_000);
});

describe("cordon users list", () => {
  test("lists people without password hashes", async () => {
    const address = email();
    const created = jsonOutput<{ id: string }>(await cli("users", "create", `--email=${address}`, "--role=analyst", "--json"));
    await cli("tokens", "create", `--user=${address}`);

    const run = await cli("users", "list", "--json");

    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("$argon2id$");
    expect(run.stdout).not.toContain("passwordHash");
    const listed = jsonOutput<Record<string, unknown>[]>(run).find((user) => user.id === created.id);
    expect(listed).toEqual({
      id: created.id,
      email: address,
      displayName: address.split("@")[0],
      roles: ["analyst"],
      disabled: false,
      hasPassword: true,
      oidcLinked: false,
      lockedUntil: null,
      lastSignInAt: null,
      activeTokenCount: 1,
      createdAt: expect.any(String),
    });
  });

  test("escapes control characters in display names from other sources", async () => {
    // Accounts created on OIDC sign-in take the identity provider's display name as it comes.
    const address = email();
    await db.prisma.user.create({ data: { email: address, displayName: "Mallory\u001b[2J\nroot", roles: ["analyst"] } });

    const run = await cli("users", "list");

    expect(run.code).toBe(0);
    const row = run.stdout.split("\n").find((line) => line.startsWith(address));
    expect(row).toContain("Mallory\\u001b[2J\\u000aroot");
    expect(run.stdout).not.toContain("\u001b");
  });
});

describe("cordon users disable", () => {
  test("disables once and writes one audit event", async () => {
    const address = email();
    const created = jsonOutput<{ id: string; password: string }>(await cli("users", "create", `--email=${address}`, "--role=approver", "--json"));

    const first = await cli("users", "disable", address.toUpperCase(), "--json");
    const second = await cli("users", "disable", address, "--json");

    expect(jsonOutput(first)).toEqual({ id: created.id, email: address, disabled: true, changed: true });
    expect(jsonOutput(second)).toEqual({ id: created.id, email: address, disabled: true, changed: false });
    expect(await auditPayloads("user.disabled", created.id)).toHaveLength(1);
    expect((await signInWithPassword(db.prisma, address, created.password, new Date(), silent)).ok).toBe(false);
  });

  test.each([
    { name: "unknown email", value: "nobody@example.com", expected: ["no person has the email nobody@example.com"] },
    { name: "invalid email", value: "nobody", expected: ["EMAIL must be an email address", '"nobody"'] },
  ])("rejects $name in one line", async ({ value, expected }) => {
    expectOneLineError(await cli("users", "disable", value), ...expected);
  });
});
