import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import type { Config } from "@/lib/config";
import { createPostgresConnector, resolveRoleIdentity } from "@/lib/connectors/postgresql";
import type { Domain, PrismaClient, WorkloadClient } from "@/lib/db/client";
import type { Logger } from "@/lib/log/logger";
import { systemClock, type Clock } from "@/lib/time/clock";
import type { AdminContext } from "@/lib/users/admin-context";
import { DEMO_AUTOMATION_OWNER, type DemoAccounts, loadOrCreateDemoAccounts } from "./demo-accounts-file";
import { consoleRedirectUri, type DemoConsoleSignIn } from "./demo-console-sign-in";
import { demoCredentialRef, demoSecretPath, writePrivateFile } from "./demo-files";
import { DEMO_AUTOMATION_CLIENT, DEMO_DOMAINS, DEMO_INCIDENT_EXTERNAL_ID, DEMO_OAUTH_CLIENTS, DEMO_SETUP_ACTOR } from "./demo-names";
import { ensureDemoPeople } from "./ensure-demo-people";
import { type DemoPostgres, prepareDemoPostgres } from "./prepare-demo-postgres";
import { type DemoAutomationResult, runDemoAutomation } from "./run-demo-automation";
import { type DemoOAuth, mintCiDeployerTokens, startDemoOAuth } from "./start-demo-oauth";
import { DEMO_SCIM_USERS, type DemoScim, startDemoScim } from "./start-demo-scim";
import { upsertDemoClient } from "./upsert-demo-client";
import { upsertDemoDomain } from "./upsert-demo-domain";

export interface StartDemoOptions {
  /** With `oidc` unset, demo-oauth also signs people in to the console at `publicUrl`. */
  config: Pick<Config, "dataDir" | "apiAudience" | "publicUrl" | "oidc">;
  /** A superuser's URL on the PostgreSQL server that gets the demo database (the embedded `cordon` role). */
  adminUrl: string;
  db: PrismaClient;
  logger: Logger;
  clock?: Clock;
}

export interface DemoRuntime {
  accounts: DemoAccounts;
  oauth: DemoOAuth;
  scim: DemoScim;
  postgres: DemoPostgres;
  domains: Domain[];
  automationClient: WorkloadClient;
  /**
   * The console's OIDC client at demo-oauth, or null when the operator configured an issuer.
   * Contains the client secret: pass it to demoOidcEnvironment and never log it.
   */
  consoleSignIn: DemoConsoleSignIn | null;
  /**
   * Runs the demo automation against Cordon's API at `apiUrl` unless INC-2041 already has a
   * proposal waiting for a decision. Returns null when it did not run.
   */
  proposeIfIdle(apiUrl: string): Promise<DemoAutomationResult | null>;
  /**
   * Stops the automation before its next call to Cordon's API and waits until it has stopped.
   * A later proposeIfIdle does not run it again. Call it before the web server it calls stops
   * accepting requests.
   */
  stopAutomation(): Promise<void>;
  /** Stops the automation if it runs, then the demo servers. */
  stop(): Promise<void>;
}

interface DemoServers {
  oauth: DemoOAuth;
  scim: DemoScim;
  postgres: DemoPostgres;
}

async function startServers(options: StartDemoOptions, accounts: DemoAccounts): Promise<DemoServers> {
  const { config, logger } = options;
  // An operator's own issuer keeps signing people in; the demo then registers no console client.
  const oauth = await startDemoOAuth({
    accounts: accounts.accounts,
    apiAudience: config.apiAudience,
    ...(config.oidc ? {} : { consoleRedirectUri: consoleRedirectUri(config.publicUrl) }),
    logger,
  });
  let scim: DemoScim | undefined;
  try {
    scim = await startDemoScim(logger);
    const postgres = await prepareDemoPostgres({ adminUrl: options.adminUrl, dataDir: config.dataDir, logger });
    return { oauth, scim, postgres };
  } catch (error) {
    await Promise.allSettled([oauth.server.close(), scim?.server.close()]);
    throw error;
  }
}

/** Writes this start's connector secrets to the demo-secrets folder, one 0600 file each. */
async function writeSecrets(dataDir: string, servers: DemoServers): Promise<void> {
  const { oauth, scim, postgres } = servers;
  // The oauth2 connector needs two secrets; the credential resolver reads a JSON object as the whole credential.
  const oauthCredential = JSON.stringify({ clientSecret: oauth.secrets.connectorClientSecret, adminToken: oauth.secrets.adminToken });
  await writePrivateFile(demoSecretPath(dataDir, "oauthConnector"), `${oauthCredential}\n`);
  await writePrivateFile(demoSecretPath(dataDir, "automationClientSecret"), `${oauth.secrets.automationClientSecret}\n`);
  await writePrivateFile(demoSecretPath(dataDir, "scimBearerToken"), `${scim.bearerToken}\n`);
  await writePrivateFile(demoSecretPath(dataDir, "postgresConnectorPassword"), `${postgres.connectorPassword}\n`);
  if (oauth.consoleClient) {
    await writePrivateFile(demoSecretPath(dataDir, "consoleClientSecret"), `${oauth.consoleClient.clientSecret}\n`);
    const people = oauth.consoleClient.ssoOnlyPeople.map(({ email, password, displayName, groups }) => ({ email, password, displayName, groups }));
    await writePrivateFile(demoSecretPath(dataDir, "ssoOnlyPeople"), `${JSON.stringify(people, null, 2)}\n`);
  } else {
    // Files of an earlier start would describe a client that demo-oauth no longer has.
    await fs.rm(demoSecretPath(dataDir, "consoleClientSecret"), { force: true });
    await fs.rm(demoSecretPath(dataDir, "ssoOnlyPeople"), { force: true });
  }
}

function consoleSignInOf(oauth: DemoOAuth): DemoConsoleSignIn | null {
  if (!oauth.consoleClient) return null;
  return { issuer: oauth.server.issuer, clientId: DEMO_OAUTH_CLIENTS.console, clientSecret: oauth.consoleClient.clientSecret, redirectUri: oauth.consoleClient.redirectUri };
}

async function registerDomains(context: AdminContext, dataDir: string, servers: DemoServers): Promise<Domain[]> {
  const { oauth, scim, postgres } = servers;
  return [
    await upsertDemoDomain(context, {
      name: DEMO_DOMAINS.oauth,
      kind: "oauth2",
      settings: { issuer: oauth.server.issuer, clientId: DEMO_OAUTH_CLIENTS.connector, adminUrl: oauth.server.adminUrl },
      credentialRef: demoCredentialRef(dataDir, "oauthConnector"),
    }),
    await upsertDemoDomain(context, {
      name: DEMO_DOMAINS.scim,
      kind: "scim",
      settings: { baseUrl: scim.server.url },
      credentialRef: demoCredentialRef(dataDir, "scimBearerToken"),
    }),
    await upsertDemoDomain(context, {
      name: DEMO_DOMAINS.postgres,
      kind: "postgresql",
      settings: { ...postgres.settings },
      credentialRef: demoCredentialRef(dataDir, "postgresConnectorPassword"),
    }),
  ];
}

/** Returns whether INC-2041 has an action that still waits for a decision. */
async function hasOpenProposals(db: PrismaClient): Promise<boolean> {
  const client = await db.workloadClient.findUnique({ where: { name: DEMO_AUTOMATION_CLIENT }, select: { id: true } });
  if (!client) return false;
  const incident = await db.incident.findUnique({ where: { createdByClientId_externalId: { createdByClientId: client.id, externalId: DEMO_INCIDENT_EXTERNAL_ID } }, select: { id: true } });
  if (!incident) return false;
  const open = await db.action.count({ where: { incidentId: incident.id, state: { in: ["proposed", "pending"] } } });
  return open > 0;
}

/** Looks the proposals' PostgreSQL targets up the way the connector names them: by role OID. */
async function resolvePostgresTargets(postgres: DemoPostgres, logger: Logger) {
  const connector = createPostgresConnector(postgres.settings, { password: postgres.connectorPassword }, { logger });
  try {
    return {
      ciDeployerRoleOid: await resolveRoleIdentity(connector, "ci_deployer"),
      svcEtlRoleOid: await resolveRoleIdentity(connector, "svc_etl"),
    };
  } finally {
    await connector.close?.();
  }
}

/**
 * Starts the demo. It starts demo-oauth and demo-scim on free loopback ports, prepares the
 * demo-postgres database and writes the connector secrets to `<dataDir>/demo-secrets/`. Unless
 * an OIDC issuer is configured, demo-oauth also gets the console as a client, and
 * `consoleSignIn` returns what the console needs to sign people in there. It
 * creates the demo people on first start. It registers the three demo domains and the demo
 * automation client, or points them at this start's ports. Call it after migrations and before
 * the web server serves requests, and call `proposeIfIdle` once the server listens.
 */
export async function startDemo(options: StartDemoOptions): Promise<DemoRuntime> {
  const { config, db } = options;
  const logger = options.logger.child({ component: "demo" });
  const accounts = await loadOrCreateDemoAccounts(config.dataDir, logger);
  const servers = await startServers({ ...options, logger }, accounts);
  const stopServers = async () => {
    await Promise.allSettled([servers.oauth.server.close(), servers.scim.server.close()]);
  };

  let domains: Domain[];
  let automationClient: WorkloadClient;
  try {
    const minted = await mintCiDeployerTokens(servers.oauth);
    logger.info({ client: DEMO_OAUTH_CLIENTS.ciDeployer, tokens: minted }, "demo tokens minted");
    await writeSecrets(config.dataDir, servers);

    const context: AdminContext = { db, clock: options.clock ?? systemClock, actor: DEMO_SETUP_ACTOR, requestId: randomUUID(), logger };
    await ensureDemoPeople(context, accounts);
    domains = await registerDomains(context, config.dataDir, servers);
    automationClient = await upsertDemoClient(context, {
      ownerEmail: DEMO_AUTOMATION_OWNER.email,
      jwtIssuer: servers.oauth.server.issuer,
      jwksUrl: servers.oauth.server.jwksUri,
      jwtSubject: DEMO_OAUTH_CLIENTS.automation,
    });
  } catch (error) {
    await stopServers();
    throw error;
  }

  const aborter = new AbortController();
  let running: Promise<unknown> = Promise.resolve();

  async function proposeIfIdle(apiUrl: string): Promise<DemoAutomationResult | null> {
    if (aborter.signal.aborted) return null;
    if (await hasOpenProposals(db)) {
      logger.info({ incident: DEMO_INCIDENT_EXTERNAL_ID }, "demo incident has open proposals; the demo automation does not propose again");
      return null;
    }
    const run = (async () => {
      const targets = await resolvePostgresTargets(servers.postgres, logger);
      return runDemoAutomation({
        apiUrl,
        client: {
          issuer: servers.oauth.server.issuer,
          clientId: DEMO_OAUTH_CLIENTS.automation,
          clientSecret: servers.oauth.secrets.automationClientSecret,
          resource: servers.oauth.apiResource.identifier,
        },
        targets,
        scimCiDeployer: DEMO_SCIM_USERS.ciDeployer,
        logger,
        signal: aborter.signal,
      });
    })();
    running = run.catch(() => undefined);
    return run;
  }

  async function stopAutomation(): Promise<void> {
    aborter.abort();
    await running;
  }

  return {
    accounts,
    ...servers,
    domains,
    automationClient,
    consoleSignIn: consoleSignInOf(servers.oauth),
    proposeIfIdle,
    stopAutomation,
    async stop() {
      await stopAutomation();
      await stopServers();
      logger.info("demo stopped");
    },
  };
}
