import type { Command } from "commander";
import { MAX_PASSWORD_LENGTH } from "@/lib/auth/password";
import { PERSON_ROLES } from "@/lib/policy/types";
import { createUser } from "@/lib/users/create-user";
import { disableUser } from "@/lib/users/disable-user";
import { listUsers } from "@/lib/users/list-users";
import { CliError } from "../context";
import { printJson, type OutputOptions } from "../output";
import { formatDate, printLine, printTable, runAdminCommand } from "./admin-command";

interface CreateOptions extends OutputOptions {
  email: string;
  role: string[];
  name?: string;
  passwordStdin?: boolean;
}

export interface UserCommandsIo {
  /** Stream that `--password-stdin` reads; process.stdin by default. */
  stdin?: NodeJS.ReadableStream;
}

const CREATE_LABELS = { "/email": "--email", "/roles": "--role", "/displayName": "--name", "/password": "the password from stdin" };

// A password longer than this cannot be valid, so reading stops there instead of buffering a large input.
const MAX_STDIN_BYTES = MAX_PASSWORD_LENGTH * 4 + 2;

export function registerUserCommands(program: Command, io: UserCommandsIo = {}): void {
  const users = program.command("users").description("people who sign in to the console");

  users
    .command("create")
    .description("create a person with a local password; without --password-stdin a strong password is generated and printed once")
    .requiredOption("--email <email>", "the person's email, which is also their sign-in name")
    .requiredOption("--role <role>", `a role: ${PERSON_ROLES.join(", ")}; repeat the option for several roles`, (value: string, previous: string[]) => [...previous, value], [])
    .option("--name <name>", "display name (default: the part of the email before @)")
    .option("--password-stdin", "read the password from stdin (at least 12 characters; one trailing line break is removed)")
    .option("--json", "print the result as JSON")
    .action(async (options: CreateOptions) => {
      const password = options.passwordStdin ? await readPassword(io.stdin ?? process.stdin) : undefined;
      const input = {
        email: options.email,
        roles: options.role,
        ...(options.name === undefined ? {} : { displayName: options.name }),
        ...(password === undefined ? {} : { password }),
      };
      const { user, generatedPassword } = await runAdminCommand(CREATE_LABELS, (context) => createUser(context, input));

      if (options.json) {
        return printJson({ id: user.id, email: user.email, roles: user.roles, ...(generatedPassword === null ? {} : { password: generatedPassword }) });
      }
      printLine(`Created ${user.email} (${user.id}) with role${user.roles.length === 1 ? "" : "s"} ${user.roles.join(", ")}.`);
      if (generatedPassword !== null) {
        printLine("Generated password, shown only now; hand it over through a secure channel:");
        printLine(generatedPassword);
      }
    });

  users
    .command("list")
    .description("list people with their roles and status")
    .option("--json", "print the people as JSON")
    .action(async (options: OutputOptions) => {
      const summaries = await runAdminCommand({}, (context) => listUsers(context));
      if (options.json) return printJson(summaries);
      if (summaries.length === 0) return printLine("No people.");
      printTable(
        ["EMAIL", "ID", "NAME", "ROLES", "ENABLED", "SIGN-IN", "TOKENS", "LAST SIGN-IN"],
        summaries.map((user) => [
          user.email,
          user.id,
          user.displayName,
          user.roles.join(",") || "-",
          user.disabled ? "no" : user.lockedUntil && user.lockedUntil > new Date() ? "locked" : "yes",
          [user.hasPassword ? "password" : "", user.oidcLinked ? "oidc" : ""].filter(Boolean).join(",") || "-",
          String(user.activeTokenCount),
          formatDate(user.lastSignInAt),
        ]),
      );
    });

  users
    .command("disable")
    .description("disable a person; their sessions and personal access tokens stop working on the next request")
    .argument("<email>", "the person's email")
    .option("--json", "print the result as JSON")
    .action(async (email: string, options: OutputOptions) => {
      const { user, changed } = await runAdminCommand({ "": "EMAIL" }, (context) => disableUser(context, email));
      if (options.json) return printJson({ id: user.id, email: user.email, disabled: user.disabled, changed });
      printLine(changed ? `Disabled ${user.email} (${user.id}).` : `${user.email} (${user.id}) was already disabled.`);
    });
}

/** Reads the password from a stream up to its end and removes one trailing line break. */
async function readPassword(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new CliError(`the password from stdin must be at most ${MAX_PASSWORD_LENGTH} characters`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}
