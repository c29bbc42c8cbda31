import { randomUUID } from "node:crypto";
import http from "node:http";
import path from "node:path";
import next from "next";
import { ConfigError, parseConfig } from "@/lib/config";
import { readOrCreateSecretFile } from "@/lib/config/secrets";
import { loopbackSignInRedirect } from "@/lib/http/loopback-sign-in";
import { logger as rootLogger } from "@/lib/log/logger";
import { buildIfNeeded } from "./build";
import { openDatabase } from "./database";
import { localApiUrl, startDemoIfEnabled } from "./demo";
import { InFlightRequests, installShutdownHandlers } from "./shutdown";
import { currentPolicySet, activePolicyDir } from "@/lib/policy/current";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,128}$/;
/** Upper bound on the first request, which waits for instrumentation.ts and the executor to start. */
const PREPARE_TIMEOUT_MS = 30_000;

function fail(message: string): never {
  process.stderr.write(`cordon: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  rootLogger.level = config.logLevel;
  const logger = rootLogger;

  const dir = path.resolve(import.meta.dirname, "..");
  process.env.CORDON_DATA_DIR = config.dataDir;
  const policies = await currentPolicySet();
  logger.info({ component: "policy", dir: activePolicyDir(), policies: policies.policies.length }, "policies loaded");
  const database = await openDatabase(config, logger);
  await buildIfNeeded(dir, logger);
  process.env.NEXTAUTH_URL ??= config.publicUrl;
  process.env.NEXTAUTH_SECRET ??= await readOrCreateSecretFile(config.dataDir, "session-secret");
  const demo = await startDemoIfEnabled(config, database, logger);
  // Without an operator's issuer the demo's identity provider signs people in. The console parses
  // the CORDON_OIDC_* variables on first use, which comes after prepare().
  Object.assign(process.env, demo?.oidcEnvironment);

  const app = next({ dev: false, dir, hostname: config.host, port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const web = logger.child({ component: "web" });
  const requests = new InFlightRequests();

  const server = http.createServer((request, response) => {
    const started = process.hrtime.bigint();
    const offered = request.headers["x-request-id"];
    const requestId = typeof offered === "string" && REQUEST_ID_PATTERN.test(offered) ? offered : randomUUID();
    request.headers["x-request-id"] = requestId;
    response.setHeader("x-request-id", requestId);
    const signInRedirect = loopbackSignInRedirect(request.url ?? "/", request.headers.host, process.env.NEXTAUTH_URL);

    response.on("finish", () => {
      const url = request.url ?? "/";
      const pathname = url.split("?")[0] ?? "/";
      const line = {
        requestId,
        method: request.method,
        path: pathname,
        status: response.statusCode,
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      };
      if (pathname.startsWith("/_next/static/")) web.debug(line, "request");
      else if (response.statusCode >= 500) web.error(line, "request");
      else if (response.statusCode >= 400) web.warn(line, "request");
      else web.info(line, "request");
    });
    if (signInRedirect) {
      response.writeHead(307, { location: signInRedirect }).end();
      return;
    }
    requests.track(handle(request, response).catch((error: unknown) => web.error({ err: error, requestId }, "request handler failed")));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  // Until here a stop signal ends the process at once, and an embedded PostgreSQL it started stops with it.
  const prepared = prepareNext(localApiUrl(config));
  installShutdownHandlers({ server, requests, demo, database, prepared, logger: logger.child({ component: "server" }) });
  web.info({ host: config.host, port: config.port, url: config.publicUrl }, "web server started");
  void demo?.afterListen();
}

/**
 * Sends one request to the server's own health route. Next.js runs instrumentation.ts, which
 * starts the executor, before it serves its first request, so the returned promise settles once
 * the executor is registered for shutdown. It never rejects.
 */
async function prepareNext(baseUrl: string): Promise<void> {
  try {
    const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(PREPARE_TIMEOUT_MS) });
    await response.arrayBuffer();
  } catch {
    // Only the end of this request matters here, not the health route's status.
  }
}

main().catch((error: unknown) => {
  if (error instanceof Error && ["ConfigError", "DatabaseUnreachableError", "MigrationError", "PolicyLoadError"].includes(error.name)) {
    fail(error.message);
  }
  rootLogger.fatal({ err: error }, "start-up failed");
  process.exit(1);
});
