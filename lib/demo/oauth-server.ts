import { generateKeyPair, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { Provider } from "oidc-provider";
import type { ClientMetadata } from "oidc-provider";
import { type Logger, logger as rootLogger } from "@/lib/log/logger";
import { createAdminHandler } from "./oauth-server/admin-api";
import { sendJson } from "./oauth-server/http-io";
import { createInteractionHandler } from "./oauth-server/interactions";
import {
  type DemoClient,
  type DemoPerson,
  type DemoResourceServer,
  type TDemoClient,
  type TOAuthServerOptions,
  ZOAuthServerOptions,
} from "./oauth-server/options";
import { buildProviderConfiguration } from "./oauth-server/provider-config";
import { DemoStore } from "./oauth-server/token-store";

export type { DemoClient, DemoPerson, DemoResourceServer };
export type { TokenRecord } from "./oauth-server/token-store";

export interface OAuthServerOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free port. */
  port?: number;
  issuerHost?: "127.0.0.1";
  clients: DemoClient[];
  persons?: DemoPerson[];
  /** Resource servers clients may name with `resource` (RFC 8707); each sets the token format for its audience. */
  resourceServers?: DemoResourceServer[];
  /** Bearer token that protects the `/admin` API. */
  adminToken: string;
  logger?: Logger;
}

export interface OAuthServer {
  /** The issuer identifier, `http://127.0.0.1:<port>`. */
  issuer: string;
  /** Base URL of the server; equal to the issuer. */
  url: string;
  jwksUri: string;
  /** Base URL of the token administration API. */
  adminUrl: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const generateKeyPairAsync = promisify(generateKeyPair);

async function createSigningKey(): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPairAsync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };
}

function clientMetadata(client: TDemoClient): ClientMetadata {
  const isPublic = client.clientSecret === undefined;
  return {
    client_id: client.clientId,
    ...(isPublic ? {} : { client_secret: client.clientSecret }),
    ...(client.clientName === undefined ? {} : { client_name: client.clientName }),
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes("authorization_code") ? ["code"] : [],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    token_endpoint_auth_method: isPublic ? "none" : "client_secret_basic",
    ...(client.scope === undefined ? {} : { scope: client.scope }),
  };
}

interface RequestHandlerInput {
  parsed: TOAuthServerOptions;
  store: DemoStore;
  issuer: string;
  logger: Logger;
}

/**
 * Builds the oidc-provider instance and returns the request handler that routes `/admin` and
 * `/interaction` paths to the demo's own handlers and everything else to oidc-provider.
 */
async function createRequestHandler(input: RequestHandlerInput): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const { parsed, store, issuer, logger } = input;
  const configuration = buildProviderConfiguration({
    options: parsed,
    store,
    signingKey: await createSigningKey(),
    cookieKey: randomBytes(32).toString("base64url"),
  });
  const provider = new Provider(issuer, configuration);
  provider.on("server_error", (_ctx: unknown, error: unknown) => logger.error({ err: error }, "authorization server error"));

  // oidc-provider validates client metadata on first use; loading every client now reports invalid metadata at start.
  for (const client of parsed.clients) {
    try {
      await provider.Client.find(client.clientId);
    } catch (error) {
      const description = (error as { error_description?: unknown }).error_description;
      throw new Error(`invalid metadata for client ${client.clientId}: ${String(description ?? error)}`, { cause: error });
    }
  }

  const providerCallback = provider.callback();
  const handleAdmin = createAdminHandler({
    provider,
    store,
    adminToken: parsed.adminToken,
    clients: parsed.clients,
    resourceServers: parsed.resourceServers,
    logger,
  });
  const handleInteraction = createInteractionHandler({ provider, persons: parsed.persons, logger });

  return (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const dispatch = async (): Promise<void> => {
      if (url.pathname === "/admin" || url.pathname.startsWith("/admin/")) await handleAdmin(req, res, url);
      else if (!(await handleInteraction(req, res, url.pathname))) await providerCallback(req, res);
    };
    dispatch().catch((error: unknown) => {
      logger.error({ err: error, path: url.pathname }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "server_error", message: "internal error" });
    });
  };
}

/**
 * Starts an OAuth 2.0 / OpenID Connect authorization server (oidc-provider) on 127.0.0.1 for
 * tests and the demo. It issues client_credentials tokens (opaque, or JWTs for resource
 * servers configured with `accessTokenFormat: "jwt"`), supports authorization code with PKCE
 * for the demo persons, RFC 7662 introspection, RFC 7009 revocation, refresh tokens, and a
 * token administration API under `/admin`. All state is in memory.
 */
export async function startOAuthServer(options: OAuthServerOptions): Promise<OAuthServer> {
  const { logger: givenLogger, ...rest } = options;
  const parsed = ZOAuthServerOptions.parse(rest);
  const logger = (givenLogger ?? rootLogger).child({ component: "demo-oauth-server" });

  const store = new DemoStore();
  for (const client of parsed.clients) store.registerClient(clientMetadata(client));

  let handleRequest: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    res.setHeader("X-Request-Id", randomUUID());
    if (handleRequest) handleRequest(req, res);
    else sendJson(res, 503, { error: "temporarily_unavailable", message: "server is starting" });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(parsed.port, parsed.issuerHost, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const close = async (): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  };

  // The issuer must contain the port, which is known only once the socket listens.
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${parsed.issuerHost}:${port}`;
  try {
    handleRequest = await createRequestHandler({ parsed, store, issuer, logger });
  } catch (error) {
    await close();
    throw error;
  }
  logger.info({ issuer }, "demo authorization server started");

  return {
    issuer,
    url: issuer,
    jwksUri: `${issuer}/jwks`,
    adminUrl: `${issuer}/admin`,
    close: async () => {
      await close();
      logger.info({ issuer }, "demo authorization server stopped");
    },
  };
}
