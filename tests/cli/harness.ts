import { Readable } from "node:stream";
import { Command, CommanderError } from "commander";
import { vi } from "vitest";
import { registerClientCommands } from "@/cli/commands/clients";
import { registerDomainCommands } from "@/cli/commands/domains";
import { registerTokenCommands } from "@/cli/commands/tokens";
import { registerUserCommands } from "@/cli/commands/users";
import { CliError } from "@/cli/context";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** An error that escaped as something other than CliError or CommanderError: the CLI would print a stack trace. */
  crash: unknown;
}

/**
 * Runs the operator commands in this process against `databaseUrl`, the way cli/main.ts runs
 * them: a CliError becomes one `cordon: …` line on stderr and exit code 1.
 */
export async function runCli(databaseUrl: string, args: readonly string[], options: { stdin?: string } = {}): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const program = new Command("cordon").exitOverride().configureOutput({ writeOut: (text) => stdout.push(text), writeErr: (text) => stderr.push(text) });
  registerClientCommands(program);
  registerUserCommands(program, { stdin: Readable.from([Buffer.from(options.stdin ?? "", "utf8")]) });
  registerTokenCommands(program);
  registerDomainCommands(program);

  process.env.DATABASE_URL = databaseUrl;
  process.exitCode = undefined;
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });

  let code = 0;
  let crash: unknown;
  try {
    await program.parseAsync([...args], { from: "user" });
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      code = error.exitCode;
    } else if (error instanceof CliError) {
      stderr.push(`cordon: ${error.message}\n`);
      code = 1;
    } else {
      crash = error;
      code = 70;
    }
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
  return { code, stdout: stdout.join(""), stderr: stderr.join(""), crash };
}

/** Parses the JSON a `--json` command printed. */
export function jsonOutput<T = Record<string, unknown>>(run: CliRun): T {
  return JSON.parse(run.stdout) as T;
}
