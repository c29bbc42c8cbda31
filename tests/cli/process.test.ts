import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { unique } from "@/tests/support/factories";

const ROOT = path.resolve(import.meta.dirname, "../..");

// Runs the commands in a separate Node process, as bin/cordon.mjs does: tsx loads the sources,
// a CliError becomes one `cordon: …` line and exit code 1, and anything else is a crash.
const ENTRY = `
import { register } from "tsx/esm/api";
register();
const { Command } = await import("commander");
const { CliError } = await import("./cli/context.ts");
const program = new Command("cordon").exitOverride();
(await import("./cli/commands/clients.ts")).registerClientCommands(program);
(await import("./cli/commands/users.ts")).registerUserCommands(program);
(await import("./cli/commands/tokens.ts")).registerTokenCommands(program);
(await import("./cli/commands/domains.ts")).registerDomainCommands(program);
try {
  await program.parseAsync(process.argv.slice(1), { from: "user" });
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write("cordon: " + error.message + "\\n");
  process.exitCode = 1;
}
`;

interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(databaseUrl: string, args: string[], stdin = ""): Promise<ProcessRun> {
  // The child logs at warn, the CLI's default, whatever level the test run uses.
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
  Reflect.deleteProperty(env, "CORDON_LOG_LEVEL");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", ENTRY, "--", ...args], {
      cwd: ROOT,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    // A command that leaves a connection open would keep the process alive past this limit.
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

describe("operator commands in their own process", () => {
  test("users create reads the password from a stdin pipe and exits", async () => {
    const email = `${unique("proc")}@example.com`;

    const run = await runProcess(db.url, ["users", "create", `--email=${email}`, "--role=admin", "--password-stdin", "--json"], "a-password-from-a-pipe\n");

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ id: expect.any(String), email, roles: ["admin"] });
    expect(await db.prisma.user.count({ where: { email } })).toBe(1);
  });

  test("clients create fails with one line and exit code 1", async () => {
    const run = await runProcess(db.url, ["clients", "create", "--name=Bad Name", "--owner=owner@example.com"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`cordon: --name must be lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got "Bad Name"\n`);
  });
});
