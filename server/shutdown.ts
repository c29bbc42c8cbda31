import type http from "node:http";
import { disconnectPrisma } from "@/lib/db/client";
import type { Logger } from "@/lib/log/logger";
import { stopBackgroundServices } from "@/lib/runtime/background";
import type { Database } from "./database";
import type { DemoHandle } from "./demo";

/** How long in-flight requests may run after a stop signal before their connections are closed. */
const REQUEST_DRAIN_MS = 10_000;

/**
 * How long the whole shutdown may take before the process exits with status 1. It is above the
 * sum of the bounded steps: the first request (30 s), the request drain, graphile-worker's 5 s
 * job abort and PostgreSQL's 15 s fast shutdown.
 */
const SHUTDOWN_LIMIT_MS = 90_000;

/** Signals that stop the server cleanly. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * The Next.js handlers still running. A handler can outlive its connection, because a client
 * that gives up closes the socket while the handler still uses the database and the demo
 * domains, so closing the server does not wait for it.
 */
export class InFlightRequests {
  private readonly pending = new Set<Promise<unknown>>();

  track(handling: Promise<unknown>): void {
    this.pending.add(handling);
    const done = () => this.pending.delete(handling);
    handling.then(done, done);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves once no handler runs, including handlers that start while it waits. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

export interface ShutdownParts {
  server: http.Server;
  requests: InFlightRequests;
  /** Settles once Next.js has run instrumentation.ts, which registers the executor's stop. */
  prepared: Promise<void>;
  demo: DemoHandle | null;
  database: Database;
  logger: Logger;
}

/**
 * Stops accepting connections, then waits up to REQUEST_DRAIN_MS for the handlers of requests
 * already received. After that it closes the remaining connections and logs how many handlers
 * still run.
 */
async function closeWebServer(server: http.Server, requests: InFlightRequests, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), REQUEST_DRAIN_MS);
  });

  const outcome = await Promise.race([Promise.all([closed, requests.settled()]), deadline]);
  clearTimeout(timer);
  if (outcome !== "timeout") return;
  server.closeAllConnections();
  logger.warn({ running: requests.size, waitedMs: REQUEST_DRAIN_MS }, "requests still running at shutdown; their connections were closed");
}

/**
 * Stops every part of the process in dependency order, once start-up has finished, so that
 * each part stops while the parts it uses still run. The order is the demo automation (it calls
 * the web server), the web server, the executor and other background services (they call the
 * demo domains), the demo servers, the process-wide database pool, and the embedded PostgreSQL.
 * Returns false when a step failed. The failure is logged and the next steps still run.
 */
export async function stopInOrder(parts: ShutdownParts, progress: { step: string } = { step: "" }): Promise<boolean> {
  const { server, requests, prepared, demo, database, logger } = parts;
  const steps: [string, () => Promise<void>][] = [
    // An executor that started after the background services were stopped would lose its database mid-job.
    ["start-up", () => prepared],
    ["demo automation", async () => demo?.stopAutomation()],
    ["web server", () => closeWebServer(server, requests, logger)],
    ["background services", stopBackgroundServices],
    ["demo servers", async () => demo?.stop()],
    ["database pool", disconnectPrisma],
    ["embedded PostgreSQL", async () => database.embedded?.stop()],
  ];

  let clean = true;
  for (const [name, step] of steps) {
    progress.step = name;
    logger.debug({ step: name }, "shutdown step started");
    try {
      await step();
    } catch (error) {
      clean = false;
      logger.error({ err: error, step: name }, `stopping the ${name} failed; continuing the shutdown`);
    }
  }
  return clean;
}

/**
 * Stops the process cleanly on SIGINT (Ctrl-C) or SIGTERM and exits 0, or 1 when a step of
 * the shutdown failed or the shutdown passed SHUTDOWN_LIMIT_MS. Further signals during the
 * shutdown are ignored, because under `npm start` one Ctrl-C arrives twice, once from the
 * terminal and once forwarded by npm.
 */
export function installShutdownHandlers(parts: ShutdownParts): void {
  const { logger } = parts;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.debug({ signal }, "stop signal ignored; Cordon is already stopping");
      return;
    }
    stopping = true;
    logger.info({ signal }, "stopping Cordon");
    const progress = { step: "" };
    setTimeout(() => {
      logger.error({ step: progress.step, limitMs: SHUTDOWN_LIMIT_MS }, "shutdown did not finish in time; exiting without the remaining steps");
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    void stopInOrder(parts, progress).then((clean) => {
      logger.info("Cordon stopped");
      process.exit(clean ? 0 : 1);
    });
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}
