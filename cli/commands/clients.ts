import type { Command } from "commander";
import { ACTION_KINDS } from "@/lib/actions/catalogue";
import { createClient } from "@/lib/clients/create-client";
import { disableClient } from "@/lib/clients/disable-client";
import { listClients } from "@/lib/clients/list-clients";
import { rotateClientKey } from "@/lib/clients/rotate-client-key";
import type { CreateClientInput } from "@/lib/clients/schemas";
import { CliError } from "../context";
import { printJson, type OutputOptions } from "../output";
import { formatDate, parseWholeNumber, printLine, printTable, runAdminCommand, splitList, warn } from "./admin-command";

interface CreateOptions extends OutputOptions {
  name: string;
  owner: string;
  kinds?: string;
  domains?: string;
  rateLimit?: string;
  issuer?: string;
  subject?: string;
  jwksUrl?: string;
}

interface RotateOptions extends OutputOptions {
  expires?: string;
}

const CREATE_LABELS = {
  "/name": "--name",
  "/ownerEmail": "--owner",
  "/allowedKinds": "--kinds",
  "/allowedDomains": "--domains",
  "/rateLimitPerMinute": "--rate-limit",
  "/jwt": "--issuer",
  "/jwt/issuer": "--issuer",
  "/jwt/subject": "--subject",
  "/jwt/jwksUrl": "--jwks-url",
};

export function registerClientCommands(program: Command): void {
  const clients = program.command("clients").description("workload clients: the automation that proposes actions");

  clients
    .command("create")
    .description("register a workload client; without --issuer it gets an API key, printed once")
    .requiredOption("--name <name>", "client name: lower-case letters, digits, '.', '_' or '-'")
    .requiredOption("--owner <email>", "email of the person responsible for the client; they never count as an independent approver")
    .option("--kinds <kinds>", `comma-separated action kinds the client may propose (default: all of ${ACTION_KINDS.join(",")})`)
    .option("--domains <names>", "comma-separated domain names the client may target (default: none, so every proposal is denied)")
    .option("--rate-limit <n>", "proposals allowed per minute (default: 60)")
    .option("--issuer <url>", "authenticate with workload JWTs from this issuer (exact iss value) instead of an API key")
    .option("--subject <sub>", "the sub claim of the client's JWTs; required with --issuer")
    .option("--jwks-url <url>", "JWKS URL of the issuer (default: OIDC discovery from the issuer)")
    .option("--json", "print the result as JSON")
    .action(async (options: CreateOptions) => {
      const input = createInput(options);
      const { client, apiKey } = await runAdminCommand(CREATE_LABELS, (context) => createClient(context, input));

      if (client.allowedDomains.length === 0) warn(`no --domains given: every proposal from ${client.name} is denied until the client is scoped to a domain`);
      if (options.json) {
        return printJson(apiKey ? { id: client.id, name: client.name, apiKey: apiKey.token } : { id: client.id, name: client.name, issuer: client.jwtIssuer, subject: client.jwtSubject });
      }
      printLine(`Registered workload client ${client.name} (${client.id}).`);
      if (apiKey) {
        printLine("API key, shown only now; store it in the client's secret store:");
        printLine(apiKey.token);
      } else {
        printLine(`It authenticates with JWTs from ${client.jwtIssuer} with sub ${JSON.stringify(client.jwtSubject)}.`);
      }
    });

  clients
    .command("list")
    .description("list workload clients with their scope, authentication, key count and last use")
    .option("--json", "print the clients as JSON")
    .action(async (options: OutputOptions) => {
      const summaries = await runAdminCommand({}, (context) => listClients(context));
      if (options.json) return printJson(summaries);
      if (summaries.length === 0) return printLine("No workload clients.");
      printTable(
        ["NAME", "ID", "OWNER", "ENABLED", "AUTH", "FLOOD", "KEYS", "LAST USED", "KINDS", "DOMAINS"],
        summaries.map((client) => [
          client.name,
          client.id,
          client.ownerEmail,
          client.enabled ? "yes" : "no",
          client.authentication === "jwt" ? "jwt" : "api-key",
          client.floodFlaggedAt ? `flagged ${formatDate(client.floodFlaggedAt)}` : "-",
          String(client.activeKeyCount),
          formatDate(client.lastUsedAt),
          client.allowedKinds.join(","),
          client.allowedDomains.join(",") || "-",
        ]),
      );
    });

  clients
    .command("disable")
    .description("disable a workload client; its API keys and JWTs are rejected from the next request on")
    .argument("<name-or-id>", "client name or id")
    .option("--json", "print the result as JSON")
    .action(async (nameOrId: string, options: OutputOptions) => {
      const { client, changed } = await runAdminCommand({ "": "NAME_OR_ID" }, (context) => disableClient(context, nameOrId));
      if (options.json) return printJson({ id: client.id, name: client.name, enabled: client.enabled, changed });
      printLine(changed ? `Disabled workload client ${client.name} (${client.id}).` : `Workload client ${client.name} (${client.id}) was already disabled.`);
    });

  clients
    .command("rotate-key")
    .description("revoke every API key of a client and print a new one, once")
    .argument("<name-or-id>", "client name or id")
    .option("--expires <lifetime>", "lifetime of the new key in days or hours, such as 90d or 12h, at most 365d (default: no expiry)")
    .option("--json", "print the result as JSON")
    .action(async (nameOrId: string, options: RotateOptions) => {
      const labels = { "/client": "NAME_OR_ID", "/lifetime": "--expires" };
      const input = { client: nameOrId, ...(options.expires === undefined ? {} : { lifetime: options.expires }) };
      const { client, apiKey, revokedKeyIds } = await runAdminCommand(labels, (context) => rotateClientKey(context, input));

      const expiresAt = apiKey.record.expiresAt;
      if (options.json) return printJson({ id: client.id, name: client.name, apiKey: apiKey.token, expiresAt, revokedKeyIds });
      printLine(`Revoked ${revokedKeyIds.length} API key${revokedKeyIds.length === 1 ? "" : "s"} of ${client.name}; they stop working now.`);
      printLine(`New API key${expiresAt ? `, expires ${expiresAt.toISOString()}` : ""}, shown only now:`);
      printLine(apiKey.token);
    });
}

function createInput(options: CreateOptions): CreateClientInput {
  if (options.issuer === undefined && options.subject !== undefined) throw new CliError("--subject requires --issuer");
  if (options.issuer === undefined && options.jwksUrl !== undefined) throw new CliError("--jwks-url requires --issuer");
  if (options.issuer !== undefined && options.subject === undefined) throw new CliError("--issuer requires --subject, the sub claim of the client's JWTs");

  return {
    name: options.name,
    ownerEmail: options.owner,
    ...(options.kinds === undefined ? {} : { allowedKinds: splitList(options.kinds) }),
    ...(options.domains === undefined ? {} : { allowedDomains: splitList(options.domains) }),
    ...(options.rateLimit === undefined ? {} : { rateLimitPerMinute: parseWholeNumber("--rate-limit", options.rateLimit, "requests per minute") }),
    ...(options.issuer === undefined || options.subject === undefined
      ? {}
      : { jwt: { issuer: options.issuer, subject: options.subject, ...(options.jwksUrl === undefined ? {} : { jwksUrl: options.jwksUrl }) } }),
  };
}
