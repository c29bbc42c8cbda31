import type { Command } from "commander";
import { z } from "zod";
import { verifyAuditChains, type VerifyReport } from "@/lib/audit/verify";
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
    .option("--incident <id>", "verify only the chain of this incident (its UUID)")
    .option("--json", "print the report as JSON")
    .action(async (options: VerifyCommandOptions) => {
      const chain = options.incident === undefined ? undefined : parseIncidentId(options.incident);
      const config = loadConfig();
      const logger = cliLogger(config);
      const database = await openCliDatabase(config, logger);
      try {
        const report = await verifyAuditChains(database.prisma(), chain === undefined ? {} : { chain });
        if (options.json) printJson(report);
        else printReport(report, chain);
        if (!report.ok) process.exitCode = 1;
      } finally {
        await database.close();
      }
    });
}

function parseIncidentId(value: string): string {
  const parsed = z.uuid().safeParse(value);
  if (!parsed.success) throw new CliError(`--incident must be an incident UUID, got ${JSON.stringify(value.slice(0, 80))}`);
  // Chains are named by the lower-case UUID, as PostgreSQL returns it.
  return parsed.data.toLowerCase();
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
