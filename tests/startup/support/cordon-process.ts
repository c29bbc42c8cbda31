import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { EMBEDDED_DATABASE, EMBEDDED_SUPERUSER, embeddedPaths } from "@/lib/db/embedded";

const ROOT = path.resolve(import.meta.dirname, "../../..");
/** pino's numeric level of `error`; `fatal` is 60. */
const PINO_ERROR_LEVEL = 50;

/** One pino line of the server's output, parsed. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node scripts/start.mjs` running as the leader of a process group of its own, as a terminal runs a job. */
export interface CordonProcess {
  /** Process id of Node, which is also the id of its process group. */
  pid: number;
  baseUrl: string;
  dataDir: string;
  /** Every line the server wrote to stdout and stderr so far. */
  output(): string;
  /** Every line of the output that is a pino log line. */
  logLines(): LogLine[];
  /** Resolves with the first log line whose message matches; rejects when the process exits first or after `timeoutMs`. */
  waitForLog(message: RegExp, timeoutMs?: number): Promise<LogLine>;
  /** Settles when Node has exited. */
  exited: Promise<ProcessExit>;
  /** Sends SIGKILL to the whole process group if Node still runs; for clean-up after a failed test. */
  kill(): void;
}

export interface StartOptions {
  dataDir: string;
  port: number;
  /** Extra environment; the server otherwise runs with the defaults of `npm start`. */
  env?: Record<string, string>;
}

function serverEnvironment(options: StartOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The server must start its own embedded PostgreSQL and must not inherit the test run's settings.
  for (const name of Object.keys(env)) {
    if (name === "DATABASE_URL" || name === "NODE_OPTIONS" || name.startsWith("VITEST") || name.startsWith("CORDON_") || name.startsWith("NEXTAUTH_")) delete env[name];
  }
  return {
    ...env,
    NODE_ENV: "production",
    PORT: String(options.port),
    HOST: "127.0.0.1",
    CORDON_DATA_DIR: options.dataDir,
    CORDON_PUBLIC_URL: `http://127.0.0.1:${options.port}`,
    CORDON_LOG_LEVEL: "info",
    ...options.env,
  };
}

function parseLogLine(line: string): LogLine | null {
  if (!line.startsWith("{")) return null;
  try {
    const parsed = JSON.parse(line) as Partial<LogLine>;
    return typeof parsed.level === "number" && typeof parsed.msg === "string" ? (parsed as LogLine) : null;
  } catch {
    return null;
  }
}

/** Returns the log lines at level error or above. */
export function errorLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.level >= PINO_ERROR_LEVEL);
}

/**
 * Starts Cordon as `npm start` does, in a new session and process group (setsid), so that a
 * test can signal the group as a terminal's Ctrl-C does without signalling the test runner.
 */
export function startCordonProcess(options: StartOptions): CordonProcess {
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    env: serverEnvironment(options),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  if (child.pid === undefined) throw new Error("node scripts/start.mjs did not start");
  const pid = child.pid;

  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
    for (const wake of waiters) wake();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);

  let exit: ProcessExit | null = null;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("close", (code, signal) => {
      exit = { code, signal };
      for (const wake of waiters) wake();
      resolve(exit);
    });
  });

  const logLines = () => lines.map(parseLogLine).filter((line): line is LogLine => line !== null);

  function waitForLog(message: RegExp, timeoutMs = 120_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = logLines().find((line) => message.test(line.msg));
        if (found) return finish(() => resolve(found));
        if (exit) return finish(() => reject(new Error(`Cordon exited (${JSON.stringify(exit)}) before logging ${message}:\n${lines.slice(-40).join("\n")}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`Cordon did not log ${message} within ${timeoutMs} ms:\n${lines.slice(-40).join("\n")}`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  }

  return {
    pid,
    baseUrl: `http://127.0.0.1:${options.port}`,
    dataDir: options.dataDir,
    output: () => lines.join("\n"),
    logLines,
    waitForLog,
    exited,
    kill() {
      if (exit) return;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    },
  };
}

/** URL of the `cordon` database on the embedded PostgreSQL of a data dir, built from the files the server keeps there. */
export async function embeddedDatabaseUrl(dataDir: string): Promise<string> {
  const paths = embeddedPaths(dataDir);
  const password = (await fs.readFile(paths.passwordFile, "utf8")).trim();
  const { port } = JSON.parse(await fs.readFile(paths.stateFile, "utf8")) as { port: number };
  return `postgresql://${EMBEDDED_SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
}

/** Runs one query on the embedded PostgreSQL of a data dir. */
export async function queryEmbedded<Row extends pg.QueryResultRow>(dataDir: string, text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: await embeddedDatabaseUrl(dataDir) });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Reads the postmaster's process id from postmaster.pid, or null when the file does not exist. */
export async function postmasterPid(dataDir: string): Promise<number | null> {
  try {
    const text = await fs.readFile(path.join(embeddedPaths(dataDir).pgData, "postmaster.pid"), "utf8");
    return Number(text.split("\n")[0]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Reports whether a process runs. On Linux a zombie, which has exited but was not reaped yet,
 * does not count; without /proc any process that accepts signal 0 counts.
 */
export function isRunning(pid: number): boolean {
  if (!existsSync("/proc/self/stat")) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // The state letter follows the command name, which is in parentheses and may contain spaces.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z";
}

/** Polls until `pid` no longer runs; returns false when it still runs after `timeoutMs`. */
export async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}
