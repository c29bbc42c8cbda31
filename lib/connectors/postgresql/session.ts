import type { ConnectionOptions } from "node:tls";
import pg from "pg";
import type { DomainReference } from "@/lib/connectors/types";
import { ConnectorError } from "@/lib/connectors/types";
import { toConnectorError } from "./errors";
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  type PostgresConnectorOptions,
  type TPostgresDomainCredentials,
  type TPostgresDomainSettings,
} from "./settings";

export interface SessionTarget {
  settings: TPostgresDomainSettings;
  credentials: TPostgresDomainCredentials;
  options: PostgresConnectorOptions;
}

/** One open connection of the connector, tagged with the action it works for. */
export interface PostgresSession {
  client: pg.Client;
  pid: number;
  applicationName: string;
  /** Backend pid and application name, for correlation with the server's own logs. */
  references: DomainReference[];
}

/** PostgreSQL truncates application_name to NAMEDATALEN - 1 bytes and replaces non-ASCII bytes. */
export function applicationNameFor(actionId: string | null): string {
  const name = actionId ? `cordon:${actionId}` : "cordon";
  return name.replace(/[^\x20-\x7e]/g, "?").slice(0, 63);
}

function tlsOptions(settings: TPostgresDomainSettings): false | ConnectionOptions {
  switch (settings.sslmode ?? "verify-full") {
    case "disable":
      return false;
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      // libpq's verify-ca checks the chain but not the host name.
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case "verify-full":
      return { rejectUnauthorized: true };
  }
}

/** Client configuration for `user` with `password`; every field is set, so no PG* environment variable applies. */
export function clientConfig(target: SessionTarget, user: string, password: string, applicationName: string): pg.ClientConfig {
  const timeout = target.options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    host: target.settings.host,
    port: target.settings.port,
    database: target.settings.database,
    user,
    password,
    ssl: tlsOptions(target.settings),
    application_name: applicationName,
    connectionTimeoutMillis: target.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    statement_timeout: timeout,
    lock_timeout: timeout,
    idle_in_transaction_session_timeout: timeout * 2,
    // A client-side bound as well, in case the server never acts on the cancel.
    query_timeout: timeout + 5_000,
    // Resolves every unqualified name the connector uses in pg_catalog only; it also overrides PGOPTIONS.
    options: "-c search_path=pg_catalog",
  };
}

/** Asks the server to cancel whatever `pid` runs, over a second connection of the same role. */
async function cancelBackend(target: SessionTarget, pid: number): Promise<void> {
  const canceller = new pg.Client(clientConfig(target, target.settings.user, target.credentials.password, "cordon:cancel"));
  canceller.on("error", () => undefined);
  try {
    await canceller.connect();
    await canceller.query("SELECT pg_cancel_backend($1)", [pid]);
  } catch {
    // The session is closed right after; the server rolls back its open transaction then.
  } finally {
    await canceller.end().catch(() => undefined);
  }
}

function abortError(step: string, references: DomainReference[]): ConnectorError {
  return new ConnectorError(`PostgreSQL ${step} was cancelled because the caller aborted it, for example when its time limit passed`, true, references);
}

/**
 * Opens a session as the connector role, runs `work`, and closes it. When `signal` aborts,
 * the running statement is cancelled on the server and the call rejects with a transient
 * ConnectorError. The server rolls back any open transaction when the session closes.
 */
export async function withSession<T>(
  target: SessionTarget,
  actionId: string | null,
  signal: AbortSignal,
  step: string,
  work: (session: PostgresSession) => Promise<T>,
): Promise<T> {
  if (signal.aborted) throw abortError(step, []);

  const applicationName = applicationNameFor(actionId);
  const client = new pg.Client(clientConfig(target, target.settings.user, target.credentials.password, applicationName));
  // A terminated or broken connection emits `error`; the pending query rejects with it as well.
  client.on("error", () => undefined);

  let pid: number | null = null;
  let references: DomainReference[] = [];
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      if (pid !== null) void cancelBackend(target, pid);
      reject(abortError(step, references));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);

  const run = async (): Promise<T> => {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    pid = rows[0]?.pid ?? 0;
    references = [
      { type: "postgresql.backend_pid", value: String(pid) },
      { type: "postgresql.application_name", value: applicationName },
    ];
    return work({ client, pid, applicationName, references });
  };

  try {
    return await Promise.race([run(), aborted]);
  } catch (error) {
    if (signal.aborted) throw abortError(step, references);
    throw toConnectorError(error, step, [target.credentials.password], references);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs `work` in one transaction and returns its result with the transaction id, which the
 * server's logs and `pg_stat_activity.backend_xid` also show.
 */
export async function inTransaction<T>(session: PostgresSession, work: () => Promise<T>): Promise<{ result: T; txid: string }> {
  await session.client.query("BEGIN");
  try {
    const result = await work();
    const { rows } = await session.client.query<{ txid: string }>("SELECT txid_current()::text AS txid");
    await session.client.query("COMMIT");
    return { result, txid: rows[0]?.txid ?? "" };
  } catch (error) {
    await session.client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
