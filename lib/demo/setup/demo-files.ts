import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/** Folder under the data dir that contains the demo connectors' secrets, one file per secret. */
export const DEMO_SECRETS_DIR = "demo-secrets";

/**
 * Names of the secret files in DEMO_SECRETS_DIR. The domains reference them as `file:<path>`,
 * so the secrets themselves never reach the database.
 */
export const DEMO_SECRET_FILES = {
  /** JSON `{ clientSecret, adminToken }` of Cordon's client at demo-oauth, as the oauth2 connector reads it. */
  oauthConnector: "oauth-connector.json",
  /** Client secret of the demo automation client `demo-soar` at demo-oauth. */
  automationClientSecret: "demo-soar-client-secret",
  /** Bearer token of the demo SCIM tenant. */
  scimBearerToken: "scim-bearer-token",
  /** Password of the PostgreSQL connector role. */
  postgresConnectorPassword: "postgres-connector-password",
  /** Login password of the demo service role ci_deployer, so a person can watch disable_account stop its logins. */
  ciDeployerPassword: "postgres-ci_deployer-password",
  /** Client secret of the console's OIDC client `cordon-console` at demo-oauth; written only when the demo signs people in. */
  consoleClientSecret: "cordon-console-client-secret",
  /** JSON list of the demo-oauth persons who have no Cordon account, with their passwords; written with the console client. */
  ssoOnlyPeople: "sso-only-people.json",
} as const;

export type DemoSecretName = keyof typeof DEMO_SECRET_FILES;

export function demoSecretsDir(dataDir: string): string {
  return path.join(dataDir, DEMO_SECRETS_DIR);
}

export function demoSecretPath(dataDir: string, name: DemoSecretName): string {
  return path.join(demoSecretsDir(dataDir), DEMO_SECRET_FILES[name]);
}

/** Returns the credential reference a domain stores for a demo secret file. */
export function demoCredentialRef(dataDir: string, name: DemoSecretName): string {
  return `file:${demoSecretPath(dataDir, name)}`;
}

/**
 * Writes a file readable by its owner only (0600), in a folder created 0700. The content goes
 * to a new file that is renamed over the old one, so a reader never sees a partial secret and
 * an old file with a wider mode is replaced rather than kept.
 */
export async function writePrivateFile(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);

  const scratch = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await fs.writeFile(scratch, content, { mode: 0o600, flag: "wx" });
    await fs.rename(scratch, file);
  } catch (error) {
    await fs.rm(scratch, { force: true });
    throw error;
  }
}

/** Reads a file written by writePrivateFile; returns null when it does not exist. */
export async function readPrivateFile(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Generates a random secret of 32 bytes, base64url-encoded (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}
