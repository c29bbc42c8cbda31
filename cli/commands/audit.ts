import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { Db } from "@/lib/db/client";
import { verifyCheckpoints, writeCheckpoint, type AuditCheckpoint, type CheckpointAnchor, type CheckpointReport } from "@/lib/audit/checkpoint";
import { sqlOf } from "@/lib/db/sql";
import { configuredAuditSigner, configuredSigningKeyFile, readVerifier, type AuditVerifier } from "@/lib/audit/checkpoint-key";
import { verifyAuditChains, type VerifyReport } from "@/lib/audit/verify";
import { systemClock } from "@/lib/time/clock";
import { findIncidentChain, type IncidentCandidate } from "@/lib/audit/verify-incident";
import { CliError, cliLogger, loadConfig, openCliDatabase } from "../context";
import { printJson, type OutputOptions } from "../output";

interface VerifyCommandOptions extends OutputOptions {
  incident?: string;
  publicKey?: string;
  checkpoint?: string;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the hash-chained audit trail");

  audit
    .command("verify")
    .description(
      "recompute the audit hash chains and report the first problem in each, then verify the signed checkpoints; exit code 1 when anything fails",
    )
    .option("--incident <id>", "verify only the chain of this incident, named by its UUID or its external id (INC-2041); checkpoints are not checked")
    .option("--public-key <file>", "Ed25519 public key (or the private key) that signed the checkpoints; default: CORDON_AUDIT_SIGNING_KEY_FILE or the key in the data dir")
    .option("--checkpoint <sequence:hash>", "a checkpoint recorded elsewhere (the 'audit checkpoint written' log line), which must still be stored unchanged")
    .option("--json", "print the report as JSON")
    .action(async (options: VerifyCommandOptions) => {
      const config = loadConfig();
      const logger = cliLogger(config);
      const anchor = options.checkpoint === undefined ? undefined : parseAnchor(options.checkpoint);
      const verifier = options.incident === undefined ? await checkpointVerifier(options.publicKey) : null;
      const database = await openCliDatabase(config, logger);
      try {
        const chain = options.incident === undefined ? undefined : await incidentChain(database.prisma(), options.incident);
        const report = await verifyAuditChains(database.prisma(), chain === undefined ? {} : { chain });
        const checkpoints = chain === undefined ? await verifyCheckpoints(database.prisma(), verifier?.key ?? null, anchor) : undefined;
        if (options.json) printJson(checkpoints ? { ...report, ok: report.ok && checkpoints.ok, checkpoints: { ...checkpoints, signaturesChecked: verifier !== null } } : report);
        else {
          printReport(report, chain);
          if (checkpoints) printCheckpointReport(checkpoints, verifier, anchor);
        }
        if (!report.ok || (checkpoints && !checkpoints.ok)) process.exitCode = 1;
      } finally {
        await database.close();
      }
    });

  audit
    .command("checkpoint")
    .description("write a signed checkpoint of every audit chain head now (the executor writes one every minute when a head moved)")
    .option("--json", "print the checkpoint as JSON")
    .action(async (options: OutputOptions) => {
      const config = loadConfig();
      const logger = cliLogger(config);
      const signer = await configuredAuditSigner();
      const database = await openCliDatabase(config, logger);
      try {
        const written = await writeCheckpoint(database.prisma(), signer, systemClock);
        const checkpoint = written ?? (await latestCheckpoint(database.prisma()));
        const summary = checkpoint && { sequence: checkpoint.sequence, hash: checkpoint.hash, chains: checkpoint.heads.length, keyId: checkpoint.keyId, createdAt: checkpoint.createdAt.toISOString() };
        if (options.json) printJson({ written: written !== null, checkpoint: summary });
        else if (written) console.log(`Wrote checkpoint ${written.sequence}:${written.hash} over ${written.heads.length} chain${written.heads.length === 1 ? "" : "s"}, signed by key ${written.keyId}.`);
        else if (checkpoint) console.log(`No audit chain head moved since checkpoint ${checkpoint.sequence}:${checkpoint.hash}, so none was written.`);
        else console.log("There are no audit events yet, so no checkpoint was written.");
      } finally {
        await database.close();
      }
    });

  audit
    .command("public-key")
    .description("print the Ed25519 public key that verifies audit checkpoints, as SPKI PEM, for auditors who verify with --public-key")
    .option("--json", "print the key id and the PEM as JSON")
    .action(async (options: OutputOptions) => {
      loadConfig();
      const { file } = configuredSigningKeyFile();
      if (!existsSync(file)) throw new CliError(`no audit signing key at ${file} yet; Cordon creates it when it writes the first checkpoint (npm start, cordon worker or cordon audit checkpoint)`);
      const verifier = await readVerifier(file);
      const pem = verifier.publicKey.export({ format: "pem", type: "spki" }).toString();
      if (options.json) printJson({ keyId: verifier.keyId, pem });
      else process.stdout.write(pem);
    });
}

/** Parses `--checkpoint 12:<64 hex digits>`. */
function parseAnchor(value: string): CheckpointAnchor {
  const match = /^(\d{1,9}):([0-9a-f]{64})$/.exec(value.trim());
  if (!match) throw new CliError(`--checkpoint ${JSON.stringify(value.slice(0, 200))} is invalid; expected <sequence>:<64 lower-case hex digits>, as the "audit checkpoint written" log line shows`);
  return { sequence: Number(match[1]), hash: match[2]! };
}

/** Reads the key that checks checkpoint signatures; null when none is configured or generated yet. */
async function checkpointVerifier(publicKeyFile: string | undefined): Promise<{ key: AuditVerifier; source: string } | null> {
  const file = publicKeyFile ?? configuredSigningKeyFile().file;
  if (publicKeyFile === undefined && !existsSync(file)) return null;
  try {
    return { key: await readVerifier(file), source: file };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot read the checkpoint key ${file}: ${reason}`);
  }
}

async function latestCheckpoint(db: Db): Promise<AuditCheckpoint | null> {
  const [latest] = await sqlOf(db).query<AuditCheckpoint>(
    `SELECT sequence, heads, "headsDigest", "prevHash", hash, "keyId", signature, "createdAt" FROM audit_checkpoints ORDER BY sequence DESC LIMIT 1`,
  );
  return latest ?? null;
}

function printCheckpointReport(report: CheckpointReport, verifier: { source: string } | null, anchor: CheckpointAnchor | undefined): void {
  if (report.problem) {
    const { sequence, kind, detail } = report.problem;
    console.log(`FAILED checkpoint ${sequence}: ${kind}: ${detail}`);
    return;
  }
  if (!report.latest) {
    console.log("No audit checkpoints yet; the executor writes one every minute when a chain head moved.");
    return;
  }
  const { sequence, hash, createdAt, chains } = report.latest;
  const signatures = verifier ? `signatures checked with ${verifier.source}` : "signatures NOT checked: no key was found, pass --public-key";
  console.log(`Verified ${report.checkpoints} checkpoint${report.checkpoints === 1 ? "" : "s"} (${signatures}). The newest, ${sequence}:${hash} of ${createdAt}, records ${chains} chain head${chains === 1 ? "" : "s"}, all still stored.`);
  if (anchor) console.log(`Checkpoint ${anchor.sequence} is stored with the expected hash ${anchor.hash}.`);
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
