import type { Command } from "commander";
import type { Db } from "@/lib/db/client";
import { verifyAuditChains, type VerifyReport } from "@/lib/audit/verify";
import { findIncidentChain, type IncidentCandidate } from "@/lib/audit/verify-incident";
import { CliError, cliLogger, loadConfig, openCliDatabase } from "../context";
import { printJson, type OutputOptions } from "../output";

interface VerifyCommandOptions extends OutputOptions {
  incident?: string;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the hash-chained audit trail");

  audit
    .command("verify")
    .description("recompute the audit hash chains and report the first problem in each; exit code 1 when any chain fails")
    .option("--incident <id>", "verify only the chain of this incident, named by its UUID or its external id (INC-2041)")
    .option("--json", "print the report as JSON")
    .action(async (options: VerifyCommandOptions) => {
      const config = loadConfig();
      const logger = cliLogger(config);
      const database = await openCliDatabase(config, logger);
      try {
        const chain = options.incident === undefined ? undefined : await incidentChain(database.prisma(), options.incident);
        const report = await verifyAuditChains(database.prisma(), chain === undefined ? {} : { chain });
        if (options.json) printJson(report);
        else printReport(report, chain);
        if (!report.ok) process.exitCode = 1;
      } finally {
        await database.close();
      }
    });
}

async function incidentChain(db: Db, reference: string): Promise<string> {
  const quoted = JSON.stringify(reference.slice(0, 200));
  const lookup = await findIncidentChain(db, reference);
  if (lookup.kind === "found") return lookup.chain;
  if (lookup.kind === "unknown") throw new CliError(`no incident or audit chain matches --incident ${quoted}; pass the incident's UUID or its external id`);
  const listed = lookup.candidates.map(describeCandidate).join(", ");
  throw new CliError(`external id ${quoted} matches ${lookup.candidates.length} incidents: ${listed}; pass one of these UUIDs to --incident`);
}

function describeCandidate(candidate: IncidentCandidate): string {
  return `${candidate.id} (${candidate.clientName === null ? "created by a person" : `client ${candidate.clientName}`})`;
}

function printReport(report: VerifyReport, chain: string | undefined): void {
  if (report.chains.length === 0) {
    console.log(chain === undefined ? "No audit events to verify." : `No audit events for incident ${chain}.`);
    return;
  }

  const failed = report.chains.filter((entry) => !entry.ok);
  for (const entry of failed) {
    const problem = entry.problem;
    if (!problem) continue;
    const event = problem.eventId === null ? "no event" : `event ${problem.eventId}`;
    console.log(`FAILED chain ${entry.chain}: ${problem.kind} at sequence ${problem.sequence} (${event}): ${problem.detail}`);
  }

  const events = report.chains.reduce((total, entry) => total + entry.events, 0);
  const summary = `${report.chains.length} audit chain${report.chains.length === 1 ? "" : "s"}, ${events} event${events === 1 ? "" : "s"} read`;
  if (failed.length === 0) console.log(`Verified ${summary}: every hash and link is intact.`);
  else console.log(`${failed.length} of ${summary} failed verification.`);
}
