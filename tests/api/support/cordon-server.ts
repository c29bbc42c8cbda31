import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { embeddedPaths, EMBEDDED_DATABASE, EMBEDDED_SUPERUSER } from "@/lib/db/embedded";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const OUTPUT_LINES_KEPT = 200;

/** A production Cordon server started by `node scripts/start.mjs` on 127.0.0.1 with its own data dir. */
export interface CordonServer {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  dataDir: string;
  /** The server's embedded PostgreSQL, for seeding and checking rows. */
  databaseUrl: string;
  /** The last lines the server wrote to stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Covers `next build` when the build is stale, which takes minutes on a small machine. */
  timeoutMs?: number;
  /** Extra environment, such as a log level. */
  env?: Record<string, string>;
}

/** Returns a port that was free a moment ago, chosen by the kernel on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function serverEnvironment(port: number, dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The server must start its own embedded PostgreSQL, and must not run as a test process.
  for (const name of Object.keys(env)) {
    if (name === "DATABASE_URL" || name === "NODE_OPTIONS" || name.startsWith("VITEST") || name.startsWith("CORDON_")) delete env[name];
  }
  return {
    ...env,
    NODE_ENV: "production",
    PORT: String(port),
    HOST: "127.0.0.1",
    CORDON_DATA_DIR: dataDir,
    CORDON_PUBLIC_URL: `http://127.0.0.1:${port}`,
    CORDON_DEMO: "off",
    CORDON_WORKER: "off",
    CORDON_LOG_LEVEL: "warn",
    ...extra,
  };
}

async function waitForHealth(baseUrl: string, child: ChildProcess, deadline: number, output: () => string): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Cordon server exited with ${child.exitCode} during start-up:\n${output()}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet: the build or the database start is still running.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the Cordon server did not become healthy at ${baseUrl} in time:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts Cordon as an operator would (`node scripts/start.mjs`) with the demo and the executor
 * off, and waits until `/api/health` returns 200.
 */
export async function startCordonServer(options: StartOptions = {}): Promise<CordonServer> {
  const port = await freePort();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-api-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_LINES_KEPT));
  };
  const output = () => lines.join("\n");

  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    env: serverEnvironment(port, dataDir, options.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const stop = async () => {
    await stopChild(child);
    await fs.rm(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(baseUrl, child, Date.now() + (options.timeoutMs ?? 900_000), output);
    const paths = embeddedPaths(dataDir);
    const password = (await fs.readFile(paths.passwordFile, "utf8")).trim();
    const { port: databasePort } = JSON.parse(await fs.readFile(paths.stateFile, "utf8")) as { port: number };
    const databaseUrl = `postgresql://${EMBEDDED_SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${databasePort}/${EMBEDDED_DATABASE}`;
    return { baseUrl, dataDir, databaseUrl, output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
