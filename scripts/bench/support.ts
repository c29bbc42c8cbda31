import { readFileSync, readdirSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { embeddedPaths, startEmbeddedPostgres, type EmbeddedServer } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { ensureQueueSchema } from "@/lib/executor/queue-schema";

export const benchLogger = pino({ level: "warn" });

/** Starts a throwaway embedded PostgreSQL with Cordon's schema for one benchmark run. */
export async function startBenchDatabase(): Promise<{ server: EmbeddedServer; dataDir: string; close(): Promise<void> }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-bench-"));
  const server = await startEmbeddedPostgres({ dataDir, logger: benchLogger });
  await migrate({ databaseUrl: server.url, migrationsDir: path.resolve(import.meta.dirname, "../../prisma/migrations"), logger: benchLogger });
  await ensureQueueSchema(server.url);
  return {
    server,
    dataDir,
    async close() {
      await server.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarise(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length) };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  });
  await Promise.all(workers);
}

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

const CLOCK_TICKS_PER_SECOND = 100;

function processCpuTicks(pid: number): { own: number; reaped: number } | null {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
    return { own: utime! + stime!, reaped: cutime! + cstime! };
  } catch {
    return null;
  }
}

/**
 * CPU time used so far by the embedded PostgreSQL in `dataDir`: the postmaster, its live
 * children (backends, WAL writer, checkpointer) and the children it has reaped. Linux only;
 * null where /proc is missing. Ticks are 10 ms, so a phase needs a few seconds to be read well.
 */
export function postgresCpuMs(dataDir: string): number | null {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(path.join(embeddedPaths(dataDir).pgData, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return null;
  }
  const root = processCpuTicks(postmaster);
  if (!root) return null;
  let ticks = root.own + root.reaped;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      if (parent === postmaster) ticks += processCpuTicks(Number(entry))?.own ?? 0;
    } catch {
      // The process ended while the list was read.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time of this Node.js process so far, user and system. */
export function nodeCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
