import type { Command } from "commander";
import type { CredentialRequirement } from "@/lib/connectors/types";
import { addDomain } from "@/lib/domains/add-domain";
import { inspectCredentialReference } from "@/lib/domains/credentials";
import { listDomains } from "@/lib/domains/list-domains";
import { DOMAIN_KINDS } from "@/lib/connectors/types";
import { CliError } from "../context";
import { printJson, type OutputOptions } from "../output";
import { printLine, printTable, runAdminCommand, warn } from "./admin-command";

interface AddOptions extends OutputOptions {
  name: string;
  kind: string;
  settings: string;
  credential: string;
}

const ADD_LABELS = { "/name": "--name", "/kind": "--kind", "/settings": "--settings", "/credentialRef": "--credential" };

/** Largest --settings text; connector settings are a few hundred bytes. */
const MAX_SETTINGS_BYTES = 16 * 1024;

export function registerDomainCommands(program: Command): void {
  const domains = program.command("domains").description("identity domains Cordon acts on and their connectors");

  domains
    .command("add")
    .description("register an identity domain; the secret stays behind --credential and is never read or stored")
    .requiredOption("--name <name>", "domain name: lower-case letters, digits, '.', '_' or '-'")
    .requiredOption("--kind <kind>", `connector kind: ${DOMAIN_KINDS.join(", ")}`)
    .requiredOption("--settings <json>", "connector settings as a JSON object, without secrets")
    .requiredOption("--credential <ref>", "where the server reads the secret: env:NAME or file:/absolute/path (mode 600)")
    .option("--json", "print the result as JSON")
    .action(async (options: AddOptions) => {
      const input = { name: options.name, kind: options.kind, settings: parseSettings(options.settings), credentialRef: options.credential };
      const result = await runAdminCommand(ADD_LABELS, (context) => addDomain(context, input));
      const { domain, credentialRequirements } = result;

      for (const warning of await inspectCredentialReference(result.credentialReference)) warn(warning);
      if (options.json) {
        return printJson({ id: domain.id, name: domain.name, kind: domain.kind, settings: domain.settings, credentialRef: domain.credentialRef, credentialRequirements });
      }
      printLine(`Added ${domain.kind} domain ${domain.name} (${domain.id}).`);
      printLine(`Credential reference ${domain.credentialRef}: the server reads the secret from there when it acts; it was not read now.`);
      printRequirements(credentialRequirements);
    });

  domains
    .command("list")
    .description("list identity domains with their kind and credential reference")
    .option("--json", "print the domains as JSON")
    .action(async (options: OutputOptions) => {
      const summaries = await runAdminCommand({}, (context) => listDomains(context));
      if (options.json) return printJson(summaries);
      if (summaries.length === 0) return printLine("No domains.");
      printTable(
        ["NAME", "ID", "KIND", "ENABLED", "CREDENTIAL", "SETTINGS"],
        summaries.map((domain) => [domain.name, domain.id, domain.kind, domain.enabled ? "yes" : "no", domain.credentialRef, JSON.stringify(domain.settings)]),
      );
    });
}

/** Parses --settings. The parser's message is not shown because it quotes the text, which may hold a pasted secret. */
function parseSettings(text: string): unknown {
  if (Buffer.byteLength(text, "utf8") > MAX_SETTINGS_BYTES) throw new CliError(`--settings must be at most ${MAX_SETTINGS_BYTES / 1024} KiB of JSON`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`--settings must be a JSON object, such as '{"baseUrl":"https://scim.example.com/v2"}'; the text given is not valid JSON`);
  }
}

function printRequirements(requirements: CredentialRequirement[]): void {
  printLine("Least privileges the credential needs:");
  for (const requirement of requirements) printLine(`  - ${requirement.privilege}: ${requirement.reason}`);
}
