import pg from "pg";
import { toConnectorError } from "./errors";
import { clientConfig, type SessionTarget } from "./session";

/**
 * - `accepted`: the password was right and the role may log in.
 * - `not_permitted`: the password was right but the role has NOLOGIN.
 * - `password_rejected`: authentication failed. That proves nothing about LOGIN, because
 *   PostgreSQL authenticates before it checks `rolcanlogin`.
 */
export type LoginProbeResult = "accepted" | "not_permitted" | "password_rejected";

const INVALID_PASSWORD = "28P01";
const INVALID_AUTHORIZATION = "28000";
const INSUFFICIENT_PRIVILEGE = "42501";

/**
 * Attempts a real login as `roleName` to the domain's database and closes it at once. The
 * server raises 28000 from InitializeSessionUserId for a NOLOGIN role only after it accepted
 * the password (checked on PostgreSQL 18.4). The message text is the fallback for servers
 * that do not report the routine.
 */
export async function attemptLogin(target: SessionTarget, roleName: string, password: string): Promise<LoginProbeResult> {
  const client = new pg.Client(clientConfig(target, roleName, password, "cordon:login-probe"));
  client.on("error", () => undefined);
  try {
    await client.connect();
    return "accepted";
  } catch (error) {
    const { code, routine, message } = error as { code?: string; routine?: string; message?: string };
    if (code === INVALID_PASSWORD) return "password_rejected";
    if (code === INVALID_AUTHORIZATION && (routine === "InitializeSessionUserId" || /not permitted to log in/.test(message ?? ""))) {
      return "not_permitted";
    }
    // The database's CONNECT privilege is checked after LOGIN, so this role got past both checks that matter here.
    if (code === INSUFFICIENT_PRIVILEGE && routine === "CheckMyDatabase") return "accepted";
    throw toConnectorError(error, "login probe", [password, target.credentials.password]);
  } finally {
    await client.end().catch(() => undefined);
  }
}
