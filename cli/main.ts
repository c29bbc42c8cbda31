import { Command, CommanderError } from "commander";
import { registerAuditCommands } from "./commands/audit";
import { registerClientCommands } from "./commands/clients";
import { registerDbCommands } from "./commands/db";
import { registerDomainCommands } from "./commands/domains";
import { registerTokenCommands } from "./commands/tokens";
import { registerUserCommands } from "./commands/users";
import { registerWorkerCommands } from "./commands/worker";
import { CliError } from "./context";

export function buildProgram(): Command {
  const program = new Command("cordon")
    .description("Operator commands for Cordon. Uses DATABASE_URL, or the embedded database in CORDON_DATA_DIR.")
    .exitOverride()
    .showHelpAfterError();
  registerDbCommands(program);
  registerAuditCommands(program);
  registerClientCommands(program);
  registerUserCommands(program);
  registerTokenCommands(program);
  registerDomainCommands(program);
  registerWorkerCommands(program);
  return program;
}

const ONE_LINE_ERRORS = new Set(["CliError", "ConfigError", "DatabaseUnreachableError", "MigrationError", "PolicyLoadError", "ZodError"]);

/** Runs the CLI and returns the process exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof Error && (error instanceof CliError || ONE_LINE_ERRORS.has(error.name))) {
      process.stderr.write(`cordon: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
