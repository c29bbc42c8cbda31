import { z } from "zod";
import type { Logger } from "@/lib/log/logger";

/**
 * TLS modes in libpq's vocabulary. `prefer` and `allow` are left out on purpose because they
 * fall back to plain text when the server offers no TLS, which an attacker on the path can force.
 */
export const POSTGRES_SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

/** Address of a PostgreSQL domain and the role the connector logs in as; the password is passed separately. */
export const ZPostgresDomainSettings = z
  .object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(5432),
    database: z.string().min(1).max(63),
    user: z.string().min(1).max(63),
    /** Defaults to `verify-full`; a server without TLS needs an explicit `disable`. */
    sslmode: z.enum(POSTGRES_SSL_MODES).optional(),
  })
  .strict();
export type TPostgresDomainSettings = z.infer<typeof ZPostgresDomainSettings>;

export const ZPostgresDomainCredentials = z
  .object({
    password: z.string().min(1).max(1024),
  })
  .strict();
export type TPostgresDomainCredentials = z.infer<typeof ZPostgresDomainCredentials>;

export interface PostgresConnectorOptions {
  /** Server-side `statement_timeout` and `lock_timeout` of every connector session, in milliseconds. */
  statementTimeoutMs?: number;
  /** Time allowed to open a connection, in milliseconds. */
  connectTimeoutMs?: number;
  /**
   * Returns a password known to be valid for a role, so `verify` of `disable_account` can attempt
   * a real login with it. PostgreSQL checks the password before it checks `rolcanlogin`, so a
   * login attempt with a wrong password proves nothing about the role's LOGIN attribute.
   */
  loginProbePassword?: (role: { oid: string; name: string }) => string | undefined;
  logger?: Logger;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
