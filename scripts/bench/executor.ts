// `npm run bench:executor [-- --actions N --concurrency C --domains scim,postgresql]` measures
// the executor on the demo identity systems of the embedded setup: the demo SCIM tenant (in this
// process) and the demo PostgreSQL domain (a database on the same embedded PostgreSQL server as
// Cordon). For each domain it proposes N+W disable_account actions through the connector planner,
// then approves them with at most C approvals awaiting execution at a time (W warm-up actions are
// not measured). The latency is the time from the commit of the approving transaction to the
// commit of the transaction that records the action's `execution.verified` audit event, read
// from PostgreSQL's commit timestamps (the benchmark database runs with track_commit_timestamp
// on). Beside it, in the same run, it prints the ceiling: the same connector's apply + verify
// called directly (no queue, no grant, no audit) on N other fresh targets with the same
// concurrency. Everything listens on 127.0.0.1 and is removed at the end.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import pg from "pg";
import { ZDisableAccountParameters } from "@/lib/actions/catalogue";
import type { Actor, ServiceContext } from "@/lib/actions/context";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody } from "@/lib/actions/schemas";
import { createConnectorPlanner } from "@/lib/connectors/connector-planner";
import { planHash } from "@/lib/connectors/plan-hash";
import { clearConnectorCache, connectorForDomain } from "@/lib/connectors/registry";
import type { ConnectorAction, GrantForApply } from "@/lib/connectors/types";
import { createPrismaClient, type Domain, type PrismaClient, type User } from "@/lib/db/client";
import { startEmbeddedPostgres, type EmbeddedServer } from "@/lib/db/embedded";
import { DEMO_CONNECTOR_ROLE, setupDemoPostgresDomain } from "@/lib/demo/postgres-domain";
import { startScimServer } from "@/lib/demo/scim-server";
import { addDomain } from "@/lib/domains/add-domain";
import { startExecutor } from "@/lib/executor/start-executor";
import { logger as rootLogger } from "@/lib/log/logger";
import { loadPolicySet } from "@/lib/policy/engine";
import { addSeconds, systemClock } from "@/lib/time/clock";
import type { AdminContext } from "@/lib/users/admin-context";
import { benchLogger, machineDescription, ms, runPool, startBenchDatabase, summarise } from "./support";

const DOMAIN_KINDS = ["scim", "postgresql"] as const;
type BenchKind = (typeof DOMAIN_KINDS)[number];

const { values } = parseArgs({
  options: {
    actions: { type: "string", default: "200" },
    concurrency: { type: "string", default: "4" },
    domains: { type: "string", default: DOMAIN_KINDS.join(",") },
  },
});
const count = Number(values.actions);
const concurrency = Number(values.concurrency);
const kinds = values.domains.split(",").map((kind) => kind.trim());
if (!Number.isInteger(count) || count < 1 || count > 2_000) throw new Error(`--actions must be an integer from 1 to 2000, got ${values.actions}`);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new Error(`--concurrency must be an integer from 1 to 32, got ${values.concurrency}`);
const unknownKinds = kinds.filter((kind) => !(DOMAIN_KINDS as readonly string[]).includes(kind));
if (kinds.length === 0 || unknownKinds.length > 0) throw new Error(`--domains must list ${DOMAIN_KINDS.join(" and/or ")}, comma-separated; got ${values.domains}`);
const benchKinds = [...new Set(kinds)] as BenchKind[];

/** Actions per domain and path run before the measured ones, so JIT compilation and connection set-up are not timed. */
const WARM_UP = Math.min(10, count);
/** Targets per path: warm-up plus measured. Each domain gets twice this many, half for the executor and half for the ceiling. */
const PER_PATH = WARM_UP + count;
/** An action that has not settled this long after its approval fails the run instead of stalling it. */
const ACTION_TIMEOUT_MS = 30_000;
/** The whole run is aborted after this time, so a stuck component cannot keep it running. */
const RUN_DEADLINE_MS = 20 * 60_000;
/** Interval of the check whether approved actions have settled. It paces the approvals and is not part of the measured latency. */
const COMPLETION_POLL_MS = 20;

const SYSTEM_ACTOR = { type: "system", id: "bench" } as const;

/** One demo domain registered in Cordon, with fresh targets for both paths. */
interface BenchDomain {
  kind: BenchKind;
  description: string;
  domain: Domain;
  /** Target identities: the first PER_PATH go through the executor, the rest to the ceiling. */
  identities: string[];
  close(): Promise<void>;
}

/**
 * Starts the benchmark database with track_commit_timestamp on, because the latencies are read
 * from commit timestamps. The setting takes effect only at server start, so the server that
 * startBenchDatabase started is restarted on the same data dir.
 */
async function startDatabaseWithCommitTimestamps(): Promise<{ url: string; close(): Promise<void> }> {
  const database = await startBenchDatabase();
  let restarted: EmbeddedServer | undefined;
  try {
    const admin = new pg.Client({ connectionString: database.server.url });
    await admin.connect();
    await admin.query("ALTER SYSTEM SET track_commit_timestamp = on").finally(() => admin.end());
    await database.server.stop();
    restarted = await startEmbeddedPostgres({ dataDir: database.dataDir, logger: benchLogger });

    const check = new pg.Client({ connectionString: restarted.url });
    await check.connect();
    const { rows } = await check.query<{ track_commit_timestamp: string }>("SHOW track_commit_timestamp").finally(() => check.end());
    if (rows[0]?.track_commit_timestamp !== "on") throw new Error("track_commit_timestamp is still off after restarting the benchmark database");
  } catch (error) {
    await restarted?.stop();
    await database.close();
    throw error;
  }
  const server = restarted;
  return {
    url: server.url,
    async close() {
      await waitForClientsToLeave(server.url, 2_000);
      await server.stop();
      // Stops nothing more, because the first server has exited, and removes the data dir.
      await database.close();
    },
  };
}

/**
 * Waits until no other client is connected, for at most `timeoutMs`. pg-pool's end() resolves
 * before its connections have closed, so stopping the server at once would terminate them and
 * the executor would log each as a failed idle connection.
 */
async function waitForClientsToLeave(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ others: number }>(
        "SELECT count(*)::int AS others FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
      );
      if ((rows[0]?.others ?? 0) === 0) return;
      await sleep(20);
    }
  } finally {
    await client.end();
  }
}

/** Writes a secret to a new 0600 file in `folder` and returns its `file:` credential reference. */
async function writeCredential(folder: string, name: string, secret: string): Promise<string> {
  const file = path.join(folder, name);
  await fs.writeFile(file, secret, { mode: 0o600, flag: "wx" });
  return `file:${file}`;
}

function adminContext(prisma: PrismaClient): AdminContext {
  return { db: prisma, clock: systemClock, actor: SYSTEM_ACTOR, requestId: "bench-setup", logger: benchLogger };
}

/** Starts the demo SCIM tenant on 127.0.0.1 with 2 × PER_PATH service accounts and registers it. */
async function startScimDomain(prisma: PrismaClient, secrets: string): Promise<BenchDomain> {
  const bearerToken = randomBytes(32).toString("base64url");
  const identities = Array.from({ length: 2 * PER_PATH }, (_, index) => `svc-${String(index).padStart(5, "0")}`);
  const server = await startScimServer({
    bearerToken,
    seed: { users: identities.map((id) => ({ id, userName: `${id}@svc.example.com`, displayName: `Service account ${id}` })) },
    logger: benchLogger,
  });
  try {
    const credentialRef = await writeCredential(secrets, "scim-bearer-token", bearerToken);
    const { domain } = await addDomain(adminContext(prisma), { name: "bench-scim", kind: "scim", settings: { baseUrl: server.url }, credentialRef });
    return { kind: "scim", description: "demo SCIM tenant in this process", domain, identities, close: () => server.close() };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * Sets up the demo PostgreSQL domain (database, connector role) on the embedded server and adds
 * 2 × PER_PATH LOGIN roles. Each is granted to the connector role WITH ADMIN, INHERIT FALSE and
 * SET FALSE, as setupDemoPostgresDomain grants its own service roles.
 */
async function startPostgresDomain(prisma: PrismaClient, adminUrl: string, secrets: string): Promise<BenchDomain> {
  const { settings, password } = await setupDemoPostgresDomain({ adminUrl, logger: benchLogger });
  const names = Array.from({ length: 2 * PER_PATH }, (_, index) => `bench_svc_${String(index).padStart(5, "0")}`);

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let identities: string[];
  try {
    const connector = pg.escapeIdentifier(DEMO_CONNECTOR_ROLE);
    const statements = names.map((name) => `CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN; GRANT ${pg.escapeIdentifier(name)} TO ${connector} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE;`);
    await admin.query(statements.join("\n"));
    const { rows } = await admin.query<{ oid: string; name: string }>("SELECT oid::text AS oid, rolname AS name FROM pg_roles WHERE rolname = ANY($1)", [names]);
    const oidByName = new Map(rows.map((row) => [row.name, row.oid]));
    identities = names.map((name) => oidByName.get(name) ?? "");
  } finally {
    await admin.end();
  }

  const credentialRef = await writeCredential(secrets, "postgres-connector-password", password);
  const { domain } = await addDomain(adminContext(prisma), { name: "bench-postgres", kind: "postgresql", settings: { ...settings }, credentialRef });
  return { kind: "postgresql", description: "demo PostgreSQL domain on the same embedded server as Cordon", domain, identities, close: async () => undefined };
}

/**
 * Commit times, in epoch milliseconds, of the transactions that wrote an action's audit events:
 * `grant.minted` (the approval), the first `execution.started` and the last `execution.verified`.
 */
interface Completion {
  state: string;
  approvalCommit: number | null;
  startedCommit: number | null;
  verifiedCommit: number | null;
  executionAttempts: number;
}

interface CompletionRow extends Completion {
  id: string;
}

/** States in which the executor does no more work on an action. `pending` means the action drifted back to the approvers. */
const SETTLED_STATES = new Set(["succeeded", "failed", "denied", "rejected", "cancelled", "expired", "reverted", "pending"]);

/**
 * Waits for actions to settle with one query per tick for all of them, so a handful of
 * waiting drivers does not become a flood of polling queries that competes with the executor.
 */
function startCompletionWatcher(prisma: PrismaClient, signal: AbortSignal) {
  const waiting = new Map<string, { deadline: number; resolve(completion: Completion): void; reject(error: Error): void }>();

  async function tick(): Promise<void> {
    const ids = [...waiting.keys()];
    // A trigger rejects UPDATE on audit_events, so each row's xmin is the transaction that inserted it.
    const rows = await prisma.$queryRaw<CompletionRow[]>`
      SELECT a.id::text AS id,
             a.state::text AS state,
             (extract(epoch FROM min(pg_xact_commit_timestamp(e.xmin)) FILTER (WHERE e."eventType" = 'grant.minted')) * 1000)::float8 AS "approvalCommit",
             (extract(epoch FROM min(pg_xact_commit_timestamp(e.xmin)) FILTER (WHERE e."eventType" = 'execution.started')) * 1000)::float8 AS "startedCommit",
             (extract(epoch FROM max(pg_xact_commit_timestamp(e.xmin)) FILTER (WHERE e."eventType" = 'execution.verified')) * 1000)::float8 AS "verifiedCommit",
             (count(*) FILTER (WHERE e."eventType" = 'execution.started'))::int AS "executionAttempts"
        FROM actions a
        LEFT JOIN audit_events e
          ON e."actionId" = a.id AND e."eventType" IN ('grant.minted', 'execution.started', 'execution.verified')
       WHERE a.id = ANY(${ids}::uuid[])
       GROUP BY a.id, a.state`;
    for (const row of rows) {
      const waiter = waiting.get(row.id);
      if (!waiter || !SETTLED_STATES.has(row.state)) continue;
      waiting.delete(row.id);
      waiter.resolve(row);
    }
    const now = Date.now();
    for (const [id, waiter] of waiting) {
      if (now < waiter.deadline) continue;
      waiting.delete(id);
      waiter.reject(new Error(`action ${id} did not settle within ${ACTION_TIMEOUT_MS} ms of its approval`));
    }
  }

  const rejectAll = (error: Error) => {
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
  };
  const loop = (async () => {
    while (!signal.aborted) {
      try {
        if (waiting.size > 0) await tick();
      } catch (error) {
        rejectAll(new Error("checking whether approved actions were executed failed", { cause: error }));
      }
      await sleep(COMPLETION_POLL_MS);
    }
    rejectAll(new Error("the run was aborted while actions awaited execution"));
  })();

  return {
    settled(actionId: string): Promise<Completion> {
      return new Promise((resolve, reject) => waiting.set(actionId, { deadline: Date.now() + ACTION_TIMEOUT_MS, resolve, reject }));
    },
    done: loop,
  };
}

/** Samples of the executor path for one domain, in milliseconds. */
interface ExecutorSamples {
  commitToVerified: number[];
  commitToStarted: number[];
  startedToVerified: number[];
  /** From the approval's commit to the moment recordApproval returned to its caller. */
  approvalReturn: number[];
  retries: number;
  seconds: number;
}

interface Fixture {
  prisma: PrismaClient;
  policies: ServiceContext["policies"];
  planner: NonNullable<ServiceContext["planner"]>;
  incidentId: string;
  client: Extract<Actor, { type: "workload" }>;
  approvers: User[];
  watcher: ReturnType<typeof startCompletionWatcher>;
  signal: AbortSignal;
}

function serviceContext(fixture: Fixture, actor: ServiceContext["actor"], requestId: string): ServiceContext {
  return { db: fixture.prisma, clock: systemClock, actor, requestId, logger: benchLogger, policies: fixture.policies, planner: fixture.planner };
}

/** Proposes disable_account on each executor target. Proposals are not timed, because the measurement starts at the approval. */
async function proposeAll(fixture: Fixture, target: BenchDomain): Promise<string[]> {
  const ids: string[] = new Array<string>(PER_PATH);
  await runPool(PER_PATH, concurrency, async (index) => {
    fixture.signal.throwIfAborted();
    const body = ZProposeActionBody.parse({
      kind: "disable_account",
      target: { domain: target.domain.name, identity: target.identities[index] },
      incidentId: fixture.incidentId,
      justification: "benchmark: the account's key was found in a public repository",
    });
    const { action } = await proposeAction(serviceContext(fixture, fixture.client, `bench-propose-${index}`), body);
    ids[index] = action.id;
  });
  return ids;
}

/**
 * Approves each action and waits until it settles, with at most `concurrency` approvals
 * awaiting execution, so the queue contains no more jobs than the executor runs at once.
 *
 * Latency = commit time of the transaction that wrote `execution.verified` − commit time of the
 * approving transaction, both read afterwards with pg_xact_commit_timestamp. The other readings
 * are less exact. A clock read when recordApproval returns is late, because recordApproval reads
 * the action view after its commit while the executor is already working. An event's occurredAt is early,
 * because it is taken inside its transaction. Polling for the event would add up to one poll
 * interval to every sample. Commit timestamps are exact at both ends, add no queries during the
 * run, and come from one clock, the database server's. `approvalReturn` reports how late the
 * reading at recordApproval's return would have been.
 */
async function runExecutorPath(fixture: Fixture, actionIds: string[]): Promise<ExecutorSamples> {
  const samples: ExecutorSamples = { commitToVerified: [], commitToStarted: [], startedToVerified: [], approvalReturn: [], retries: 0, seconds: 0 };
  const approve = async (index: number, record: boolean) => {
    fixture.signal.throwIfAborted();
    const actionId = actionIds[index]!;
    const approver = fixture.approvers[index % fixture.approvers.length]!;
    const context = serviceContext(fixture, { type: "person", user: approver, via: "session" }, `bench-approve-${index}`);
    const approval = await recordApproval(context, actionId, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "benchmark" }));
    const returnedAt = Date.now();
    if (approval.grantId === null) throw new Error(`approving action ${actionId} minted no grant, so the policy requires more approvals than the benchmark gives`);

    const completion = await fixture.watcher.settled(actionId);
    const { approvalCommit, startedCommit, verifiedCommit } = completion;
    if (completion.state !== "succeeded" || approvalCommit === null || startedCommit === null || verifiedCommit === null) {
      throw new Error(`action ${actionId} ended ${completion.state} without a verified execution; check the executor's warnings above`);
    }
    if (!record) return;
    samples.commitToVerified.push(verifiedCommit - approvalCommit);
    samples.commitToStarted.push(startedCommit - approvalCommit);
    samples.startedToVerified.push(verifiedCommit - startedCommit);
    samples.approvalReturn.push(returnedAt - approvalCommit);
    samples.retries += completion.executionAttempts - 1;
  };

  await runPool(WARM_UP, concurrency, (index) => approve(index, false));
  const started = performance.now();
  await runPool(count, concurrency, (index) => approve(WARM_UP + index, true));
  samples.seconds = (performance.now() - started) / 1000;
  return samples;
}

/** Samples of the direct connector calls for one domain, in milliseconds. */
interface CeilingSamples {
  plan: number[];
  applyAndVerify: number[];
  seconds: number;
}

/**
 * Calls the domain's connector directly on the ceiling targets: plan first (untimed for the
 * ceiling, because apply needs a grant bound to the plan hash), then apply + verify, timed
 * together per target, with the executor's concurrency.
 */
async function runCeiling(target: BenchDomain, signal: AbortSignal): Promise<CeilingSamples> {
  const connector = await connectorForDomain(target.domain);
  const parameters = ZDisableAccountParameters.parse({});
  const actions: ConnectorAction[] = target.identities.slice(PER_PATH).map((identity) => ({
    id: randomUUID(),
    kind: "disable_account",
    target: { domain: target.domain.name, identity, resource: null },
    parameters,
  }));
  const grants: GrantForApply[] = new Array<GrantForApply>(actions.length);
  const samples: CeilingSamples = { plan: [], applyAndVerify: [], seconds: 0 };
  const call = () => ({ signal: AbortSignal.any([signal, AbortSignal.timeout(ACTION_TIMEOUT_MS)]) });

  await runPool(actions.length, concurrency, async (index) => {
    const action = actions[index]!;
    const mark = performance.now();
    const plan = await connector.plan(action, call());
    if (index >= WARM_UP) samples.plan.push(performance.now() - mark);
    grants[index] = { id: randomUUID(), actionId: action.id, planHash: planHash(plan.diff), expiresAt: addSeconds(new Date(), 900) };
  });

  const applyAndVerify = async (index: number, record: boolean) => {
    const action = actions[index]!;
    const mark = performance.now();
    const applied = await connector.apply(action, grants[index]!, call());
    const verified = await connector.verify(action, call());
    const elapsed = performance.now() - mark;
    if (applied.outcome !== "applied" || !verified.verified) throw new Error(`direct apply + verify on ${target.kind} target ${action.target.identity} failed: apply: ${applied.detail}, verify: ${verified.detail}`);
    if (record) samples.applyAndVerify.push(elapsed);
  };
  await runPool(WARM_UP, concurrency, (index) => applyAndVerify(index, false));
  const started = performance.now();
  await runPool(count, concurrency, (index) => applyAndVerify(WARM_UP + index, true));
  samples.seconds = (performance.now() - started) / 1000;
  return samples;
}

function percentiles(samples: number[]): string {
  const { p50, p99 } = summarise(samples);
  return `p50 ${ms(p50).padStart(10)}   p99 ${ms(p99).padStart(10)}`;
}

function report(target: BenchDomain, executor: ExecutorSamples, ceiling: CeilingSamples): void {
  const executorRate = count / executor.seconds;
  const ceilingRate = count / ceiling.seconds;
  const executorLatency = summarise(executor.commitToVerified);
  const ceilingLatency = summarise(ceiling.applyAndVerify);
  console.log(`\n${target.kind} (${target.description}), disable_account`);
  console.log(`  executor   approval commit → execution.verified   ${percentiles(executor.commitToVerified)}   ${executorRate.toFixed(1).padStart(6)} actions/s`);
  console.log(`             commit → execution.started             ${percentiles(executor.commitToStarted)}   (queue wake-up, lease, plan again, redeem)`);
  console.log(`             execution.started → execution.verified ${percentiles(executor.startedToVerified)}   (apply, verify and their records)`);
  console.log(`  ceiling    apply + verify called directly         ${percentiles(ceiling.applyAndVerify)}   ${ceilingRate.toFixed(1).padStart(6)} actions/s`);
  console.log(`             plan called directly (for reference)   ${percentiles(ceiling.plan)}`);
  console.log(`  recordApproval returned to its caller ${percentiles(executor.approvalReturn)} after its commit; job retries: ${executor.retries}`);
  console.log(
    `  ratio: executor latency is ${(executorLatency.p50 / ceilingLatency.p50).toFixed(2)}× the ceiling at p50 and ${(executorLatency.p99 / ceilingLatency.p99).toFixed(2)}× at p99; throughput is ${(executorRate / ceilingRate).toFixed(2)} of the ceiling`,
  );
}

async function main(): Promise<void> {
  // Connectors log every call at info through the process logger, which would bury the results.
  if (!process.env.CORDON_LOG_LEVEL) rootLogger.level = "warn";
  const aborter = new AbortController();
  const deadline = setTimeout(() => aborter.abort(new Error(`the benchmark did not finish within ${RUN_DEADLINE_MS / 60_000} minutes`)), RUN_DEADLINE_MS);
  deadline.unref();

  const database = await startDatabaseWithCommitTimestamps();
  const secrets = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-bench-secrets-"));
  const prisma = createPrismaClient(database.url, { max: concurrency + 4 });
  const domains: BenchDomain[] = [];
  let executor: Awaited<ReturnType<typeof startExecutor>> | undefined;
  let watcher: ReturnType<typeof startCompletionWatcher> | undefined;
  try {
    const setupStarted = performance.now();
    for (const kind of benchKinds) {
      domains.push(kind === "scim" ? await startScimDomain(prisma, secrets) : await startPostgresDomain(prisma, database.url, secrets));
    }
    const policies = await loadPolicySet(path.resolve(import.meta.dirname, "../../policies"));
    const incident = await prisma.incident.create({ data: { externalId: "BENCH-EXECUTOR-1", title: "Leaked service account keys", severity: "high", summary: "" } });
    const client = await prisma.workloadClient.create({
      data: { name: "bench-soar", ownerEmail: "automation-owner@example.com", allowedKinds: ["disable_account"], allowedDomains: domains.map((target) => target.domain.name) },
    });
    const approvers = await Promise.all(
      Array.from({ length: concurrency }, (_, index) => prisma.user.create({ data: { email: `approver${index}@example.com`, displayName: `Approver ${index}`, roles: ["approver"] } })),
    );
    executor = await startExecutor({ databaseUrl: database.url, logger: benchLogger, concurrency, policies: async () => policies });
    watcher = startCompletionWatcher(prisma, aborter.signal);
    const fixture: Fixture = {
      prisma,
      policies,
      planner: createConnectorPlanner({ db: () => prisma, logger: benchLogger }),
      incidentId: incident.id,
      client: { type: "workload", client },
      approvers,
      watcher,
      signal: aborter.signal,
    };

    console.log(`machine: ${machineDescription()}`);
    console.log(
      `actions: ${count} per domain (+${WARM_UP} warm-up), executor concurrency ${concurrency}, one incident, set-up ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
    );
    console.log(
      `approvals: closed loop of ${concurrency}; each approves its next action once its last one settled (checked every ${COMPLETION_POLL_MS} ms), so executor throughput includes the approval and that check`,
    );
    for (const target of domains) {
      const actionIds = await proposeAll(fixture, target);
      const executorSamples = await runExecutorPath(fixture, actionIds);
      const ceilingSamples = await runCeiling(target, aborter.signal);
      report(target, executorSamples, ceilingSamples);
    }
  } finally {
    clearTimeout(deadline);
    aborter.abort(new Error("the benchmark finished"));
    await watcher?.done;
    await executor?.stop();
    await clearConnectorCache();
    for (const target of domains) await target.close();
    await prisma.$disconnect();
    await database.close();
    await fs.rm(secrets, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
