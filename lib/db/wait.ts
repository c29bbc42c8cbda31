import pg from "pg";
import type { Logger } from "@/lib/log/logger";

/** Host and port of a PostgreSQL URL, for messages that must not show the password. */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    return "the configured database";
  }
}

export class DatabaseUnreachableError extends Error {
  override readonly name = "DatabaseUnreachableError";
}

/**
 * Waits until PostgreSQL accepts a connection, retrying once a second for a bounded time,
 * so a database that starts a little after Cordon (compose, Kubernetes) does not fail start-up.
 */
export async function waitForDatabase(url: string, timeoutSeconds: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      if (Date.now() >= deadline) {
        throw new DatabaseUnreachableError(`cannot reach PostgreSQL at ${describeDatabase(url)} after ${attempts} attempts in ${timeoutSeconds} s (last error: ${code})`);
      }
      if (attempts === 1) logger.warn({ database: describeDatabase(url), error: code }, "database not reachable yet, retrying");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
