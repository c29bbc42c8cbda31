import { errors } from "oidc-provider";
import type { BaseToken, Client, Configuration, Grant, KoaContext, ResourceServerInfo } from "oidc-provider";
import { escapeHtml, htmlPage } from "./http-io";
import type { TDemoClient, TDemoPerson, TOAuthServerOptions } from "./options";
import type { DemoStore } from "./token-store";

/** Lifetimes in seconds of the artifacts the demo server issues. */
const TTL_SECONDS = {
  accessToken: 60 * 60,
  clientCredentials: 10 * 60,
  authorizationCode: 60,
  idToken: 60 * 60,
  refreshToken: 24 * 60 * 60,
  interaction: 10 * 60,
  session: 24 * 60 * 60,
  grant: 24 * 60 * 60,
} as const;

export interface ProviderConfigurationInput {
  options: TOAuthServerOptions;
  store: DemoStore;
  signingKey: Record<string, unknown>;
  cookieKey: string;
}

function setHtml(ctx: KoaContext, title: string, body: string): void {
  ctx.type = "html";
  ctx.body = htmlPage(title, body);
}

function personClaims(person: TDemoPerson, subject: string): Record<string, unknown> {
  return { sub: subject, email: person.email, email_verified: true, name: person.name, groups: person.groups };
}

/**
 * Grants what a first-party demo client requests without a consent screen, so sign-in is one
 * form. A production authorization server would ask the person for consent instead.
 */
async function loadOrCreateGrant(ctx: KoaContext): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const client = oidc.client;
  const accountId = oidc.session?.accountId;
  if (!client || accountId === undefined) return undefined;

  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(client.clientId);
  const existing = grantId === undefined ? undefined : await oidc.provider.Grant.find(grantId);
  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId });

  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(" "));
  grant.addOIDCClaims([...oidc.requestParamClaims]);
  for (const [identifier, resourceServer] of Object.entries(oidc.resourceServers)) {
    const requested = resourceServer.scope.split(" ").filter((scope) => oidc.requestParamScopes.has(scope));
    if (requested.length > 0) grant.addResourceScope(identifier, requested.join(" "));
  }
  await grant.save();
  return grant;
}

function collectScopes(options: TOAuthServerOptions): string[] {
  const scopes = new Set(["openid", "offline_access", "email", "profile", "groups"]);
  for (const client of options.clients) client.scope?.split(" ").forEach((scope) => scopes.add(scope));
  for (const server of options.resourceServers) server.scope.split(" ").forEach((scope) => scopes.add(scope));
  return [...scopes];
}

/** Builds the oidc-provider configuration for the demo authorization server. */
export function buildProviderConfiguration(input: ProviderConfigurationInput): Configuration {
  const { options, store } = input;
  const clientsById = new Map<string, TDemoClient>(options.clients.map((client) => [client.clientId, client]));
  const personsBySubject = new Map<string, TDemoPerson>(
    options.persons.map((person) => [person.subject ?? person.email, person]),
  );
  const resourceServers = new Map(options.resourceServers.map((server) => [server.identifier, server]));

  const managesAllTokens = (client: Client): boolean => clientsById.get(client.clientId)?.manageAllTokens === true;

  return {
    adapter: (model) => store.adapterFor(model),
    jwks: { keys: [input.signingKey] },
    cookies: { keys: [input.cookieKey] },
    scopes: collectScopes(options),
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    // Put the scope-requested claims (email, groups) into the ID token, where next-auth reads them.
    conformIdTokenClaims: false,
    clientBasedCORS: () => false,
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: loadOrCreateGrant,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),

    findAccount: async (_ctx, subject) => {
      const person = personsBySubject.get(subject);
      if (!person) return undefined;
      return { accountId: subject, claims: () => personClaims(person, subject) };
    },

    formats: {
      customizers: {
        // oidc-provider does not store JWT access tokens; record them so the admin API can list them.
        jwt: async (_ctx, token, jwt) => {
          store.recordJwtAccessToken(token.kind, jwt.payload);
        },
      },
    },

    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? TTL_SECONDS.accessToken,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? TTL_SECONDS.clientCredentials,
      AuthorizationCode: TTL_SECONDS.authorizationCode,
      IdToken: TTL_SECONDS.idToken,
      RefreshToken: TTL_SECONDS.refreshToken,
      Interaction: TTL_SECONDS.interaction,
      Session: TTL_SECONDS.session,
      Grant: TTL_SECONDS.grant,
    },

    renderError: async (ctx, output) => {
      const lines = Object.entries(output)
        .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
        .join("\n");
      setHtml(ctx, "Sign-in error", `<h1>Sign-in error</h1>\n${lines}`);
    },

    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },

      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, caller, token: BaseToken) => {
          // A disabled client's tokens are not honoured, so RFC 7662 reports them inactive.
          if (!store.isClientEnabled(token.clientId)) return false;
          return caller.clientId === token.clientId || managesAllTokens(caller);
        },
      },

      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, caller, token: BaseToken) => {
          if (caller.clientId === token.clientId || managesAllTokens(caller)) return true;
          throw new errors.InvalidRequest("client is not authorized to revoke the presented token");
        },
      },

      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => {
          if (oneOf !== undefined) return oneOf;
          if (ctx.oidc.route !== "token" || ctx.oidc.params?.grant_type !== "client_credentials") return undefined;
          return clientsById.get(client.clientId)?.defaultResource;
        },
        getResourceServerInfo: async (_ctx, identifier): Promise<ResourceServerInfo> => {
          const server = resourceServers.get(identifier);
          if (!server) throw new errors.InvalidTarget("the resource indicator names no resource server of this issuer");
          return {
            scope: server.scope,
            audience: server.audience ?? server.identifier,
            accessTokenTTL: server.accessTokenTtlSeconds,
            accessTokenFormat: server.accessTokenFormat,
            ...(server.accessTokenFormat === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
          };
        },
        useGrantedResource: async () => false,
      },

      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          setHtml(
            ctx,
            "Sign out",
            `<h1>Sign out</h1>\n${form}\n<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>\n<button type="submit" form="op.logoutForm">Stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          setHtml(ctx, "Signed out", "<h1>Signed out</h1>\n<p>You are signed out of the demo identity provider.</p>");
        },
      },
    },
  };
}
