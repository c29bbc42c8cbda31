import type { Config } from "@/lib/config";
import { createPrismaClient } from "@/lib/db/client";
import { demoOidcEnvironment } from "@/lib/demo/setup/demo-console-sign-in";
import { isDemoEnabled } from "@/lib/demo/setup/demo-mode";
import { markDemoRunning } from "@/lib/demo/setup/demo-status";
import type { Logger } from "@/lib/log/logger";
import type { Database } from "./database";

export interface DemoHandle {
  /**
   * CORDON_OIDC_* variables that point the console's sign-in at demo-oauth, or an empty object
   * when the operator configured an issuer. Set them before Next.js prepares. They contain the
   * client secret, so they are never logged.
   */
  oidcEnvironment: Record<string, string>;
  /**
   * Lets the demo automation report INC-2041 and propose its actions through Cordon's API,
   * unless the incident still has open proposals, then logs where the demo runs. It never
   * rejects, because a failure is logged and the server keeps running.
   */
  afterListen(): Promise<void>;
  /**
   * Stops the demo automation before its next call and waits for it. Call it before the web
   * server stops accepting requests, because the automation calls Cordon's API there.
   */
  stopAutomation(): Promise<void>;
  /**
   * Stops the demo servers and closes the demo's database client. Call it after the executor
   * has stopped, because a running job may still call a demo domain.
   */
  stop(): Promise<void>;
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "localhost", "127.0.0.1", "::1"]);

/** Base URL on which this process reaches its own web server, preferring the IPv4 loopback address. */
export function localApiUrl(config: Pick<Config, "host" | "port">): string {
  if (WILDCARD_HOSTS.has(config.host)) return `http://127.0.0.1:${config.port}`;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

/**
 * Starts the demo when isDemoEnabled decides this start runs it (CORDON_DEMO, and for `auto`
 * the embedded database with no other domains). Call it after openDatabase and before the web
 * server listens. Returns null when the demo is off or could not start. A failed start is
 * logged and does not stop Cordon.
 */
export async function startDemoIfEnabled(config: Config, database: Database, logger: Logger): Promise<DemoHandle | null> {
  const log = logger.child({ component: "demo" });
  // A client of the demo's own, not getPrisma(), because this module runs outside the Next.js
  // bundle. The bundle's copy of lib/db/sql.ts finds the pools only of clients that the bundle
  // created, so a process-wide client created here would break the route handlers' plain SQL.
  const db = createPrismaClient(database.url, { max: 2 });
  if (!(await isDemoEnabled(config, db))) {
    log.debug({ mode: config.demo }, "demo not started");
    await db.$disconnect();
    return null;
  }

  let runtime;
  try {
    // Loaded only when the demo runs: oidc-provider 9 warns on stderr at import time under Node 20.
    const { startDemo } = await import("@/lib/demo/setup/start-demo");
    runtime = await startDemo({ config, adminUrl: database.url, db, logger });
  } catch (error) {
    log.error({ err: error }, "demo could not start; Cordon runs without it");
    await db.$disconnect();
    return null;
  }
  markDemoRunning(true);
  let stopping = false;

  const consoleSignIn = runtime.consoleSignIn;
  if (consoleSignIn) log.info({ issuer: consoleSignIn.issuer, clientId: consoleSignIn.clientId }, "console sign-in through demo-oauth enabled");

  return {
    oidcEnvironment: consoleSignIn ? (demoOidcEnvironment(consoleSignIn) as Record<string, string>) : {},
    async afterListen() {
      try {
        await runtime.proposeIfIdle(localApiUrl(config));
      } catch (error) {
        // Stopping the automation during shutdown is the requested outcome, not a failure.
        if (stopping) {
          log.info("demo automation stopped because Cordon is stopping");
          return;
        }
        log.error({ err: error }, "demo automation failed; the demo runs without new proposals");
      }
      log.info({ url: config.publicUrl }, `demo running at ${config.publicUrl}; the sign-in page lists the demo accounts`);
    },
    async stopAutomation() {
      stopping = true;
      await runtime.stopAutomation();
    },
    async stop() {
      stopping = true;
      markDemoRunning(false);
      try {
        await runtime.stop();
      } finally {
        await db.$disconnect();
      }
    },
  };
}
