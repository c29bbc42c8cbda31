import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { VARIABLES } from "@/lib/config/schema";
import { quoteValue } from "@/lib/users/parse-admin-input";

/** Largest credential file read; connector secrets (passwords, tokens, PEM keys) are far smaller. */
export const MAX_CREDENTIAL_FILE_BYTES = 64 * 1024;

const MAX_PATH_LENGTH = 4096;
const MAX_REFERENCE_LENGTH = "file:".length + MAX_PATH_LENGTH;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// Cordon's own settings (DATABASE_URL, NEXTAUTH_SECRET, the OIDC client secret) must never be
// handed to a connector, which sends its credential to the domain's host.
const OWN_VARIABLES = new Set(Object.keys(VARIABLES));

export type CredentialReference = { source: "env"; name: string } | { source: "file"; path: string };

/**
 * Reference to a domain's secret: `env:NAME` (an environment variable of the Cordon process)
 * or `file:/absolute/path`. Only the reference is stored, never the secret.
 */
export const ZCredentialReference = z.string().transform((text, context): CredentialReference => {
  const fail = (message: string) => {
    context.addIssue({ code: "custom", message });
    return z.NEVER;
  };

  if (text.startsWith("env:")) {
    const name = text.slice("env:".length);
    if (!ENV_NAME.test(name)) return fail("must be env:NAME with a variable name of letters, digits and '_' that does not start with a digit");
    if (OWN_VARIABLES.has(name)) return fail(`must not name ${name}, which is Cordon's own configuration; give the domain a variable of its own`);
    return { source: "env", name };
  }

  if (text.startsWith("file:")) {
    const file = text.slice("file:".length);
    if (!path.posix.isAbsolute(file)) return fail("must be file: followed by an absolute path, such as file:/run/secrets/scim-token");
    if (file.length > MAX_PATH_LENGTH) return fail(`must have a path of at most ${MAX_PATH_LENGTH} characters`);
    if (/[\p{C}\p{Zl}\p{Zp}]/u.test(file)) return fail("must have a path without control, format or line separator characters");
    if (path.posix.normalize(file) !== file || file.endsWith("/")) return fail("must have a normalised path, without '.', '..', '//' or a trailing '/'");
    return { source: "file", path: file };
  }

  return fail("must be env:NAME or file:/absolute/path");
});

/** A credential that cannot be read. The message names the reference, never the value. */
export class CredentialUnavailable extends Error {
  override readonly name = "CredentialUnavailable";
  constructor(
    readonly reference: string,
    problem: string,
  ) {
    super(`credential ${reference}: ${problem}`);
  }
}

/** Returns the problem with a credential file's type and mode, or null when it may be read. */
export function credentialFileProblem(stats: { isFile(): boolean; mode: number; size: number }, file: string): string | null {
  if (!stats.isFile()) return "is not a regular file";
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
    return `is readable or writable by group or others (mode ${mode}); restrict it with chmod 600 ${file}`;
  }
  if (stats.size > MAX_CREDENTIAL_FILE_BYTES) return `is larger than ${MAX_CREDENTIAL_FILE_BYTES / 1024} KiB`;
  return null;
}

/**
 * Reads the secret a credential reference points to. `env:NAME` reads the variable of this
 * process. `file:/path` follows symbolic links, because Kubernetes mounts secrets through them.
 * The file must be a regular file of at most 64 KiB with no group or other permission bits
 * (mode 0600 or 0400), because anyone who can read it has the domain's authority. Trailing line
 * breaks are removed. Throws CredentialUnavailable for an invalid reference, a missing, empty or
 * unreadable secret, or a file with a wider mode.
 */
export async function resolveCredential(ref: string): Promise<string> {
  const parsed = ZCredentialReference.safeParse(ref);
  // The whole reference is quotedReference, up to the longest valid one, because a truncated path does not
  // tell the operator which file to fix.
  const quotedReference = quoteValue(ref, MAX_REFERENCE_LENGTH);
  if (!parsed.success) throw new CredentialUnavailable(quotedReference, parsed.error.issues[0]?.message ?? "is invalid");
  const reference = parsed.data;

  const secret = reference.source === "env" ? readVariable(quotedReference, reference.name) : await readCredentialFile(quotedReference, reference.path);
  const trimmed = secret.replace(/[\r\n]+$/, "");
  if (trimmed === "") throw new CredentialUnavailable(quotedReference, reference.source === "env" ? `environment variable ${reference.name} is empty` : "the file is empty");
  return trimmed;
}

function readVariable(quotedReference: string, name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new CredentialUnavailable(quotedReference, `environment variable ${name} is not set in the Cordon process`);
  return value;
}

async function readCredentialFile(quotedReference: string, file: string): Promise<string> {
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK keeps a FIFO at this path from blocking the open; fstat below rejects it.
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new CredentialUnavailable(quotedReference, describeOpenError(error));
  }

  try {
    // Checking the opened file, not the path, leaves no gap in which the path could be swapped.
    const stats = await handle.stat();
    const problem = credentialFileProblem(stats, file);
    if (problem) throw new CredentialUnavailable(quotedReference, `the file ${problem}`);

    const buffer = Buffer.alloc(MAX_CREDENTIAL_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_CREDENTIAL_FILE_BYTES) throw new CredentialUnavailable(quotedReference, `the file is larger than ${MAX_CREDENTIAL_FILE_BYTES / 1024} KiB`);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(0, bytesRead));
    } catch {
      throw new CredentialUnavailable(quotedReference, "the file is not valid UTF-8");
    }
  } finally {
    await handle.close();
  }
}

function describeOpenError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "the file does not exist";
  if (code === "EACCES" || code === "EPERM") return "the file cannot be read by the Cordon process (permission denied)";
  if (code === "EISDIR") return "the file is not a regular file";
  return `the file cannot be opened (${code ?? "unknown error"})`;
}

/**
 * Checks a credential reference without reading the secret, for the moment an operator
 * registers a domain, and returns warnings: a variable missing from this process or a file
 * that is missing or would be rejected by resolveCredential. The Cordon server may run with
 * another environment or on another host, so these are warnings, not errors.
 */
export async function inspectCredentialReference(reference: CredentialReference): Promise<string[]> {
  if (reference.source === "env") {
    return process.env[reference.name] === undefined ? [`environment variable ${reference.name} is not set here; the Cordon server process must have it`] : [];
  }

  let stats;
  try {
    stats = await fs.stat(reference.path);
  } catch (error) {
    return [`credential file ${reference.path}: ${describeOpenError(error)} on this host; the Cordon server must be able to read it`];
  }
  const problem = credentialFileProblem(stats, reference.path);
  return problem ? [`credential file ${reference.path} ${problem}; the server will refuse to read it`] : [];
}

/** Formats a parsed reference back to its stored text. */
export function formatCredentialReference(reference: CredentialReference): string {
  return reference.source === "env" ? `env:${reference.name}` : `file:${reference.path}`;
}
