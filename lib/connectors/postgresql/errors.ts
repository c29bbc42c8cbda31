import { ConnectorError, type DomainReference } from "@/lib/connectors/types";

/**
 * SQLSTATE classes worth a retry: connection exceptions (08), insufficient resources (53),
 * operator intervention such as shutdown or cancel (57), system errors (58), and
 * serialization failures and deadlocks (40001, 40P01).
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(["08", "53", "57", "58"]);
const TRANSIENT_SQLSTATES = new Set(["40001", "40P01", "55P03"]);
/** Node socket errors that mean the server was unreachable for the moment. */
const TRANSIENT_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

interface ErrorLike {
  message?: unknown;
  code?: unknown;
}

/** Replaces every occurrence of each secret in `text`; a second line of defence, as no message should carry one. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret) scrubbed = scrubbed.split(secret).join("[redacted]");
  }
  return scrubbed;
}

export function isTransient(error: unknown): boolean {
  const code = typeof (error as ErrorLike | null)?.code === "string" ? ((error as ErrorLike).code as string) : "";
  if (TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
  // node-postgres raises plain errors without a code when the socket closes or a connect times out.
  const message = String((error as ErrorLike | null)?.message ?? "");
  return /Connection terminated|timeout expired|Connection ended/i.test(message);
}

/**
 * Wraps any failure of a domain call as a ConnectorError whose message names the step, the
 * server's message and its SQLSTATE. The original error is not attached, so no client
 * configuration can travel with it into a log.
 */
export function toConnectorError(
  error: unknown,
  step: string,
  secrets: readonly (string | undefined)[],
  references: DomainReference[] = [],
): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const code = typeof (error as ErrorLike | null)?.code === "string" ? ((error as ErrorLike).code as string) : undefined;
  const detail = String((error as ErrorLike | null)?.message ?? error);
  const message = `PostgreSQL ${step} failed: ${detail}${code ? ` (${code})` : ""}`;
  return new ConnectorError(scrubSecrets(message, secrets), isTransient(error), references);
}

export function permanent(message: string, references: DomainReference[] = []): ConnectorError {
  return new ConnectorError(message, false, references);
}
