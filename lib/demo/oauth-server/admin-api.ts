import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Provider } from "oidc-provider";
import type { Logger } from "@/lib/log/logger";
import { z } from "zod";
import { BodyTooLargeError, readBody, sendJson } from "./http-io";
import type { TDemoClient, TDemoResourceServer } from "./options";
import type { DemoStore, RegisteredClient } from "./token-store";
import { opaqueTokenId } from "./token-store";

const MAX_BODY_BYTES = 64 * 1024;
const CLIENT_PATH = /^\/admin\/clients\/([^/]{1,128})(?:\/(disable|enable|tokens))?$/;

const ZMintBody = z
  .object({
    scope: z.string().min(1).max(1024).optional(),
    resource: z.string().min(1).max(2048).optional(),
    count: z.number().int().min(1).max(20).default(1),
  })
  .strict();

const ZRevealBody = z
  .object({
    tokenIds: z.array(z.string().min(1).max(128)).min(1).max(500),
  })
  .strict();

/** An admin API failure with its HTTP status and a stable error code. */
class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AdminHandlerDeps {
  provider: Provider;
  store: DemoStore;
  adminToken: string;
  clients: readonly TDemoClient[];
  resourceServers: readonly TDemoResourceServer[];
  logger: Logger;
}

function clientState(client: RegisteredClient) {
  return {
    clientId: client.metadata.client_id,
    clientName: client.metadata.client_name ?? null,
    enabled: client.enabled,
    grantTypes: client.metadata.grant_types ?? [],
    scope: client.metadata.scope ?? null,
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body.length === 0) return {};
  if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
    throw new AdminError(415, "unsupported_media_type", "request body must be application/json");
  }
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    throw new AdminError(400, "invalid_request", "request body is not valid JSON");
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AdminError(400, "invalid_request", "the client id in the path is not valid percent-encoding");
  }
}

function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
    throw new AdminError(400, "invalid_request", `invalid request body (${issues.join("; ")})`);
  }
  return result.data;
}

/**
 * Serves the token administration API under `/admin`, the back channel Cordon's oauth2
 * connector uses to list tokens and disable clients. Every call needs
 * `Authorization: Bearer <adminToken>`.
 *
 * - `GET  /admin/clients/:id` — client state
 * - `POST /admin/clients/:id/disable`, `POST /admin/clients/:id/enable` — `{ client, changed }`
 * - `POST /admin/clients/:id/tokens` `{ scope?, resource?, count? }` — mints client_credentials tokens
 * - `GET  /admin/tokens?client_id=…|subject=…[&include_revoked=true]` — token records, never values
 * - `POST /admin/tokens/reveal` `{ tokenIds }` — token values, for RFC 7009 revocation and RFC 7662 introspection
 */
export function createAdminHandler(deps: AdminHandlerDeps) {
  const expectedDigest = digest(`Bearer ${deps.adminToken}`);
  const demoClients = new Map(deps.clients.map((client) => [client.clientId, client]));
  const resourceServers = new Map(deps.resourceServers.map((server) => [server.identifier, server]));

  function authenticate(req: IncomingMessage): void {
    const presented = req.headers.authorization ?? "";
    // Digests give both sides the same length, which timingSafeEqual requires.
    if (!timingSafeEqual(digest(presented), expectedDigest)) {
      throw new AdminError(401, "unauthorized", "missing or invalid admin bearer token");
    }
  }

  function requireClient(clientId: string): RegisteredClient {
    const client = deps.store.getClient(clientId);
    if (!client) throw new AdminError(404, "not_found", `client ${clientId} not found`);
    return client;
  }

  function setEnabled(clientId: string, enabled: boolean) {
    const changed = deps.store.setClientEnabled(requireClient(clientId).metadata.client_id, enabled);
    if (changed) deps.logger.info({ clientId }, enabled ? "client enabled" : "client disabled");
    return { client: clientState(requireClient(clientId)), changed };
  }

  async function mintTokens(clientId: string, body: z.output<typeof ZMintBody>) {
    requireClient(clientId);
    const client = await deps.provider.Client.find(clientId);
    if (!client) throw new AdminError(409, "client_disabled", `client ${clientId} is disabled`);
    if (!client.grantTypeAllowed("client_credentials")) {
      throw new AdminError(400, "invalid_request", `client ${clientId} may not use the client_credentials grant`);
    }

    const resource = body.resource ?? demoClients.get(clientId)?.defaultResource;
    const server = resource === undefined ? undefined : resourceServers.get(resource);
    if (resource !== undefined && !server) throw new AdminError(400, "invalid_target", `unknown resource ${resource}`);

    const requested = (body.scope ?? client.scope ?? "").split(" ").filter(Boolean);
    const allowed = new Set((server?.scope ?? client.scope ?? "").split(" "));
    const scope = requested.filter((item) => allowed.has(item)).join(" ") || undefined;

    const tokens = [];
    for (let index = 0; index < body.count; index += 1) {
      const token = new deps.provider.ClientCredentials({ client, scope });
      if (server) {
        token.resourceServer = new deps.provider.ResourceServer(server.identifier, {
          scope: server.scope,
          audience: server.audience ?? server.identifier,
          accessTokenTTL: server.accessTokenTtlSeconds,
          accessTokenFormat: server.accessTokenFormat,
          ...(server.accessTokenFormat === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
        });
      }
      const value = await token.save();
      const format = server?.accessTokenFormat ?? "opaque";
      tokens.push({
        tokenId: format === "jwt" ? token.jti : opaqueTokenId(value),
        format,
        accessToken: value,
        expiresAt: new Date((Math.floor(Date.now() / 1000) + token.expiration) * 1000).toISOString(),
      });
    }
    deps.logger.info({ clientId, count: tokens.length }, "tokens minted through the admin API");
    return { tokens };
  }

  async function route(req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
    const { pathname, searchParams } = url;

    if (pathname === "/admin/tokens" && req.method === "GET") {
      const clientId = searchParams.get("client_id") ?? undefined;
      const subject = searchParams.get("subject") ?? undefined;
      if (clientId === undefined && subject === undefined) {
        throw new AdminError(400, "invalid_request", "set the client_id or subject query parameter");
      }
      const includeRevoked = searchParams.get("include_revoked") === "true";
      return { status: 200, body: { tokens: deps.store.listTokens({ clientId, subject, includeRevoked }) } };
    }

    if (pathname === "/admin/tokens/reveal" && req.method === "POST") {
      const { tokenIds } = parseBody(ZRevealBody, await readJson(req));
      const tokens = deps.store.revealTokens(tokenIds);
      deps.logger.info({ requested: tokenIds.length, revealed: tokens.length }, "token values revealed");
      return { status: 200, body: { tokens } };
    }

    const match = CLIENT_PATH.exec(pathname);
    if (match?.[1]) {
      const clientId = decodePathSegment(match[1]);
      const action = match[2];
      if (action === undefined && req.method === "GET") return { status: 200, body: clientState(requireClient(clientId)) };
      if (action === "disable" && req.method === "POST") return { status: 200, body: setEnabled(clientId, false) };
      if (action === "enable" && req.method === "POST") return { status: 200, body: setEnabled(clientId, true) };
      if (action === "tokens" && req.method === "POST") {
        return { status: 201, body: await mintTokens(clientId, parseBody(ZMintBody, await readJson(req))) };
      }
    }

    throw new AdminError(404, "not_found", `no admin route for ${req.method ?? "?"} ${pathname}`);
  }

  /** Handles one `/admin` request; the caller routes only `/admin` paths here. */
  return async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      authenticate(req);
      const { status, body } = await route(req, url);
      sendJson(res, status, body);
    } catch (error) {
      if (error instanceof AdminError) {
        const headers: Record<string, string> = error.status === 401 ? { "WWW-Authenticate": 'Bearer realm="admin"' } : {};
        if (error.status === 401) deps.logger.warn({ path: url.pathname }, "admin request rejected: invalid bearer token");
        sendJson(res, error.status, { error: error.code, message: error.message }, headers);
      } else if (error instanceof BodyTooLargeError) {
        sendJson(res, 413, { error: "payload_too_large", message: error.message });
      } else {
        deps.logger.error({ err: error, path: url.pathname }, "admin request failed");
        if (!res.headersSent) sendJson(res, 500, { error: "server_error", message: "internal error" });
      }
    }
  };
}
