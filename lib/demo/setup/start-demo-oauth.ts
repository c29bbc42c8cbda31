import { type DemoClient, type DemoPerson, type DemoResourceServer, type OAuthServer, startOAuthServer } from "@/lib/demo/oauth-server";
import type { Logger } from "@/lib/log/logger";
import { DEMO_CONSOLE_SCOPE, DEMO_ROLE_GROUPS, SSO_ONLY_PEOPLE, type SsoOnlyPersonSpec } from "./demo-console-sign-in";
import type { DemoAccount } from "./demo-accounts-file";
import { generateSecret } from "./demo-files";
import { DEMO_OAUTH_CLIENTS } from "./demo-names";

/** Scope of Cordon's API at demo-oauth; Cordon itself checks only the audience. */
export const DEMO_API_SCOPE = "cordon:actions";

/** Number of live tokens ci-deployer has at each start. */
export const CI_DEPLOYER_TOKEN_COUNT = 3;

/**
 * The API ci-deployer's tokens are for. A client_credentials token without a resource expires
 * after 10 minutes at the demo server. Tokens for this API live 24 hours, the longest the demo
 * server allows, so they are still live when a person reviews the demo long after the start.
 */
const DEPLOY_API: DemoResourceServer = {
  identifier: "https://deploy.example.com/api",
  scope: "deploy:write",
  accessTokenFormat: "opaque",
  accessTokenTtlSeconds: 24 * 60 * 60,
};

/** Resource indicator used when Cordon's audience is not an absolute URI, which RFC 8707 requires. */
const FALLBACK_API_RESOURCE = "urn:cordon:api";

export interface DemoApiResource {
  /** The RFC 8707 resource indicator the automation requests its token for. */
  identifier: string;
  /** The `aud` of the issued token when it differs from the identifier. */
  audience?: string;
}

/**
 * Returns the resource indicator under which demo-oauth issues JWTs for Cordon's API. An
 * audience that is an absolute URI is the indicator itself. RFC 8707 requires an absolute URI,
 * so any other audience (the default is `cordon`) gets a separate indicator and is set as the
 * token audience explicitly.
 */
export function demoApiResource(apiAudience: string): DemoApiResource {
  if (URL.canParse(apiAudience) && !apiAudience.includes("#")) return { identifier: apiAudience };
  return { identifier: FALLBACK_API_RESOURCE, audience: apiAudience };
}

/** A demo-oauth person without a Cordon account, with this start's password. */
export interface SsoOnlyPerson extends SsoOnlyPersonSpec {
  password: string;
}

/** The console's OIDC client at demo-oauth, registered when the demo signs people in to the console. */
export interface DemoConsoleClient {
  redirectUri: string;
  clientSecret: string;
  /** Persons who can sign in at demo-oauth but have no Cordon account. */
  ssoOnlyPeople: SsoOnlyPerson[];
}

export interface DemoOAuth {
  server: OAuthServer;
  apiResource: DemoApiResource;
  /** Secrets generated for this start; they live only in memory and in the demo-secrets files. */
  secrets: { connectorClientSecret: string; adminToken: string; automationClientSecret: string };
  /** Null when the console signs people in through another issuer. */
  consoleClient: DemoConsoleClient | null;
}

export interface StartDemoOAuthOptions {
  accounts: readonly DemoAccount[];
  apiAudience: string;
  /** Registers the console's OIDC client with this redirect URI; omitted when another issuer is configured. */
  consoleRedirectUri?: string;
  logger: Logger;
}

/** Returns the demo-oauth persons: the demo accounts with their local passwords and a group per role, then the SSO-only people. */
function demoPersons(accounts: readonly DemoAccount[], ssoOnlyPeople: readonly SsoOnlyPerson[]): DemoPerson[] {
  const people: DemoPerson[] = accounts.map((account) => ({
    email: account.email,
    password: account.password,
    name: account.displayName,
    groups: account.roles.map((role) => DEMO_ROLE_GROUPS[role]),
  }));
  for (const person of ssoOnlyPeople) people.push({ email: person.email, password: person.password, name: person.displayName, groups: person.groups });
  return people;
}

function consoleClientFor(redirectUri: string | undefined): DemoConsoleClient | null {
  if (redirectUri === undefined) return null;
  return { redirectUri, clientSecret: generateSecret(), ssoOnlyPeople: SSO_ONLY_PEOPLE.map((spec) => ({ ...spec, groups: [...spec.groups], password: generateSecret() })) };
}

/** Cordon's console as a confidential client: authorization code with PKCE, which demo-oauth requires of every client. */
function consoleClientMetadata(client: DemoConsoleClient): DemoClient {
  return {
    clientId: DEMO_OAUTH_CLIENTS.console,
    clientSecret: client.clientSecret,
    clientName: "Cordon console",
    grantTypes: ["authorization_code"],
    redirectUris: [client.redirectUri],
    scope: DEMO_CONSOLE_SCOPE,
  };
}

/**
 * Starts the demo authorization server with the demo people as persons for OIDC sign-in. Its
 * clients are ci-deployer, whose tokens leak in the demo incident, Cordon's connector, which may
 * introspect and revoke any client's tokens, and the demo automation, whose client_credentials
 * tokens are JWTs for Cordon's API. With `consoleRedirectUri` it also registers Cordon's console.
 * The secrets are new on every start, because the server keeps its state in memory.
 */
export async function startDemoOAuth(options: StartDemoOAuthOptions): Promise<DemoOAuth> {
  const consoleClient = consoleClientFor(options.consoleRedirectUri);
  const secrets = { connectorClientSecret: generateSecret(), adminToken: generateSecret(), automationClientSecret: generateSecret() };
  const apiResource = demoApiResource(options.apiAudience);
  // NOTE: `audience` is set only when Cordon's audience is not an absolute URI, and the demo
  // authorization server must support that option to issue such tokens.
  const resourceServer: DemoResourceServer & { audience?: string } = {
    identifier: apiResource.identifier,
    ...(apiResource.audience === undefined ? {} : { audience: apiResource.audience }),
    scope: DEMO_API_SCOPE,
    accessTokenFormat: "jwt",
    accessTokenTtlSeconds: 600,
  };

  const server = await startOAuthServer({
    clients: [
      {
        clientId: DEMO_OAUTH_CLIENTS.ciDeployer,
        clientSecret: generateSecret(),
        clientName: "CI deployer",
        grantTypes: ["client_credentials"],
        scope: DEPLOY_API.scope,
        defaultResource: DEPLOY_API.identifier,
      },
      { clientId: DEMO_OAUTH_CLIENTS.connector, clientSecret: secrets.connectorClientSecret, clientName: "Cordon connector", grantTypes: ["client_credentials"], manageAllTokens: true },
      {
        clientId: DEMO_OAUTH_CLIENTS.automation,
        clientSecret: secrets.automationClientSecret,
        clientName: "Demo SOAR",
        grantTypes: ["client_credentials"],
        scope: DEMO_API_SCOPE,
        defaultResource: apiResource.identifier,
      },
      ...(consoleClient ? [consoleClientMetadata(consoleClient)] : []),
    ],
    persons: demoPersons(options.accounts, consoleClient?.ssoOnlyPeople ?? []),
    resourceServers: [resourceServer, DEPLOY_API],
    adminToken: secrets.adminToken,
    logger: options.logger,
  });
  return { server, apiResource, secrets, consoleClient };
}

/**
 * Mints live client_credentials tokens for ci-deployer through the admin API, so the demo
 * incident's revoke_token action has tokens to revoke.
 */
export async function mintCiDeployerTokens(oauth: DemoOAuth, signal?: AbortSignal): Promise<number> {
  const response = await fetch(`${oauth.server.adminUrl}/clients/${encodeURIComponent(DEMO_OAUTH_CLIENTS.ciDeployer)}/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${oauth.secrets.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ count: CI_DEPLOYER_TOKEN_COUNT }),
    signal,
  });
  if (response.status !== 201) throw new Error(`minting ci-deployer tokens failed with HTTP ${response.status}`);
  // The body carries the token values; only their number is read, so no value reaches a log.
  const body = (await response.json()) as { tokens?: unknown[] };
  return body.tokens?.length ?? 0;
}
