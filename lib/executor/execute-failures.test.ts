import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ConnectorError } from "@/lib/connectors/types";
import type { PolicySet } from "@/lib/policy/engine";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { defaultPolicies, unique } from "@/tests/support/factories";
import type { ExecutorDeps } from "./context";
import { executeAction } from "./execute-action";
import { ensureQueueSchema } from "./queue-schema";
import { createLifecycle, directDeps, directRun, SCIM_TOKEN, SCIM_TOKEN_ENV, startScimDomain, type Lifecycle, type ScimDomain } from "./testing";

let db: TestDatabase;
let scim: ScimDomain;
let lifecycle: Lifecycle;
let policies: PolicySet;
let leasePool: pg.Pool;
/** An HTTP server on 127.0.0.1 that accepts requests and never responds. */
let silent: http.Server;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureQueueSchema(db.url);
  policies = await defaultPolicies();
  scim = await startScimDomain(db.prisma, ["u-vanished", "u-resumed"]);
  lifecycle = await createLifecycle(db.prisma, scim.domain);
  leasePool = new pg.Pool({ connectionString: db.url, max: 4 });
  silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
  await leasePool?.end();
  await scim?.close();
  await db?.drop();
});

function deps(overrides: Partial<ExecutorDeps> = {}): ExecutorDeps {
  return directDeps(db.prisma, leasePool, policies, overrides);
}

async function deleteScimUser(userId: string): Promise<void> {
  const response = await fetch(`${scim.server.url}/Users/${userId}`, { method: "DELETE", headers: { authorization: `Bearer ${SCIM_TOKEN}` } });
  expect(response.status).toBe(204);
}

/** Registers another domain and proposes and approves disable_account there, without asking the domain for a plan. */
async function approvedActionOn(domainData: { settings: object; credentialRef: string }) {
  const domain = await db.prisma.domain.create({ data: { name: unique("scim-broken"), kind: "scim", ...domainData } });
  const other = await createLifecycle(db.prisma, domain, { connectorPlans: false });
  const proposed = await other.propose("u-1");
  await other.approve(proposed.id);
  return proposed;
}

async function executionFailures(actionId: string): Promise<Record<string, unknown>[]> {
  const events = await db.prisma.auditEvent.findMany({ where: { actionId, eventType: "execution.failed" }, orderBy: { sequence: "asc" } });
  return events.map((event) => event.payload as Record<string, unknown>);
}

test("target deleted after approval fails the action", async () => {
  const proposed = await lifecycle.propose("u-vanished");
  await lifecycle.approve(proposed.id);
  await deleteScimUser("u-vanished");

  const outcome = await executeAction(deps(), proposed.id, directRun());

  expect(outcome).toBe("plan_failed");
  const failed = await db.prisma.action.findUniqueOrThrow({ where: { id: proposed.id } });
  expect(failed.state).toBe("failed");
  expect(failed.stateReason).toMatch(/not found/i);
  expect((await db.prisma.grant.findFirstOrThrow({ where: { actionId: proposed.id } })).redeemedAt).toBeNull();
  expect(await db.prisma.execution.count({ where: { actionId: proposed.id } })).toBe(0);
  const [failure] = await executionFailures(proposed.id);
  expect(failure).toMatchObject({ stage: "plan", transient: false, executionId: null });
  expect(String(failure?.error)).toMatch(/not found/i);
});

test("target deleted before resumed apply fails", async () => {
  const proposed = await lifecycle.propose("u-resumed");
  await lifecycle.approve(proposed.id);
  const crash = new Error("simulated crash after apply");
  await expect(executeAction(deps({ hooks: { afterApply: () => Promise.reject(crash) } }), proposed.id, directRun(1))).rejects.toBe(crash);
  await deleteScimUser("u-resumed");

  const outcome = await executeAction(deps(), proposed.id, directRun(2));

  expect(outcome).toBe("failed");
  const action = await db.prisma.action.findUniqueOrThrow({ where: { id: proposed.id } });
  expect(action.state).toBe("failed");
  expect(action.stateReason).toMatch(/not found/i);
  const executions = await db.prisma.execution.findMany({ where: { actionId: proposed.id }, orderBy: { attempt: "asc" } });
  expect(executions.map((execution) => [execution.attempt, execution.status])).toEqual([
    [1, "failed"],
    [2, "failed"],
  ]);
  expect(executions[1]?.error).toBe(action.stateReason);
});

test("silent domain times out, then gives up", async () => {
  const { port } = silent.address() as AddressInfo;
  const proposed = await approvedActionOn({ settings: { baseUrl: `http://127.0.0.1:${port}/scim/v2`, requestTimeoutMs: 60_000 }, credentialRef: `env:${SCIM_TOKEN_ENV}` });

  const first = executeAction(deps({ callTimeoutMs: 300 }), proposed.id, directRun(1, 5));
  await expect(first).rejects.toBeInstanceOf(ConnectorError);
  await expect(first).rejects.toMatchObject({ transient: true, message: "plan timed out after 300 ms" });
  expect(await executionFailures(proposed.id)).toEqual([]);

  const last = await executeAction(deps({ callTimeoutMs: 300 }), proposed.id, directRun(5, 5));

  expect(last).toBe("plan_failed");
  expect(await executionFailures(proposed.id)).toEqual([expect.objectContaining({ stage: "plan", transient: true, error: "plan timed out after 300 ms (gave up after 5 attempts)" })]);
  expect((await db.prisma.action.findUniqueOrThrow({ where: { id: proposed.id } })).state).toBe("failed");
});

test("unset credential stops before the domain", async () => {
  const variable = "CORDON_TEST_EXECUTOR_UNSET_TOKEN";
  delete process.env[variable];
  const proposed = await approvedActionOn({ settings: { baseUrl: scim.server.url }, credentialRef: `env:${variable}` });
  const before = scim.requests.length;

  const outcome = await executeAction(deps(), proposed.id, directRun());

  expect(outcome).toBe("plan_failed");
  expect(scim.requests.length).toBe(before);
  const [failure] = await executionFailures(proposed.id);
  expect(failure).toMatchObject({ stage: "plan", transient: false, error: expect.stringContaining(`environment variable ${variable} is not set`) });
});

test("disabled domain stops an approved action", async () => {
  const proposed = await approvedActionOn({ settings: { baseUrl: scim.server.url }, credentialRef: `env:${SCIM_TOKEN_ENV}` });
  await db.prisma.domain.update({ where: { id: proposed.domainId }, data: { enabled: false } });
  const before = scim.requests.length;

  const outcome = await executeAction(deps(), proposed.id, directRun());

  expect(outcome).toBe("plan_failed");
  expect(scim.requests.length).toBe(before);
  const [failure] = await executionFailures(proposed.id);
  expect(failure).toMatchObject({ stage: "plan", transient: false, error: expect.stringMatching(/^domain scim-broken-\w+ is disabled/) });
  expect((await db.prisma.grant.findFirstOrThrow({ where: { actionId: proposed.id } })).redeemedAt).toBeNull();
});
