import { randomUUID } from "node:crypto";
import { CordonError, ValidationFailed } from "@/lib/errors";
import { systemClock } from "@/lib/time/clock";
import { CLI_ACTOR, type AdminContext } from "@/lib/users/admin-context";
import { escapeInvisible, quoteValue } from "@/lib/users/parse-admin-input";
import { CliError, cliLogger, loadConfig, openCliDatabase } from "../context";

/** Maps the JSON pointer of an input field to the option or argument an operator typed, e.g. `/ownerEmail` to `--owner`. */
export type OptionLabels = Readonly<Record<string, string>>;

/**
 * Runs an administration verb against the configured database as the system actor `cli` and
 * closes the database afterwards. Cordon's domain errors become a one-line CliError that names
 * the option and the rejected value.
 */
export async function runAdminCommand<T>(labels: OptionLabels, work: (context: AdminContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = cliLogger(config);
  const database = await openCliDatabase(config, logger);
  const requestId = randomUUID();
  const context: AdminContext = { db: database.prisma(), clock: systemClock, actor: CLI_ACTOR, requestId, logger: logger.child({ component: "cli", requestId }) };
  try {
    return await work(context);
  } catch (error) {
    throw toCliError(error, labels);
  } finally {
    await database.close();
  }
}

/** Converts a domain error to a one-line CliError; other errors pass through unchanged. */
export function toCliError(error: unknown, labels: OptionLabels): unknown {
  if (error instanceof ValidationFailed && error.errors.length > 0) {
    return new CliError(error.errors.map((problem) => `${labelFor(problem.pointer, labels)} ${problem.message}`).join("; "));
  }
  if (error instanceof CordonError) return new CliError(error.message);
  return error;
}

/**
 * Names the option a problem belongs to: the label of the longest matching pointer prefix,
 * followed by the rest of the pointer when it names a member (`--settings at /port`) rather
 * than a list position.
 */
function labelFor(pointer: string, labels: OptionLabels): string {
  let best: string | undefined;
  for (const key of Object.keys(labels)) {
    const matches = key === "" || pointer === key || pointer.startsWith(`${key}/`);
    if (matches && (best === undefined || key.length > best.length)) best = key;
  }
  const label = best === undefined ? undefined : labels[best];
  if (best === undefined || label === undefined) return pointer;

  const rest = pointer.slice(best.length);
  return rest === "" || /^\/\d+$/.test(rest) ? label : `${label} at ${escapeInvisible(rest)}`;
}

/** Splits a comma-separated option value, trimming each item. */
export function splitList(value: string): string[] {
  return value.split(",").map((item) => item.trim());
}

/** Parses a whole-number option; throws CliError naming the option and the value otherwise. */
export function parseWholeNumber(option: string, value: string, unit: string): number {
  if (!/^[0-9]{1,9}$/.test(value)) throw new CliError(`${option} must be a whole number of ${unit}, got ${quoteValue(value)}`);
  return Number(value);
}

/** Writes one line to stderr, prefixed like the CLI's errors. */
export function warn(message: string): void {
  process.stderr.write(`cordon: warning: ${message}\n`);
}

export function printLine(text = ""): void {
  process.stdout.write(`${text}\n`);
}

/** Prints rows as left-aligned columns; cells are escaped so no value can move the cursor or break a line. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const cells = [header, ...rows].map((row) => row.map((cell) => escapeInvisible(cell)));
  const length = (cell: string) => Array.from(cell).length;
  const widths = header.map((_, column) => Math.max(...cells.map((row) => length(row[column] ?? ""))));
  for (const row of cells) {
    const padded = row.map((cell, column) => cell + " ".repeat(Math.max(0, (widths[column] ?? 0) - length(cell))));
    printLine(padded.join("  ").trimEnd());
  }
}

export function formatDate(date: Date | null): string {
  return date === null ? "-" : date.toISOString();
}
