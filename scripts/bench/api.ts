// `npm run bench:api [-- --proposals N --concurrency C]` measures the automation API under load.
// It starts the production server (`node scripts/start.mjs`, which runs `next build` first when
// the build is stale) on 127.0.0.1 with its own embedded PostgreSQL and a demo SCIM domain. It
// sends N proposals to POST /api/v1/actions from C concurrent clients and prints proposals per
// second with p50/p99 latency. Beside it, measured in the same run, it prints the ceiling:
// proposeAction called in process against the same database, planner and concurrency.
import { parseArgs } from "node:util";
import { generateApiKey, hashApiKeySecret } from "@/lib/auth/api-key";
import type { ServiceContext } from "@/lib/actions/context";
import { proposeAction } from "@/lib/actions/propose-action";
import { ZProposeActionBody } from "@/lib/actions/schemas";
import { createConnectorPlanner } from "@/lib/connectors/connector-planner";
import { createPrismaClient } from "@/lib/db/client";
import { loadPolicySet } from "@/lib/policy/engine";
import { systemClock } from "@/lib/time/clock";
import { startCordonServer } from "@/tests/api/support/cordon-server";
import { startScimDomain } from "@/tests/api/support/scim-domain";
import { benchLogger, machineDescription, ms, runPool, summarise } from "./support";

const { values } = parseArgs({ options: { proposals: { type: "string", default: "500" }, concurrency: { type: "string", default: "8" } } });
const count = Number(values.proposals);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new Error(`--proposals must be an integer from 1 to 100000, got ${values.proposals}`);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new Error(`--concurrency must be an integer from 1 to 256, got ${values.concurrency}`);

/** Requests before each measured phase, so route compilation and connection set-up are not timed. */
const WARM_UP = Math.min(20, count);

interface Phase {
  seconds: number;
  latencies: number[];
}

async function measure(total: number, first: number, propose: (target: number) => Promise<void>): Promise<Phase> {
  const latencies: number[] = [];
  const started = performance.now();
  await runPool(total, concurrency, async (index) => {
    const mark = performance.now();
    await propose(first + index);
    latencies.push(performance.now() - mark);
  });
  return { seconds: (performance.now() - started) / 1000, latencies };
}

function report(name: string, phase: Phase): number {
  const rate = count / phase.seconds;
  const { p50, p99 } = summarise(phase.latencies);
  console.log(`${name.padEnd(11)} ${rate.toFixed(1).padStart(7)} proposals/s   p50 ${ms(p50)}   p99 ${ms(p99)}`);
  return rate;
}

async function main(): Promise<void> {
  console.log("starting the production server (next build runs first when the build is stale)");
  const server = await startCordonServer();
  const prisma = createPrismaClient(server.databaseUrl, { max: concurrency + 2 });
  // Each proposal targets its own seeded user: one open action per target is allowed.
  const scim = await startScimDomain(prisma, 2 * (count + WARM_UP));

  try {
    const incident = await prisma.incident.create({ data: { externalId: "BENCH-API-1", title: "Benchmark", severity: "high", summary: "" } });
    const client = await prisma.workloadClient.create({
      data: { name: "bench-api", ownerEmail: "owner@example.com", allowedKinds: ["disable_account"], allowedDomains: [scim.domain.name], rateLimitPerMinute: 1_000_000 },
    });
    const key = generateApiKey();
    await prisma.apiKey.create({ data: { id: key.id, clientId: client.id, secretHash: hashApiKeySecret(key.secret) } });
    const body = (target: number) => ({ kind: "disable_account", target: { domain: scim.domain.name, identity: scim.identity(target) }, incidentId: incident.id, justification: "benchmark" });

    const overHttp = async (target: number) => {
      const response = await fetch(`${server.baseUrl}/api/v1/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key.token}`, "content-type": "application/json" },
        body: JSON.stringify(body(target)),
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`POST /api/v1/actions returned ${response.status}: ${text.slice(0, 300)}`);
    };

    const context: ServiceContext = {
      db: prisma,
      clock: systemClock,
      actor: { type: "workload", client },
      requestId: "bench-api",
      logger: benchLogger,
      policies: await loadPolicySet(new URL("../../policies", import.meta.url).pathname),
      planner: createConnectorPlanner({ db: () => prisma, logger: benchLogger }),
    };
    const inProcess = async (target: number) => {
      await proposeAction(context, ZProposeActionBody.parse(body(target)));
    };

    await measure(WARM_UP, 0, overHttp);
    const http = await measure(count, WARM_UP, overHttp);
    const offset = count + WARM_UP;
    await measure(WARM_UP, offset, inProcess);
    const direct = await measure(count, offset + WARM_UP, inProcess);

    console.log(`machine: ${machineDescription()}`);
    console.log(`proposals: ${count} per phase after ${WARM_UP} warm-up, concurrency: ${concurrency}, target domain: demo SCIM server on 127.0.0.1`);
    const httpRate = report("HTTP API", http);
    const directRate = report("in process", direct);
    console.log(`ratio:      ${(httpRate / directRate).toFixed(2)} of the in-process ceiling`);
  } finally {
    await scim.close();
    await prisma.$disconnect();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
