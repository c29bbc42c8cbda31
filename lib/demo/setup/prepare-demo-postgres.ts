import pg from "pg";
import type { TPostgresDomainSettings } from "@/lib/connectors/postgresql/settings";
import { setupDemoPostgresDomain } from "@/lib/demo/postgres-domain";
import type { Logger } from "@/lib/log/logger";
import { demoSecretPath, generateSecret, readPrivateFile, writePrivateFile } from "./demo-files";

/** The demo service role whose login the demo incident's disable_account action stops. */
export const CI_DEPLOYER_ROLE = "ci_deployer";

export interface DemoPostgres {
  settings: TPostgresDomainSettings;
  /** Password of the connector role, new on every start. */
  connectorPassword: string;
}

/**
 * Gives ci_deployer a login password kept in the demo-secrets folder, so a person (and the
 * end-to-end test) can log in as it before the demo's disable_account and watch the login fail
 * after. The password is set only when the file is new or the role has none, because setting it
 * on every start would undo a rotate_credential done in the demo.
 */
async function ensureCiDeployerPassword(adminUrl: string, dataDir: string, logger: Logger): Promise<void> {
  const file = demoSecretPath(dataDir, "ciDeployerPassword");
  const stored = (await readPrivateFile(file))?.trim() || null;

  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ hasPassword: boolean }>('SELECT rolpassword IS NOT NULL AS "hasPassword" FROM pg_authid WHERE rolname = $1', [CI_DEPLOYER_ROLE]);
    if (stored !== null && rows[0]?.hasPassword) return;

    const password = stored ?? generateSecret();
    if (stored === null) await writePrivateFile(file, `${password}\n`);
    await client.query(`ALTER ROLE ${pg.escapeIdentifier(CI_DEPLOYER_ROLE)} PASSWORD ${client.escapeLiteral(password)}`);
    logger.info({ role: CI_DEPLOYER_ROLE }, "demo role given its login password from the demo-secrets folder");
  } finally {
    await client.end();
  }
}

/**
 * Prepares the demo PostgreSQL domain on the server behind `adminUrl`, which must be a
 * superuser's URL (the embedded PostgreSQL's `cordon` role is one): the demo database and roles
 * from setupDemoPostgresDomain, a new connector password, and ci_deployer's login password.
 */
export async function prepareDemoPostgres(options: { adminUrl: string; dataDir: string; logger: Logger }): Promise<DemoPostgres> {
  const { settings, password } = await setupDemoPostgresDomain({ adminUrl: options.adminUrl, logger: options.logger });
  await ensureCiDeployerPassword(options.adminUrl, options.dataDir, options.logger);
  return { settings, connectorPassword: password };
}
