import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { withDatabase } from "@/lib/db/embedded";
import type { PolicySet } from "@/lib/policy/engine";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { defaultPolicies, unique } from "@/tests/support/factories";
import { ensureQueueSchema } from "./queue-schema";
import { OneTimeSecretStore } from "./secret-delivery";
import { startExecutor, type Executor } from "./start-executor";
import { createLifecycle, waitForState } from "./testing";

const suffix = randomBytes(4).toString("hex");
const CONNECTOR_ROLE = `cordon_exec_${suffix}`;
const MANAGED_ROLE = `svc_exec_${suffix}`;
const PASSWORD_ENV = "CORDON_TEST_EXECUTOR_PG_PASSWORD";

let db: TestDatabase;
let policies: PolicySet;
let executor: Executor;
const store = new OneTimeSecretStore();
const logLines: string[] = [];

/**
 * Sets up a PostgreSQL domain on the test run's own server: a least-privilege connector role
 * and one managed LOGIN role, named uniquely because roles are shared by the whole cluster.
 */
async function createPostgresDomain() {
  const password = randomBytes(24).toString("base64url");
  await db.query(`CREATE ROLE ${CONNECTOR_ROLE} LOGIN CREATEROLE PASSWORD '${password}'`);
  await db.query(`CREATE ROLE ${MANAGED_ROLE} LOGIN PASSWORD 'old-password-${suffix}'`);
  await db.query(`GRANT ${MANAGED_ROLE} TO ${CONNECTOR_ROLE} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE`);
  await db.query(`GRANT pg_signal_backend TO ${CONNECTOR_ROLE}`);
  const url = new URL(db.url);
  const database = url.pathname.slice(1);
  await db.query(`GRANT CONNECT ON DATABASE ${database} TO ${CONNECTOR_ROLE}`);
  process.env[PASSWORD_ENV] = password;
  const { rows } = await db.query<{ oid: string }>("SELECT oid::text AS oid FROM pg_roles WHERE rolname = $1", [MANAGED_ROLE]);
  const domain = await db.prisma.domain.create({
    data: {
      name: unique("pg-exec"),
      kind: "postgresql",
      settings: { host: url.hostname, port: Number(url.port), database, user: CONNECTOR_ROLE, sslmode: "disable" },
      credentialRef: `env:${PASSWORD_ENV}`,
    },
  });
  return { domain, roleOid: rows[0]!.oid, url };
}

let fixture: Awaited<ReturnType<typeof createPostgresDomain>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureQueueSchema(db.url);
  policies = await defaultPolicies();
  fixture = await createPostgresDomain();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString("utf8"));
      callback();
    },
  });
  executor = await startExecutor({
    databaseUrl: db.url,
    logger: pino({ level: "trace" }, sink),
    policies: async () => policies,
    deliverSecret: store.deliver,
    pollIntervalMs: 200,
    sweepIntervalMs: 1_000,
  });
});

afterAll(async () => {
  await executor?.stop();
  const templateUrl = db?.url;
  await db?.drop();
  if (!templateUrl) return;
  const admin = new pg.Client({ connectionString: withDatabase(templateUrl, "postgres") });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${MANAGED_ROLE}`);
  await admin.query(`DROP ROLE IF EXISTS ${CONNECTOR_ROLE}`);
  await admin.end();
});

describe("rotate_credential through the executor", () => {
  test("delivers the password once, stores it nowhere", async () => {
    const lifecycle = await createLifecycle(db.prisma, fixture.domain);
    const proposed = await lifecycle.propose(fixture.roleOid, { kind: "rotate_credential", parameters: {} });
    expect(proposed.state).toBe("pending");
    await lifecycle.approve(proposed.id);

    await lifecycle.enqueue(proposed.id);
    const action = await waitForState(db.prisma, proposed.id, ["succeeded", "failed"]);

    expect(action.state).toBe("succeeded");
    const execution = await db.prisma.execution.findFirstOrThrow({ where: { actionId: action.id } });
    expect(execution).toMatchObject({ status: "succeeded", outcome: "applied", verified: true });
    expect(store.take(execution.id, crypto.randomUUID())).toBeNull();
    const secret = store.take(execution.id, action.id);
    expect(secret?.label).toBe(`new password of PostgreSQL role ${MANAGED_ROLE}`);
    expect(store.take(execution.id, action.id)).toBeNull();

    const value = secret?.value ?? "";
    expect(value.length).toBeGreaterThanOrEqual(32);
    const login = new pg.Client({ host: fixture.url.hostname, port: Number(fixture.url.port), database: fixture.url.pathname.slice(1), user: MANAGED_ROLE, password: value });
    await login.connect();
    await login.end();

    const applied = await db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: action.id, eventType: "execution.applied" } });
    expect(applied.payload).toMatchObject({ secretDelivered: true });
    const stored = await db.query<{ hits: number }>(
      `SELECT (SELECT count(*) FROM audit_events WHERE payload::text LIKE '%' || $1 || '%')
            + (SELECT count(*) FROM executions WHERE concat_ws(' ', detail, "references"::text, error, "verificationDetail") LIKE '%' || $1 || '%')
            + (SELECT count(*) FROM actions WHERE concat_ws(' ', plan::text, "stateReason", parameters::text) LIKE '%' || $1 || '%') AS hits`,
      [value],
    );
    expect(Number(stored.rows[0]?.hits)).toBe(0);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("")).not.toContain(value);
  });
});

describe("OneTimeSecretStore", () => {
  test("drops a secret after its pickup window", async () => {
    const shortLived = new OneTimeSecretStore(50);
    shortLived.deliver({ actionId: "a", executionId: "e", secret: { label: "l", value: "v" } });
    expect(shortLived.has("e")).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 80));

    expect(shortLived.has("e")).toBe(false);
    expect(shortLived.take("e", "a")).toBeNull();
  });
});
