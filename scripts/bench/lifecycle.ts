// `npm run bench:lifecycle [-- --actions N --concurrency C]`: drives N actions through
// propose → approve (grant minted) → redeem against an embedded PostgreSQL and prints
// actions per second and p50/p99 per transition, beside a ceiling measured in the same run:
// the same number of rows written with plain parameterised INSERTs, one transaction per action.
// It also prints what each action cost: statements sent, Node.js CPU and PostgreSQL CPU, and,
// for comparison, the rate when each of those rows is its own transaction.
import { parseArgs } from "node:util";
import pg from "pg";
import { proposeAction } from "@/lib/actions/propose-action";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody, ZProposeActionBody } from "@/lib/actions/schemas";
import type { ServiceContext } from "@/lib/actions/context";
import { createPrismaClient } from "@/lib/db/client";
import { redeemGrant } from "@/lib/grants/redeem-grant";
import { loadPolicySet } from "@/lib/policy/engine";
import { systemClock } from "@/lib/time/clock";
import { benchLogger, machineDescription, ms, nodeCpuMs, postgresCpuMs, runPool, startBenchDatabase, summarise } from "./support";

const { values } = parseArgs({ options: { actions: { type: "string", default: "500" }, concurrency: { type: "string", default: "8" }, incidents: { type: "string", default: "10" } } });
const count = Number(values.actions);
const concurrency = Number(values.concurrency);
// Each incident has its own audit chain, so spreading actions over incidents shows the
// design's intended case: writes for different incidents do not wait on each other.
const incidentCount = Number(values.incidents);

// Counts every statement sent by any pg client in this process, Prisma's included.
let statements = 0;
const sendQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return (sendQuery as (...inner: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

interface PhaseCost {
  seconds: number;
  statements: number;
  nodeMs: number;
  postgresMs: number | null;
}

/** Runs `work` and reports its wall time, statements and CPU on both sides. */
async function measure(dataDir: string, work: () => Promise<void>): Promise<PhaseCost> {
  const before = { statements, node: nodeCpuMs(), postgres: postgresCpuMs(dataDir), time: performance.now() };
  await work();
  const postgres = postgresCpuMs(dataDir);
  return {
    seconds: (performance.now() - before.time) / 1000,
    statements: statements - before.statements,
    nodeMs: nodeCpuMs() - before.node,
    postgresMs: postgres === null || before.postgres === null ? null : postgres - before.postgres,
  };
}

const COUNTED_TABLES = ["actions", "audit_events", "audit_chain_heads", "policy_decisions", "approvals", "grants"];

async function rowCounts(client: pg.Client): Promise<number> {
  let total = 0;
  for (const table of COUNTED_TABLES) total += Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  return total;
}

async function main(): Promise<void> {
  const database = await startBenchDatabase();
  const prisma = createPrismaClient(database.server.url, { max: concurrency + 2 });
  const policies = await loadPolicySet(new URL("../../policies", import.meta.url).pathname);
  const probe = new pg.Client({ connectionString: database.server.url });
  await probe.connect();

  const domain = await prisma.domain.create({ data: { name: "bench-postgres", kind: "postgresql", settings: {}, credentialRef: "env:UNUSED" } });
  const incidents = await Promise.all(
    Array.from({ length: incidentCount }, (_, index) => prisma.incident.create({ data: { externalId: `BENCH-${index}`, title: "Benchmark", severity: "high", summary: "" } })),
  );
  const client = await prisma.workloadClient.create({ data: { name: "bench-soar", ownerEmail: "owner@example.com", allowedKinds: ["disable_account"], allowedDomains: [domain.name] } });
  const approvers = await Promise.all(Array.from({ length: concurrency }, (_, index) => prisma.user.create({ data: { email: `approver${index}@example.com`, displayName: `Approver ${index}`, roles: ["approver"] } })));

  const context = (actor: ServiceContext["actor"]): ServiceContext => ({ db: prisma, clock: systemClock, actor, requestId: "bench", logger: benchLogger, policies });
  const timings = { propose: [] as number[], approve: [] as number[], redeem: [] as number[] };
  const before = await rowCounts(probe);

  const lifecycle = await measure(database.dataDir, () => runPool(count, concurrency, async (index) => {
    let mark = performance.now();
    const { action } = await proposeAction(
      context({ type: "workload", client }),
      ZProposeActionBody.parse({ kind: "disable_account", target: { domain: domain.name, identity: `role-${index}` }, incidentId: incidents[index % incidents.length]!.id, justification: "benchmark" }),
    );
    timings.propose.push(performance.now() - mark);

    mark = performance.now();
    await recordApproval(context({ type: "person", user: approvers[index % approvers.length]!, via: "session" }), action.id, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M" }));
    timings.approve.push(performance.now() - mark);

    mark = performance.now();
    await redeemGrant(context({ type: "system", id: "bench" }), action.id, action.planHash, "bench-worker");
    timings.redeem.push(performance.now() - mark);
  }));
  const rowsPerAction = ((await rowCounts(probe)) - before) / count;

  // Ceiling: the same rows as plain INSERTs, one transaction per action, same concurrency.
  await probe.query("CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, action int NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
  const pool = new pg.Pool({ connectionString: database.server.url, max: concurrency });
  const perActionRows = Math.round(rowsPerAction);
  const insertRow = (connection: pg.PoolClient, index: number, row: number) =>
    connection.query("INSERT INTO bench_ceiling (action, payload) VALUES ($1, $2)", [index, { row, kind: "disable_account" }]);
  const ceiling = await measure(database.dataDir, () => runPool(count, concurrency, async (index) => {
    const connection = await pool.connect();
    try {
      await connection.query("BEGIN");
      for (let row = 0; row < perActionRows; row += 1) await insertRow(connection, index, row);
      await connection.query("COMMIT");
    } finally {
      connection.release();
    }
  }));
  // For comparison only: the same rows, each INSERT committed on its own.
  const perRow = await measure(database.dataDir, () => runPool(count, concurrency, async (index) => {
    const connection = await pool.connect();
    try {
      for (let row = 0; row < perActionRows; row += 1) await insertRow(connection, index, row);
    } finally {
      connection.release();
    }
  }));

  const lifecycleRate = count / lifecycle.seconds;
  const ceilingRate = count / ceiling.seconds;
  const perAction = (cost: PhaseCost) =>
    `${(cost.statements / count).toFixed(1).padStart(5)} statements, Node.js CPU ${ms(cost.nodeMs / count)}, PostgreSQL CPU ${cost.postgresMs === null ? "n/a" : ms(cost.postgresMs / count)}`;
  console.log(`machine: ${machineDescription()}`);
  console.log(`actions: ${count} over ${incidentCount} incidents, concurrency: ${concurrency}, rows written per action: ${rowsPerAction.toFixed(1)}`);
  for (const [name, samples] of Object.entries(timings)) {
    const { p50, p99 } = summarise(samples);
    console.log(`${name.padEnd(8)} p50 ${ms(p50)}  p99 ${ms(p99)}`);
  }
  console.log(`lifecycle: ${lifecycleRate.toFixed(1)} actions/s (propose → approve → grant → redeem)`);
  console.log(`ceiling:   ${ceilingRate.toFixed(1)} actions/s (${perActionRows} plain INSERTs per transaction)`);
  console.log(`ratio:     ${(lifecycleRate / ceilingRate).toFixed(2)} of the ceiling`);
  console.log(`per action, lifecycle: ${perAction(lifecycle)}`);
  console.log(`per action, ceiling:   ${perAction(ceiling)}`);
  console.log(`for comparison, one transaction per row: ${(count / perRow.seconds).toFixed(1)} actions/s (${perAction(perRow).trim()})`);

  await pool.end();
  await probe.end();
  await prisma.$disconnect();
  await database.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
