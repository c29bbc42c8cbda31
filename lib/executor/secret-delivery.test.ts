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
import { DeliveredSecretStore, DeliveredSecretUnreadable, deriveDeliveryKey, discardExpiredSecrets } from "./secret-delivery";
import { startExecutor, type Executor } from "./start-executor";
import { createLifecycle, TEST_DELIVERY_KEY, waitForState } from "./testing";

const suffix = randomBytes(4).toString("hex");
const CONNECTOR_ROLE = `cordon_exec_${suffix}`;
const MANAGED_ROLE = `svc_exec_${suffix}`;
const PASSWORD_ENV = "CORDON_TEST_EXECUTOR_PG_PASSWORD";

let db: TestDatabase;
let policies: PolicySet;
let executor: Executor;
let store: DeliveredSecretStore;
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
  store = new DeliveredSecretStore(db.prisma, async () => TEST_DELIVERY_KEY);
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

async function takeFromStore(actionId: string, from = store) {
  return (await db.prisma.$transaction((tx) => from.take(tx, actionId))).delivered;
}

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
    expect(await takeFromStore(crypto.randomUUID())).toBeNull();
    const sealed = await db.query<{ sealed: string }>(`SELECT sealed FROM delivered_secrets WHERE "executionId" = $1`, [execution.id]);
    const handedOver = await takeFromStore(action.id);
    expect(handedOver?.executionId).toBe(execution.id);
    expect(handedOver?.secret.label).toBe(`new password of PostgreSQL role ${MANAGED_ROLE}`);
    expect(await takeFromStore(action.id)).toBeNull();

    const value = handedOver?.secret.value ?? "";
    expect(sealed.rows).toHaveLength(1);
    for (const encoding of ["utf8", "base64", "base64url", "hex"] as const) {
      expect(sealed.rows[0]?.sealed).not.toContain(Buffer.from(value).toString(encoding));
    }
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

describe("DeliveredSecretStore", () => {
  let targetCounter = 1_000_000;

  async function deliveredExecution(target: DeliveredSecretStore, value = randomBytes(24).toString("base64url")) {
    // The requested-change plan is enough here: nothing is executed, only delivered.
    const lifecycle = await createLifecycle(db.prisma, fixture.domain, { connectorPlans: false });
    const proposed = await lifecycle.propose(String(++targetCounter), { kind: "rotate_credential", parameters: {} });
    const execution = await db.prisma.execution.create({
      data: { actionId: proposed.id, operation: "apply", attempt: 1, idempotencyKey: `${proposed.id}:apply:1`, status: "succeeded", outcome: "applied", startedAt: new Date() },
    });
    await target.deliver({ actionId: proposed.id, executionId: execution.id, secret: { label: "new password", value } });
    return { actionId: proposed.id, executionId: execution.id, value };
  }

  test("hands a secret to another process with the same key", async () => {
    const delivered = await deliveredExecution(store);
    const otherProcess = new DeliveredSecretStore(db.prisma, async () => deriveDeliveryKey("executor-tests-delivery-key-0123456789abcdef"));

    const handedOver = await takeFromStore(delivered.actionId, otherProcess);

    expect(handedOver?.secret.value).toBe(delivered.value);
  });

  test("rejects another key and keeps the secret", async () => {
    const delivered = await deliveredExecution(store);
    const wrongKey = new DeliveredSecretStore(db.prisma, async () => deriveDeliveryKey("another-delivery-key-of-at-least-32-chars"));

    await expect(takeFromStore(delivered.actionId, wrongKey)).rejects.toBeInstanceOf(DeliveredSecretUnreadable);

    expect(await store.has(delivered.executionId)).toBe(true);
    expect((await takeFromStore(delivered.actionId))?.secret.value).toBe(delivered.value);
  });

  test("rejects a sealed value moved to another execution", async () => {
    const first = await deliveredExecution(store);
    const second = await deliveredExecution(store);
    await db.query(`UPDATE delivered_secrets SET sealed = (SELECT sealed FROM delivered_secrets WHERE "executionId" = $1) WHERE "executionId" = $2`, [first.executionId, second.executionId]);

    await expect(takeFromStore(second.actionId)).rejects.toBeInstanceOf(DeliveredSecretUnreadable);
  });

  test("rejects a changed label", async () => {
    const delivered = await deliveredExecution(store);
    await db.query(`UPDATE delivered_secrets SET label = 'password of another role' WHERE "executionId" = $1`, [delivered.executionId]);

    await expect(takeFromStore(delivered.actionId)).rejects.toBeInstanceOf(DeliveredSecretUnreadable);
  });

  test("rejects a shortened authentication tag", async () => {
    const delivered = await deliveredExecution(store);
    // GCM without a fixed tag length accepts a tag cut to 4 bytes.
    await db.query(
      `UPDATE delivered_secrets SET sealed = regexp_replace(sealed, '\\.([A-Za-z0-9_-]{6})[A-Za-z0-9_-]*$', '.\\1') WHERE "executionId" = $1`,
      [delivered.executionId],
    );
    const { rows } = await db.query<{ sealed: string }>(`SELECT sealed FROM delivered_secrets WHERE "executionId" = $1`, [delivered.executionId]);
    expect(rows[0]?.sealed.split(".")[3]).toHaveLength(6);

    await expect(takeFromStore(delivered.actionId)).rejects.toBeInstanceOf(DeliveredSecretUnreadable);
  });

  test("drops a secret after its pickup window", async () => {
    const shortLived = new DeliveredSecretStore(db.prisma, async () => TEST_DELIVERY_KEY, { pickupWindowSeconds: 1 });
    const delivered = await deliveredExecution(shortLived);
    expect(await shortLived.has(delivered.executionId)).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 1_100));

    expect(await shortLived.has(delivered.executionId)).toBe(false);
    expect(await takeFromStore(delivered.actionId)).toBeNull();
  });

  test("discards expired secrets with an audit event", async () => {
    const shortLived = new DeliveredSecretStore(db.prisma, async () => TEST_DELIVERY_KEY, { pickupWindowSeconds: 1 });
    const delivered = await deliveredExecution(shortLived);
    const waiting = await deliveredExecution(store);
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const discarded = await discardExpiredSecrets({
      db: db.prisma,
      clock: { now: () => new Date() },
      actor: { type: "system", id: "executor" },
      requestId: "sweep-test",
      logger: pino({ level: "silent" }),
      policies,
    });

    expect(discarded).toBeGreaterThanOrEqual(1);
    const { rows } = await db.query(`SELECT 1 FROM delivered_secrets WHERE "executionId" = $1`, [delivered.executionId]);
    expect(rows).toHaveLength(0);
    expect(await store.has(waiting.executionId)).toBe(true);
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: delivered.actionId, eventType: "credential.discarded" } });
    expect(event.payload).toMatchObject({ executionId: delivered.executionId, label: "new password" });
    expect(JSON.stringify(event.payload)).not.toContain(delivered.value);
  });
});
