import type { Command } from "commander";
import { createPersonalToken } from "@/lib/users/create-personal-token";
import { revokePersonalToken } from "@/lib/users/revoke-personal-token";
import { printJson, type OutputOptions } from "../output";
import { printLine, runAdminCommand } from "./admin-command";

interface CreateOptions extends OutputOptions {
  user: string;
  name?: string;
  expires?: string;
}

export function registerTokenCommands(program: Command): void {
  const tokens = program.command("tokens").description("personal access tokens, for chat-ops and scripts acting as a person");

  tokens
    .command("create")
    .description("issue a personal access token for a person and print it once")
    .requiredOption("--user <email>", "email of the person the token acts for")
    .option("--name <name>", "what the token is for, such as slack-bot (default: cli)")
    .option("--expires <lifetime>", "lifetime in days or hours, such as 30d or 12h, at most 365d (default: 30d)")
    .option("--json", "print the result as JSON")
    .action(async (options: CreateOptions) => {
      const labels = { "/email": "--user", "/name": "--name", "/lifetime": "--expires" };
      const input = {
        email: options.user,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.expires === undefined ? {} : { lifetime: options.expires }),
      };
      const { record, token } = await runAdminCommand(labels, (context) => createPersonalToken(context, input));

      if (options.json) return printJson({ id: record.id, token, expiresAt: record.expiresAt });
      printLine(`Created personal access token ${record.id} (${record.name}), expires ${record.expiresAt?.toISOString() ?? "never"}.`);
      printLine("Token, shown only now:");
      printLine(token);
    });

  tokens
    .command("revoke")
    .description("revoke a personal access token by its id, the 12 characters after cdp_")
    .argument("<id>", "token id")
    .option("--json", "print the result as JSON")
    .action(async (id: string, options: OutputOptions) => {
      const { record, changed } = await runAdminCommand({ "": "ID" }, (context) => revokePersonalToken(context, id));
      if (options.json) return printJson({ id: record.id, revokedAt: record.revokedAt, changed });
      printLine(changed ? `Revoked personal access token ${record.id} (${record.name}).` : `Personal access token ${record.id} was already revoked.`);
    });
}
