import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { inject } from "vitest";
import { decodeJwt } from "jose";
import { parseRoleMap, rolesForGroups } from "@/lib/auth/oidc-roles";
import { parseConfig } from "@/lib/config";
import { verifyPassword } from "@/lib/auth/password";
import { verifyWorkloadJwt } from "@/lib/auth/workload-jwt";
import { connectorForDomain, clearConnectorCache } from "@/lib/connectors/registry";
import { resolveRoleIdentity, createPostgresConnector } from "@/lib/connectors/postgresql";
import type { Domain } from "@/lib/db/client";
import { withDatabase } from "@/lib/db/embedded";
import { resolveCredential } from "@/lib/domains/credentials";
import { signInWithAuthorizationCode } from "@/lib/demo/oauth-server/authorization-code-flow";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { DEMO_PEOPLE } from "./demo-accounts-file";
import { DEMO_CONSOLE_SCOPE, DEMO_SSO_NAME, SSO_ONLY_PEOPLE, demoOidcEnvironment, type DemoConsoleSignIn } from "./demo-console-sign-in";
import { DEMO_SECRET_FILES, demoSecretPath, demoSecretsDir } from "./demo-files";
import { DEMO_AUTOMATION_CLIENT, DEMO_DOMAINS, DEMO_OAUTH_CLIENTS } from "./demo-names";
import { requestClientCredentialsToken } from "./soar-http";
import { startDemo, type DemoRuntime } from "./start-demo";
import { DEMO_SCIM_USERS } from "./start-demo-scim";

// An absolute URI, so demo-oauth can use it as the resource indicator itself.
const AUDIENCE = "https://cordon.test/api";
// Only the redirect URI is built from it; nothing listens there, and the code is read from the redirect.
const PUBLIC_URL = "http://127.0.0.1:3999";
const logger = pino({ level: "silent" });

let db: TestDatabase;
let adminUrl: string;
let dataDir: string;
const runtimes: DemoRuntime[] = [];

const OPERATOR_OIDC = {
  issuer: "https://login.example.com",
  clientId: "cordon",
  clientSecret: "operator-secret",
  name: "Okta",
  groupsClaim: "groups",
  roleMap: "sec=approver",
};

async function start(oidc?: typeof OPERATOR_OIDC, dir = dataDir): Promise<DemoRuntime> {
  const runtime = await startDemo({ config: { dataDir: dir, apiAudience: AUDIENCE, publicUrl: PUBLIC_URL, oidc }, adminUrl, db: db.prisma, logger });
  runtimes.push(runtime);
  return runtime;
}

async function stopAll(): Promise<void> {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
  await clearConnectorCache();
}

/** Signs a person in with the console's client at demo-oauth and returns the ID token's claims. */
async function consoleIdTokenClaims(signIn: DemoConsoleSignIn, email: string, password: string): Promise<Record<string, unknown>> {
  const tokens = await signInWithAuthorizationCode({ issuer: signIn.issuer, clientId: signIn.clientId, clientSecret: signIn.clientSecret, redirectUri: signIn.redirectUri, email, password, scope: DEMO_CONSOLE_SCOPE });
  if (!tokens.idToken) throw new Error("the token response has no ID token");
  return decodeJwt(tokens.idToken);
}

function modeOf(stats: { mode: number }): string {
  return (stats.mode & 0o777).toString(8);
}

async function domainNamed(name: string): Promise<Domain> {
  return db.prisma.domain.findUniqueOrThrow({ where: { name } });
}

beforeAll(async () => {
  db = await createTestDatabase();
  // The template URL logs in as the embedded server's superuser, as Cordon's own URL does.
  adminUrl = withDatabase(inject("templateDatabaseUrl"), "postgres");
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-demo-setup-"));
});

afterAll(async () => {
  await stopAll();
  await db?.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe("startDemo", () => {
  let first: DemoRuntime;
  let firstAccounts: string;
  let firstDomains: Domain[];

  test("startDemo starts the demo identity servers", async () => {
    first = await start();
    firstAccounts = await fs.readFile(path.join(dataDir, "demo-accounts.json"), "utf8");
    firstDomains = await db.prisma.domain.findMany({ orderBy: { name: "asc" } });

    const discovery = await fetch(`${first.oauth.server.issuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(first.oauth.server.issuer);

    const scimUser = await fetch(`${first.scim.server.url}/Users/${DEMO_SCIM_USERS.ciDeployer.id}`, { headers: { authorization: `Bearer ${first.scim.bearerToken}` } });
    expect(scimUser.status).toBe(200);
    expect(((await scimUser.json()) as { userName: string }).userName).toBe(DEMO_SCIM_USERS.ciDeployer.userName);

    const connector = createPostgresConnector(first.postgres.settings, { password: first.postgres.connectorPassword }, { logger });
    expect(await resolveRoleIdentity(connector, "ci_deployer")).toMatch(/^\d+$/);
    await connector.close?.();
  });

  test("startDemo listens on loopback addresses only", () => {
    expect(new URL(first.oauth.server.issuer).hostname).toBe("127.0.0.1");
    expect(new URL(first.scim.server.url).hostname).toBe("127.0.0.1");
  });

  test("startDemo registers demo domains", () => {
    expect(firstDomains.map((domain) => [domain.name, domain.kind])).toEqual([
      [DEMO_DOMAINS.oauth, "oauth2"],
      [DEMO_DOMAINS.postgres, "postgresql"],
      [DEMO_DOMAINS.scim, "scim"],
    ]);
    for (const domain of firstDomains) expect(domain.credentialRef.startsWith(`file:${demoSecretsDir(dataDir)}/`)).toBe(true);
    expect(firstDomains[0]!.settings).toMatchObject({ issuer: first.oauth.server.issuer, adminUrl: first.oauth.server.adminUrl, clientId: DEMO_OAUTH_CLIENTS.connector });
    expect(firstDomains[2]!.settings).toMatchObject({ baseUrl: first.scim.server.url });
  });

  test("credential resolver accepts every demo secret file", async () => {
    for (const domain of firstDomains) {
      await expect(resolveCredential(domain.credentialRef)).resolves.toMatch(/\S/);
    }
  });

  test("oauth2 connector plans revoke_token for ci-deployer's live tokens", async () => {
    const connector = await connectorForDomain(await domainNamed(DEMO_DOMAINS.oauth));

    const plan = await connector.plan(
      { id: "00000000-0000-4000-8000-000000000001", kind: "revoke_token", target: { domain: DEMO_DOMAINS.oauth, identity: DEMO_OAUTH_CLIENTS.ciDeployer }, parameters: { tokenHint: "all" } },
      { signal: AbortSignal.timeout(10_000) },
    );

    expect(plan.diff.objects).toHaveLength(3);
    for (const object of plan.diff.objects) {
      // Live long enough that a person reviewing the demo hours after the start still finds them.
      expect(Date.parse(String(object.before.expiresAt))).toBeGreaterThan(Date.now() + 12 * 60 * 60 * 1000);
    }
  });

  test("postgresql connector plans demo role actions", async () => {
    const connector = await connectorForDomain(await domainNamed(DEMO_DOMAINS.postgres));
    const lookup = createPostgresConnector(first.postgres.settings, { password: first.postgres.connectorPassword }, { logger });
    const ciDeployer = await resolveRoleIdentity(lookup, "ci_deployer");
    const svcEtl = await resolveRoleIdentity(lookup, "svc_etl");
    const context = { signal: AbortSignal.timeout(10_000) };

    const disable = await connector.plan({ id: "00000000-0000-4000-8000-000000000002", kind: "disable_account", target: { domain: DEMO_DOMAINS.postgres, identity: ciDeployer }, parameters: { terminateSessions: true } }, context);
    const remove = await connector.plan({ id: "00000000-0000-4000-8000-000000000003", kind: "remove_entitlement", target: { domain: DEMO_DOMAINS.postgres, identity: svcEtl }, parameters: { entitlement: "db_admin" } }, context);

    expect(JSON.stringify(disable.diff)).toContain("ci_deployer");
    expect(JSON.stringify(remove.diff)).toContain("db_admin");
  });

  test("automation token verifies as demo-soar", async () => {
    const client = await db.prisma.workloadClient.findUniqueOrThrow({ where: { name: DEMO_AUTOMATION_CLIENT } });
    const secret = (await fs.readFile(demoSecretPath(dataDir, "automationClientSecret"), "utf8")).trim();

    const token = await requestClientCredentialsToken({ issuer: first.oauth.server.issuer, clientId: DEMO_OAUTH_CLIENTS.automation, clientSecret: secret, resource: first.oauth.apiResource.identifier });
    const verified = await verifyWorkloadJwt(token, { audience: AUDIENCE, issuers: [{ issuer: client.jwtIssuer!, jwksUrl: client.jwksUrl! }] });

    expect(verified.issuer).toBe(client.jwtIssuer);
    expect(verified.subject).toBe(client.jwtSubject);
    expect(client.ownerEmail).toBe(DEMO_PEOPLE[3]!.email);
    expect([...client.allowedDomains].sort()).toEqual([DEMO_DOMAINS.oauth, DEMO_DOMAINS.postgres, DEMO_DOMAINS.scim]);
  });

  test("accounts file is 0600 with working passwords", async () => {
    const file = path.join(dataDir, "demo-accounts.json");
    const accounts = JSON.parse(firstAccounts) as { email: string; password: string; roles: string[]; displayName: string }[];

    expect(modeOf(await fs.stat(file))).toBe("600");
    expect(accounts.map((account) => account.roles)).toEqual([["approver"], ["approver"], ["analyst"], ["admin"]]);
    for (const account of accounts) {
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email: account.email } });
      expect(user.roles).toEqual(account.roles);
      expect(await verifyPassword(user.passwordHash!, account.password)).toBe(true);
    }
  });

  test("secret files are 0600 in a 0700 folder", async () => {
    expect(modeOf(await fs.stat(demoSecretsDir(dataDir)))).toBe("700");
    const names = (await fs.readdir(demoSecretsDir(dataDir))).sort();
    expect(names).toEqual(Object.values(DEMO_SECRET_FILES).sort());
    for (const name of names) expect(modeOf(await fs.stat(path.join(demoSecretsDir(dataDir), name)))).toBe("600");
  });

  test("console sign-in settings point at demo-oauth", async () => {
    const signIn = first.consoleSignIn!;
    const env = demoOidcEnvironment(signIn);
    const secret = (await fs.readFile(demoSecretPath(dataDir, "consoleClientSecret"), "utf8")).trim();

    expect(signIn.issuer).toBe(first.oauth.server.issuer);
    expect(signIn.redirectUri).toBe(`${PUBLIC_URL}/api/auth/callback/oidc`);
    expect(env.CORDON_OIDC_CLIENT_SECRET).toBe(secret);
    expect(parseConfig({ ...env }, dataDir).oidc).toEqual({
      issuer: first.oauth.server.issuer,
      clientId: DEMO_OAUTH_CLIENTS.console,
      clientSecret: secret,
      name: DEMO_SSO_NAME,
      groupsClaim: "groups",
      roleMap: "cordon-approvers=approver,cordon-analysts=analyst,cordon-admins=admin",
    });
  });

  test("console client maps demo accounts to their roles", async () => {
    const signIn = first.consoleSignIn!;
    const roleMap = parseRoleMap(demoOidcEnvironment(signIn).CORDON_OIDC_ROLE_MAP!);

    for (const account of first.accounts.accounts) {
      const claims = await consoleIdTokenClaims(signIn, account.email, account.password);
      expect(claims.email).toBe(account.email);
      expect(claims.name).toBe(account.displayName);
      expect(rolesForGroups(claims.groups, roleMap), account.email).toEqual([...account.roles].sort());
    }
  });

  test("SSO-only people map to no role", async () => {
    const signIn = first.consoleSignIn!;
    const roleMap = parseRoleMap(demoOidcEnvironment(signIn).CORDON_OIDC_ROLE_MAP!);
    const people = JSON.parse(await fs.readFile(demoSecretPath(dataDir, "ssoOnlyPeople"), "utf8")) as { email: string; password: string }[];

    expect(people.map((person) => person.email)).toEqual(SSO_ONLY_PEOPLE.map((person) => person.email));
    for (const person of people) {
      const claims = await consoleIdTokenClaims(signIn, person.email, person.password);
      expect(claims.email).toBe(person.email);
      expect(rolesForGroups(claims.groups, roleMap)).toEqual([]);
      expect(firstAccounts.includes(person.email)).toBe(false);
      expect(await db.prisma.user.findUnique({ where: { email: person.email } })).toBeNull();
    }
  });

  test("ci_deployer logs in with its demo password", async () => {
    const password = (await fs.readFile(demoSecretPath(dataDir, "ciDeployerPassword"), "utf8")).trim();
    const { host, port, database } = first.postgres.settings;
    const client = new pg.Client({ host, port, database, user: "ci_deployer", password });

    await client.connect();
    const { rows } = await client.query<{ user: string }>("SELECT current_user AS user");
    await client.end();

    expect(rows[0]?.user).toBe("ci_deployer");
  });

  test("second start updates domains, keeps accounts", async () => {
    const issuerBefore = first.oauth.server.issuer;
    await stopAll();

    const second = await start();
    const domains = await db.prisma.domain.findMany({ orderBy: { name: "asc" } });
    const client = await db.prisma.workloadClient.findUniqueOrThrow({ where: { name: DEMO_AUTOMATION_CLIENT } });

    expect(second.oauth.server.issuer).not.toBe(issuerBefore);
    expect(domains.map((domain) => domain.id)).toEqual(firstDomains.map((domain) => domain.id));
    expect(domains[0]!.settings).toMatchObject({ issuer: second.oauth.server.issuer, adminUrl: second.oauth.server.adminUrl });
    expect(domains[2]!.settings).toMatchObject({ baseUrl: second.scim.server.url });
    expect(client.jwtIssuer).toBe(second.oauth.server.issuer);
    expect(client.jwksUrl).toBe(second.oauth.server.jwksUri);
    expect(await fs.readFile(path.join(dataDir, "demo-accounts.json"), "utf8")).toBe(firstAccounts);
    expect(second.accounts.created).toBe(false);
    expect(await db.prisma.user.count()).toBe(DEMO_PEOPLE.length);
    expect(await db.prisma.auditEvent.count({ where: { eventType: "domain.updated" } })).toBeGreaterThanOrEqual(2);
  });

  test("secrets are absent from the database", async () => {
    const runtime = runtimes.at(-1)!;
    const secrets = [
      runtime.oauth.secrets.connectorClientSecret,
      runtime.oauth.secrets.adminToken,
      runtime.oauth.secrets.automationClientSecret,
      runtime.scim.bearerToken,
      runtime.postgres.connectorPassword,
      runtime.consoleSignIn!.clientSecret,
      ...runtime.oauth.consoleClient!.ssoOnlyPeople.map((person) => person.password),
      (await fs.readFile(demoSecretPath(dataDir, "ciDeployerPassword"), "utf8")).trim(),
      ...runtime.accounts.accounts.map((account) => account.password),
    ];
    const tables = ["domains", "workload_clients", "users", "audit_events", "api_keys"];

    for (const table of tables) {
      const { rows } = await db.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`);
      const dump = rows.map((row) => row.row).join("\n");
      for (const secret of secrets) expect(dump.includes(secret), `a secret appears in ${table}`).toBe(false);
    }
  });

  test("operator's OIDC issuer leaves demo-oauth without the console client", async () => {
    const previous = runtimes.at(-1)!;
    const consoleSignIn = previous.consoleSignIn!;
    const person = previous.accounts.accounts[0]!;
    await stopAll();

    const runtime = await start(OPERATOR_OIDC);
    const names = await fs.readdir(demoSecretsDir(dataDir));

    expect(runtime.consoleSignIn).toBeNull();
    expect(names).not.toContain(DEMO_SECRET_FILES.consoleClientSecret);
    expect(names).not.toContain(DEMO_SECRET_FILES.ssoOnlyPeople);
    await expect(consoleIdTokenClaims({ ...consoleSignIn, issuer: runtime.oauth.server.issuer }, person.email, person.password)).rejects.toThrow(/expected a redirect/);
  });
});
