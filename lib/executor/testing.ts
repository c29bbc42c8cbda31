import { Writable } from "node:stream";
import type pg from "pg";
import pino, { type Logger } from "pino";
import type { Planner } from "@/lib/actions/context";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody, type ProposeActionInput } from "@/lib/actions/schemas";
import { createConnectorPlanner } from "@/lib/connectors/connector-planner";
import { connectorForDomain } from "@/lib/connectors/registry";
import type { Action, Domain, Incident, PrismaClient, User, WorkloadClient } from "@/lib/db/client";
import type { ActionState } from "@/lib/db/generated/enums";
import { startScimServer, type ScimServer } from "@/lib/demo/scim-server";
import type { PolicySet } from "@/lib/policy/engine";
import { systemClock, type Clock } from "@/lib/time/clock";
import { createClient, createIncident, createUser, person, serviceContext, unique, workload } from "@/tests/support/factories";
import type { ExecutorDeps, JobRun } from "./context";
import { enqueueExecution } from "./enqueue";
import { DeliveredSecretStore, deriveDeliveryKey } from "./secret-delivery";

/** Fixtures for the executor's tests: a real SCIM server as the domain and the real lifecycle verbs around it. */

/** Delivery key of tests that run executions, so they never create a key file in a data dir. */
export const TEST_DELIVERY_KEY = deriveDeliveryKey("executor-tests-delivery-key-0123456789abcdef");

export const SCIM_TOKEN = "executor-test-scim-token-4c9e27d1";
export const SCIM_TOKEN_ENV = "CORDON_TEST_EXECUTOR_SCIM_TOKEN";

export function testLogger(): Logger {
  return pino({ level: process.env.CORDON_TEST_LOG_LEVEL ?? "silent" });
}

/** One request line the SCIM server logged. */
export interface ScimRequestLine {
  method: string;
  path: string;
  status: number;
}

export interface ScimDomain {
  server: ScimServer;
  domain: Domain;
  requests: ScimRequestLine[];
  /** Counts the PATCH requests the server logged for one user, successful or not. */
  patchesOf(userId: string): number;
  readUser(userId: string): Promise<{ active?: boolean; displayName?: string }>;
  /** Changes a user as another SCIM administrator would. */
  patchUser(userId: string, operations: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a SCIM server seeded with `userIds` and registers it as a Cordon domain. Requests are
 * counted from the server's own request log, so the count includes every write that arrived.
 */
export async function startScimDomain(prisma: PrismaClient, userIds: string[]): Promise<ScimDomain> {
  const requests: ScimRequestLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        const entry = JSON.parse(line) as Partial<ScimRequestLine>;
        if (entry.method && entry.path && entry.status) requests.push({ method: entry.method, path: entry.path, status: entry.status });
      }
      callback();
    },
  });
  const seed = {
    users: userIds.map((id) => ({ id, userName: `${id}@example.com`, displayName: `User ${id}` })),
    groups: [{ id: "g-payments", displayName: "Payments", members: userIds.slice(0, 3) }],
  };
  const server = await startScimServer({ bearerToken: SCIM_TOKEN, seed, logger: pino({ level: "debug" }, sink) });
  process.env[SCIM_TOKEN_ENV] = SCIM_TOKEN;
  const domain = await prisma.domain.create({
    data: { name: unique("scim-exec"), kind: "scim", settings: { baseUrl: server.url, requestTimeoutMs: 5_000 }, credentialRef: `env:${SCIM_TOKEN_ENV}` },
  });

  const headers = { authorization: `Bearer ${SCIM_TOKEN}`, "content-type": "application/scim+json" };
  return {
    server,
    domain,
    requests,
    // The server logs the path below the router's mount point (`/u-1`), or the full one.
    patchesOf: (userId) => requests.filter((request) => request.method === "PATCH" && request.path.endsWith(`/${userId}`)).length,
    async readUser(userId) {
      const response = await fetch(`${server.url}/Users/${userId}`, { headers });
      return (await response.json()) as { active?: boolean; displayName?: string };
    },
    async patchUser(userId, operations) {
      const body = JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: operations });
      const response = await fetch(`${server.url}/Users/${userId}`, { method: "PATCH", headers, body });
      if (response.status !== 200) throw new Error(`PATCH /Users/${userId} returned ${response.status}`);
    },
    close: () => server.close(),
  };
}

export interface Lifecycle {
  incident: Incident;
  client: WorkloadClient;
  approver: User;
  planner: Planner;
  /** Proposes disable_account (or `overrides`) on one SCIM user through the connector planner. */
  propose(identity: string, overrides?: Partial<ProposeActionInput>, clock?: Clock): Promise<Action>;
  /** Records the approval that mints the grant. */
  approve(actionId: string, body?: Record<string, unknown>, clock?: Clock): Promise<void>;
  /** Queues the execution job, as the approval transaction will. */
  enqueue(actionId: string): Promise<void>;
}

/** With `connectorPlans: false`, proposals carry the requested change as their plan and the domain is not asked. */
export async function createLifecycle(prisma: PrismaClient, domain: Domain, options: { connectorPlans?: boolean } = {}): Promise<Lifecycle> {
  const incident = await createIncident(prisma);
  const client = await createClient(prisma, { domains: [domain.name] });
  const approver = await createUser(prisma);
  const planner = createConnectorPlanner({ db: () => prisma, logger: testLogger() });

  return {
    incident,
    client,
    approver,
    planner,
    async propose(identity, overrides = {}, clock = systemClock) {
      const context = await serviceContext(prisma, workload(client), options.connectorPlans === false ? { clock } : { clock, planner });
      const body = ZProposeActionBody.parse({
        kind: "disable_account",
        target: { domain: domain.name, identity },
        parameters: {},
        incidentId: incident.id,
        justification: "Session token of this account was replayed from an unknown network.",
        ...overrides,
      });
      const { action } = await proposeAction(context, body);
      return prisma.action.findUniqueOrThrow({ where: { id: action.id } });
    },
    async approve(actionId, body = {}, clock = systemClock) {
      const context = await serviceContext(prisma, person(approver), { clock });
      await recordApproval(context, actionId, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "contain now", ...body }));
    },
    async enqueue(actionId) {
      await prisma.$transaction((tx) => enqueueExecution(tx, actionId));
    },
  };
}

/** Polls the action until it is in one of `states`; fails with the last state after `timeoutMs`. */
export async function waitForState(prisma: PrismaClient, actionId: string, states: ActionState[], timeoutMs = 20_000): Promise<Action> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const action = await prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    if (states.includes(action.state)) return action;
    if (Date.now() > deadline) throw new Error(`action ${actionId} is still ${action.state} after ${timeoutMs} ms, expected ${states.join(" or ")}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function auditTypes(prisma: PrismaClient, actionId: string): Promise<string[]> {
  const events = await prisma.auditEvent.findMany({ where: { actionId }, orderBy: { sequence: "asc" } });
  return events.map((event) => event.eventType);
}

/** Dependencies for calling executeAction or revertAction directly, without a queue. */
export function directDeps(prisma: PrismaClient, leasePool: pg.Pool, policies: PolicySet, overrides: Partial<ExecutorDeps> = {}): ExecutorDeps {
  return {
    db: prisma,
    leasePool,
    clock: systemClock,
    logger: testLogger(),
    policies: async () => policies,
    connectorFor: connectorForDomain,
    deliverSecret: new DeliveredSecretStore(prisma, async () => TEST_DELIVERY_KEY).deliver,
    workerId: "direct-test",
    callTimeoutMs: 5_000,
    ...overrides,
  };
}

/** Builds the JobRun of a job that no queue started; `attempt` counts from 1. */
export function directRun(attempt = 1, maxAttempts = 5): JobRun {
  return { jobId: `direct-${attempt}`, attempt, maxAttempts };
}
