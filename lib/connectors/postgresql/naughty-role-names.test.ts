import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPostgresConnector, type PostgresConnector } from "./connector";
import { resolveRoleIdentity } from "./resolve-role-identity";
import { actionFor, callContext, grantFor, silentLogger, startTestDomain, type TestDomain } from "./testing";

/** The Big List of Naughty Strings (MIT), kept in the shared test corpus beside the repository. */
const BLNS_PATH = fileURLToPath(new URL("../../../tests/fixtures/naughty-strings/blns.json", import.meta.url));
const SAMPLE_SIZE = 30;
/** Names PostgreSQL reserves in role specifications, even when quoted. */
const RESERVED_ROLE_NAMES = new Set(["public", "none", "current_user", "session_user", "current_role", "system_user"]);

/**
 * Strings PostgreSQL accepts as role names: non-empty, at most 63 bytes (longer names would be
 * truncated), no NUL, valid UTF-8, and not in the reserved `pg_` namespace.
 */
function isUsableRoleName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name) <= 63 &&
    !name.includes("\0") &&
    !name.startsWith("pg_") &&
    Buffer.from(name).toString() === name &&
    !RESERVED_ROLE_NAMES.has(name.toLowerCase())
  );
}

/** Picks a fixed sample: the first string with each hard feature, then evenly spaced picks up to SAMPLE_SIZE. */
function sampleNames(): { index: number; name: string }[] {
  const all = JSON.parse(readFileSync(BLNS_PATH, "utf8")) as string[];
  const usable = all.map((name, index) => ({ index, name })).filter((entry) => isUsableRoleName(entry.name));
  const features = [/"/, /'/, /;/, /\\/, /%/, /\u202e/, /\u001b/, /[\ud800-\udbff]/, /^\s+$/, /--/, /\$/, /[\u0300-\u036f]/];
  const chosen = new Map<string, { index: number; name: string }>();
  for (const feature of features) {
    const first = usable.find((entry) => feature.test(entry.name) && !chosen.has(entry.name));
    if (first) chosen.set(first.name, first);
  }
  const step = usable.length / (SAMPLE_SIZE - chosen.size);
  for (let position = 0; chosen.size < SAMPLE_SIZE && position < usable.length; position += step) {
    const entry = usable.slice(Math.floor(position)).find((candidate) => !chosen.has(candidate.name));
    if (entry) chosen.set(entry.name, entry);
  }
  return [...chosen.values()].sort((a, b) => a.index - b.index);
}

const SAMPLE = sampleNames();
const passwords = new Map<string, string>();
let domain: TestDomain;
let connector: PostgresConnector;

beforeAll(async () => {
  domain = await startTestDomain();
  connector = createPostgresConnector(domain.settings, { password: domain.password }, {
    logger: silentLogger,
    loginProbePassword: (role) => passwords.get(role.name),
  });
});

afterAll(async () => {
  await domain?.stop();
});

describe("disable_account with naughty role names", () => {
  test("sample covers 30 distinct names", () => {
    expect(SAMPLE).toHaveLength(SAMPLE_SIZE);
    expect(SAMPLE.some((entry) => entry.name.includes('"'))).toBe(true);
    expect(SAMPLE.some((entry) => entry.name.includes("'"))).toBe(true);
  });

  test.each(SAMPLE.map((entry) => [entry.index, entry.name] as const))("disable and re-enable role blns[%i]", async (index, name) => {
    const password = `pw-${index}`;
    passwords.set(name, password);
    const oid = await domain.createManagedRole(name, password);
    expect(await resolveRoleIdentity(connector, name)).toBe(oid);

    const action = actionFor("disable_account", oid);
    const plan = await connector.plan(action, callContext());
    expect(plan.diff.objects[0]?.displayName).toBe(name);
    const applied = await connector.apply(action, grantFor(action, plan), callContext());
    expect(applied.outcome).toBe("applied");

    const disabled = await domain.admin<{ rolcanlogin: boolean }>("SELECT rolcanlogin FROM pg_roles WHERE oid = $1::oid", [oid]);
    expect(disabled.rows[0]?.rolcanlogin).toBe(false);
    const verified = await connector.verify(action, callContext());
    expect(verified.verified).toBe(true);
    expect(verified.detail).toContain("refused because the role may not log in");

    const reverted = await connector.revert(action, plan, callContext());
    expect(reverted.outcome).toBe("applied");
    const session = await domain.connectAs(name, password);
    const { rows } = await session.query<{ user: string }>("SELECT current_user AS user");
    expect(rows[0]?.user).toBe(name);
    await session.end();
  });
});
