import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { authenticateBearer } from "@/lib/auth/authenticate-bearer";
import { hashPersonalTokenSecret, parsePersonalToken } from "@/lib/auth/personal-token";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createUser, unique } from "@/tests/support/factories";
import { jsonOutput, runCli, type CliRun } from "./harness";

const silent = pino({ level: "silent" });
const DAY_MS = 86_400_000;

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
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

async function counts() {
  return { tokens: await db.prisma.personalAccessToken.count(), events: await db.prisma.auditEvent.count() };
}

function authenticate(token: string) {
  return authenticateBearer(db.prisma, `Bearer ${token}`, { audience: "cordon", now: () => new Date(), logger: silent });
}

async function auditEvent(eventType: string, tokenId: string) {
  const events = await db.prisma.auditEvent.findMany({ where: { eventType } });
  return events.filter((event) => (event.payload as { tokenId?: string }).tokenId === tokenId);
}

type TokenOutput = { id: string; token: string; expiresAt: string };

describe("cordon tokens create", () => {
  test("stores the secret's hash and prints the token once", async () => {
    const user = await createUser(db.prisma, { roles: ["approver"] });

    const started = Date.now();
    const run = await cli("tokens", "create", `--user=${user.email.toUpperCase()}`, "--name=slack-bot", "--json");

    expect(run.crash).toBeUndefined();
    expect(run.code).toBe(0);
    const output = jsonOutput<TokenOutput>(run);
    expect(Object.keys(output).sort()).toEqual(["expiresAt", "id", "token"]);
    const parsed = parsePersonalToken(output.token);
    expect(parsed?.id).toBe(output.id);
    const lifetime = Date.parse(output.expiresAt) - started;
    expect(lifetime).toBeGreaterThanOrEqual(30 * DAY_MS - 1000);
    expect(lifetime).toBeLessThanOrEqual(30 * DAY_MS + 60_000);

    const stored = await db.prisma.personalAccessToken.findUniqueOrThrow({ where: { id: output.id } });
    expect(stored.userId).toBe(user.id);
    expect(stored.name).toBe("slack-bot");
    expect(stored.secretHash).toBe(hashPersonalTokenSecret(parsed?.secret ?? ""));
    expect(stored.expiresAt?.toISOString()).toBe(output.expiresAt);

    const [event] = await auditEvent("personal_access_token.created", output.id);
    expect(event?.actorId).toBe("cli");
    expect(event?.payload).toEqual({ tokenId: output.id, userId: user.id, name: "slack-bot", expiresAt: output.expiresAt });
    expect(JSON.stringify(event?.payload)).not.toContain(parsed?.secret ?? "missing");
  });

  test("issues a token the API accepts for the person", async () => {
    const user = await createUser(db.prisma, { roles: ["approver"] });
    const output = jsonOutput<TokenOutput>(await cli("tokens", "create", `--user=${user.email}`, "--expires=12h", "--json"));

    const actor = await authenticate(output.token);

    expect(actor).toMatchObject({ type: "person", via: "token", user: { id: user.id } });
    const lifetime = Date.parse(output.expiresAt) - Date.now();
    expect(lifetime).toBeLessThanOrEqual(12 * 3_600_000);
    expect(lifetime).toBeGreaterThan(11 * 3_600_000);
  });

  test("prints the token in text mode", async () => {
    const user = await createUser(db.prisma);

    const run = await cli("tokens", "create", `--user=${user.email}`, "--expires=365d");

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cdp_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/m);
    expect(run.stdout).toContain("(cli)");
  });

  test("rejects unknown and disabled people", async () => {
    const disabled = await createUser(db.prisma);
    await db.prisma.user.update({ where: { id: disabled.id }, data: { disabled: true } });
    const before = await counts();

    expectOneLineError(await cli("tokens", "create", "--user=nobody@example.com"), "no person has the email nobody@example.com");
    expectOneLineError(await cli("tokens", "create", `--user=${disabled.email}`), `--user is disabled: ${disabled.email}`);
    expect(await counts()).toEqual(before);
  });

  test.each([
    { name: "zero days", args: ["--expires=0d"], expected: ["--expires must be a number of days or hours", '"0d"'] },
    { name: "more than a year", args: ["--expires=366d"], expected: ["--expires must be at most 365d", '"366d"'] },
    { name: "more than a year in hours", args: ["--expires=8761h"], expected: ["--expires must be at most 365d"] },
    { name: "weeks", args: ["--expires=2w"], expected: ["--expires must be a number of days or hours", '"2w"'] },
    { name: "ISO 8601 duration", args: ["--expires=P30D"], expected: ["--expires must be a number of days or hours"] },
    { name: "negative lifetime", args: ["--expires=-5d"], expected: ["--expires must be a number"] },
    { name: "empty name", args: ["--name="], expected: ["--name must not be empty"] },
    { name: "name with a line break", args: ["--name=bot\nx"], expected: ["--name must not contain control", "\\n"] },
    { name: "name too long", args: [`--name=${"n".repeat(101)}`], expected: ["--name must be at most 100 characters"] },
  ])("rejects $name in one line", async ({ args, expected }) => {
    const user = await createUser(db.prisma);
    const before = await counts();

    expectOneLineError(await cli("tokens", "create", `--user=${user.email}`, ...args), ...expected);
    expect(await counts()).toEqual(before);
  });

  test("rejects an invalid email", async () => {
    expectOneLineError(await cli("tokens", "create", "--user=not an email"), "--user must be an email address", '"not an email"');
  });
});

describe("cordon tokens revoke", () => {
  test("revokes once, audits once and stops the token working", async () => {
    const user = await createUser(db.prisma);
    const output = jsonOutput<TokenOutput>(await cli("tokens", "create", `--user=${user.email}`, "--json"));

    const first = await cli("tokens", "revoke", output.id, "--json");
    const second = await cli("tokens", "revoke", output.id);

    expect(first.code).toBe(0);
    expect(jsonOutput(first)).toEqual({ id: output.id, revokedAt: expect.any(String), changed: true });
    expect(second.stdout).toBe(`Personal access token ${output.id} was already revoked.\n`);
    const stored = await db.prisma.personalAccessToken.findUniqueOrThrow({ where: { id: output.id } });
    expect(stored.revokedAt?.toISOString()).toBe(jsonOutput<{ revokedAt: string }>(first).revokedAt);
    expect(await auditEvent("personal_access_token.revoked", output.id)).toHaveLength(1);
    await expect(authenticate(output.token)).rejects.toMatchObject({ code: "unauthenticated" });
  });

  test.each([
    { name: "unknown id", id: "aaaaaaaaaaaa", expected: ["no personal access token has the id aaaaaaaaaaaa"] },
    { name: "full token", id: `cdp_aaaaaaaaaaaa_${"A".repeat(43)}`, expected: ["ID must be an id or a name, not a whole key or token"] },
    { name: "upper-case id", id: "AAAAAAAAAAAA", expected: ["ID must be a token id", '"AAAAAAAAAAAA"'] },
    { name: "SQL", id: "' OR 1=1 --", expected: ["ID must be a token id"] },
  ])("rejects $name in one line", async ({ id, expected }) => {
    const before = await counts();

    expectOneLineError(await cli("tokens", "revoke", id), ...expected);
    expect(await counts()).toEqual(before);
  });

  test("does not echo a pasted token's secret", async () => {
    const pasted = `cdp_aaaaaaaaaaaa_${unique("s").padEnd(43, "x")}`;

    const run = await cli("tokens", "revoke", pasted);

    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain(pasted.slice(17));
  });
});
