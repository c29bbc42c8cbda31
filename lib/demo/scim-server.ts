import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import pino, { type Logger } from "pino";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";
import { z } from "zod";

/**
 * A SCIM 2.0 service provider (RFC 7643, RFC 7644) for tests and the demo: scimmy 1.3.5 resources
 * served by scimmy-routers 1.3.2 on express 5, with an in-memory store per server instance.
 */

export const SCIM_BASE_PATH = "/scim/v2";
export const SCIM_REQUEST_ID_HEADER = "x-request-id";

const ZSeedId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._~:@-]+$/, "must contain only URL-safe characters")
  .refine((id) => id !== "." && id !== "..", "must not be a dot segment");

export const ZScimSeedUser = z
  .object({
    id: ZSeedId.optional(),
    userName: z.string().min(1).max(256),
    displayName: z.string().min(1).max(256).optional(),
    active: z.boolean().default(true),
  })
  .strict();

export const ZScimSeedGroup = z
  .object({
    id: ZSeedId.optional(),
    displayName: z.string().min(1).max(256),
    /** SCIM ids of seeded users. */
    members: z.array(ZSeedId).max(10_000).default([]),
  })
  .strict();

export const ZScimSeed = z
  .object({
    users: z.array(ZScimSeedUser).max(10_000).default([]),
    groups: z.array(ZScimSeedGroup).max(10_000).default([]),
  })
  .strict();
export type TScimSeed = z.input<typeof ZScimSeed>;

export interface ScimServerOptions {
  /** TCP port on 127.0.0.1; 0 or absent picks a free port. */
  port?: number;
  /** The only bearer token the server accepts. At least 16 characters, which rules out short guessable tokens. */
  bearerToken: string;
  seed?: TScimSeed;
  logger?: Logger;
}

export interface ScimServer {
  /** Base URL of the SCIM endpoints, e.g. `http://127.0.0.1:41234/scim/v2`. */
  url: string;
  close(): Promise<void>;
}

interface StoredUser {
  id: string;
  userName: string;
  displayName?: string;
  active?: boolean;
  externalId?: string;
  created: Date;
  lastModified: Date;
  version: number;
}

interface StoredGroup {
  id: string;
  displayName: string;
  externalId?: string;
  memberIds: string[];
  created: Date;
  lastModified: Date;
  version: number;
}

interface ScimStore {
  users: Map<string, StoredUser>;
  groups: Map<string, StoredGroup>;
}

/** Per-request context that scimmy-routers passes to the resource handlers. */
interface HandlerContext {
  store: ScimStore;
  /** The request's If-Match header (RFC 7644 §3.14), checked when the resource is written. */
  ifMatch: string | undefined;
}

/** The parts of a scimmy resource instance the handlers read. */
interface ResourceRequest {
  id?: string;
  filter?: { match(values: unknown[]): unknown[] };
}

interface UserInput {
  userName: string;
  displayName?: string;
  active?: boolean;
  externalId?: string;
}

interface GroupInput {
  displayName: string;
  externalId?: string;
  members?: { value?: string }[];
}

function scimError(status: number, scimType: string | null, message: string): Error {
  return new SCIMMY.Types.Error(status, scimType as string, message);
}

function versionTag(version: number): string {
  return `W/"${version}"`;
}

function checkIfMatch(context: HandlerContext, resourceType: string, id: string, version: number): void {
  const expected = context.ifMatch;
  if (expected === undefined || expected.trim() === "*") return;

  const accepted = expected.split(",").map((tag) => tag.trim());
  if (!accepted.includes(versionTag(version))) {
    throw scimError(412, null, `${resourceType} ${id} is at version ${versionTag(version)}, not ${expected}`);
  }
}

function userOut(store: ScimStore, user: StoredUser): Record<string, unknown> {
  const groups = [...store.groups.values()]
    .filter((group) => group.memberIds.includes(user.id))
    .map((group) => ({ value: group.id, display: group.displayName, type: "direct" }));

  return {
    id: user.id,
    userName: user.userName,
    displayName: user.displayName,
    active: user.active,
    externalId: user.externalId,
    groups: groups.length > 0 ? groups : undefined,
    meta: { created: user.created, lastModified: user.lastModified, version: versionTag(user.version) },
  };
}

function groupOut(store: ScimStore, group: StoredGroup): Record<string, unknown> {
  const members = group.memberIds.map((id) => {
    const user = store.users.get(id);
    return { value: id, display: user?.displayName ?? user?.userName, type: "User" };
  });

  return {
    id: group.id,
    displayName: group.displayName,
    externalId: group.externalId,
    members: members.length > 0 ? members : undefined,
    meta: { created: group.created, lastModified: group.lastModified, version: versionTag(group.version) },
  };
}

function selectResources<T>(resource: ResourceRequest, all: T[], toScim: (item: T) => Record<string, unknown>, type: string) {
  if (resource.id !== undefined) {
    const match = all.find((item) => (item as { id: string }).id === resource.id);
    if (match === undefined) throw scimError(404, null, `${type} ${resource.id} not found`);
    return toScim(match);
  }

  const items = all.map(toScim);
  return resource.filter ? resource.filter.match(items) : items;
}

function assertUniqueUserName(store: ScimStore, userName: string, exceptId: string | undefined): void {
  const inUse = [...store.users.values()].some(
    (user) => user.id !== exceptId && user.userName.toLowerCase() === userName.toLowerCase(),
  );
  if (inUse) throw scimError(409, "uniqueness", `userName ${userName} is already in use`);
}

function writeUser(resource: ResourceRequest, input: UserInput, context: HandlerContext) {
  const { store } = context;
  assertUniqueUserName(store, input.userName, resource.id);
  const now = new Date();

  if (resource.id === undefined) {
    const created: StoredUser = { id: randomUUID(), ...pickUser(input), created: now, lastModified: now, version: 1 };
    store.users.set(created.id, created);
    return userOut(store, created);
  }

  const existing = store.users.get(resource.id);
  if (existing === undefined) throw scimError(404, null, `User ${resource.id} not found`);
  checkIfMatch(context, "User", existing.id, existing.version);

  const next = pickUser(input);
  const changed =
    next.userName !== existing.userName ||
    next.displayName !== existing.displayName ||
    next.active !== existing.active ||
    next.externalId !== existing.externalId;
  if (changed) Object.assign(existing, next, { lastModified: now, version: existing.version + 1 });
  return userOut(store, existing);
}

function pickUser(input: UserInput): Omit<StoredUser, "id" | "created" | "lastModified" | "version"> {
  return { userName: input.userName, displayName: input.displayName, active: input.active, externalId: input.externalId };
}

function writeGroup(resource: ResourceRequest, input: GroupInput, context: HandlerContext) {
  const { store } = context;
  const memberIds = [...new Set((input.members ?? []).map((member) => member.value ?? ""))];
  const unknown = memberIds.filter((id) => !store.users.has(id));
  if (unknown.length > 0) throw scimError(400, "invalidValue", `members reference unknown users: ${unknown.join(", ")}`);
  const now = new Date();

  if (resource.id === undefined) {
    const created: StoredGroup = {
      id: randomUUID(),
      displayName: input.displayName,
      externalId: input.externalId,
      memberIds,
      created: now,
      lastModified: now,
      version: 1,
    };
    store.groups.set(created.id, created);
    return groupOut(store, created);
  }

  const existing = store.groups.get(resource.id);
  if (existing === undefined) throw scimError(404, null, `Group ${resource.id} not found`);
  checkIfMatch(context, "Group", existing.id, existing.version);

  const changed =
    input.displayName !== existing.displayName ||
    input.externalId !== existing.externalId ||
    memberIds.join("\n") !== existing.memberIds.join("\n");
  if (changed) {
    Object.assign(existing, { displayName: input.displayName, externalId: input.externalId, memberIds });
    Object.assign(existing, { lastModified: now, version: existing.version + 1 });
  }
  return groupOut(store, existing);
}

function deleteUser(resource: ResourceRequest, context: HandlerContext): void {
  const user = resource.id === undefined ? undefined : context.store.users.get(resource.id);
  if (user === undefined) throw scimError(404, null, `User ${resource.id} not found`);
  checkIfMatch(context, "User", user.id, user.version);

  context.store.users.delete(user.id);
  for (const group of context.store.groups.values()) {
    if (!group.memberIds.includes(user.id)) continue;
    group.memberIds = group.memberIds.filter((id) => id !== user.id);
    group.lastModified = new Date();
    group.version += 1;
  }
}

function deleteGroup(resource: ResourceRequest, context: HandlerContext): void {
  const group = resource.id === undefined ? undefined : context.store.groups.get(resource.id);
  if (group === undefined) throw scimError(404, null, `Group ${resource.id} not found`);
  checkIfMatch(context, "Group", group.id, group.version);

  context.store.groups.delete(group.id);
}

let resourcesDeclared = false;

/**
 * Declares Users and Groups once per process. scimmy keeps handlers in static fields, so every
 * server instance shares them and the handlers find their own store through the request context.
 */
function declareResources(): void {
  if (resourcesDeclared) return;

  SCIMMY.Resources.declare(SCIMMY.Resources.User, {
    egress: (resource: ResourceRequest, context: HandlerContext) =>
      selectResources(resource, [...context.store.users.values()], (user) => userOut(context.store, user), "User"),
    ingress: (resource: ResourceRequest, input: UserInput, context: HandlerContext) => writeUser(resource, input, context),
    degress: (resource: ResourceRequest, context: HandlerContext) => deleteUser(resource, context),
  });
  SCIMMY.Resources.declare(SCIMMY.Resources.Group, {
    egress: (resource: ResourceRequest, context: HandlerContext) =>
      selectResources(resource, [...context.store.groups.values()], (group) => groupOut(context.store, group), "Group"),
    ingress: (resource: ResourceRequest, input: GroupInput, context: HandlerContext) => writeGroup(resource, input, context),
    degress: (resource: ResourceRequest, context: HandlerContext) => deleteGroup(resource, context),
  });
  resourcesDeclared = true;
}

function seedStore(seed: z.output<typeof ZScimSeed>): ScimStore {
  const store: ScimStore = { users: new Map(), groups: new Map() };
  const now = new Date();

  for (const user of seed.users) {
    const id = user.id ?? randomUUID();
    if (store.users.has(id)) throw new Error(`SCIM seed: duplicate user id ${id}`);
    const sameName = [...store.users.values()].find((other) => other.userName.toLowerCase() === user.userName.toLowerCase());
    if (sameName !== undefined) throw new Error(`SCIM seed: userName ${user.userName} is used by users ${sameName.id} and ${id}`);
    store.users.set(id, { ...user, id, created: now, lastModified: now, version: 1 });
  }
  for (const group of seed.groups) {
    const id = group.id ?? randomUUID();
    if (store.groups.has(id)) throw new Error(`SCIM seed: duplicate group id ${id}`);
    const unknown = group.members.filter((member) => !store.users.has(member));
    if (unknown.length > 0) throw new Error(`SCIM seed: group ${id} lists unknown users ${unknown.join(", ")}`);
    store.groups.set(id, {
      id,
      displayName: group.displayName,
      memberIds: [...new Set(group.members)],
      created: now,
      lastModified: now,
      version: 1,
    });
  }
  return store;
}

/** Compares SHA-256 digests with timingSafeEqual, so the time taken does not reveal how much of the token matched. */
function tokenMatches(presented: string, expectedDigest: Buffer): boolean {
  const digest = createHash("sha256").update(presented, "utf8").digest();
  return timingSafeEqual(digest, expectedDigest);
}

/** Extracts the b64token of an `Authorization: Bearer` header (RFC 6750 §2.1). */
function bearerTokenOf(request: Request): string | undefined {
  const header = request.get("authorization");
  const match = header === undefined ? null : /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1];
}

function sendScimError(response: Response, status: number, message: string): void {
  response
    .status(status)
    .type("application/scim+json")
    .send(JSON.stringify(new SCIMMY.Messages.Error({ status: status as 400, message })));
}

function createScimRouter(store: ScimStore, isAuthorized: (request: Request) => boolean): SCIMMYRouters {
  declareResources();
  // scimmy-routers appends its authentication scheme to the global config on every construction.
  SCIMMY.Config.set("authenticationSchemes", []);
  const router = new SCIMMYRouters({
    type: "bearer",
    handler: (request) => {
      if (!isAuthorized(request)) throw new Error("Bearer token missing or invalid");
      return "bearer-client";
    },
    context: (request): HandlerContext => ({ store, ifMatch: request.get("if-match") }),
  });
  // Bulk would apply one request's If-Match header to every operation, so the demo does not offer it.
  SCIMMY.Config.set({ bulk: false, etag: true });
  return router;
}

/** Sets the request id header and logs one line per request: warn for 4xx, debug otherwise. */
function logRequests(logger: Logger): express.RequestHandler {
  return (request, response, next) => {
    const requestId = randomUUID();
    const started = performance.now();
    response.setHeader(SCIM_REQUEST_ID_HEADER, requestId);
    response.on("finish", () => {
      const durationMs = Math.round(performance.now() - started);
      const line = { requestId, method: request.method, path: request.path, status: response.statusCode, durationMs };
      if (response.statusCode >= 400 && response.statusCode < 500) logger.warn(line, "scim request rejected");
      else logger.debug(line, "scim request");
    });
    next();
  };
}

/**
 * Express 5 made req.query a getter that parses the URL again on each access, which discards the
 * number cast scimmy-routers 1.3.2 applies to startIndex and count. Without this pin, paging is ignored.
 */
const pinQuery: express.RequestHandler = (request, _response, next) => {
  Object.defineProperty(request, "query", { value: { ...request.query }, writable: true, enumerable: true, configurable: true });
  next();
};

/** Runs before scimmy-routers parses the body, and responds with the RFC 6750 §3 challenge. */
function requireBearer(isAuthorized: (request: Request) => boolean): express.RequestHandler {
  return (request, response, next) => {
    if (isAuthorized(request)) return next();
    const error = request.get("authorization") === undefined ? "" : ', error="invalid_token"';
    response.setHeader("WWW-Authenticate", `Bearer realm="scim"${error}`);
    sendScimError(response, 401, "Bearer token missing or invalid");
  };
}

/** scimmy-routers sends single resources as objects, so meta.version becomes the ETag (RFC 7644 §3.14). */
const etagFromMeta: express.RequestHandler = (_request, response, next) => {
  const send = response.send.bind(response);
  response.send = (body?: unknown) => {
    const version = (body as { meta?: { version?: unknown } } | undefined)?.meta?.version;
    if (typeof version === "string" && !response.headersSent) response.setHeader("ETag", version);
    return send(body);
  };
  next();
};

function buildApp(store: ScimStore, bearerToken: string, logger: Logger): express.Express {
  const expectedDigest = createHash("sha256").update(bearerToken, "utf8").digest();
  const isAuthorized = (request: Request) => {
    const presented = bearerTokenOf(request);
    return presented !== undefined && tokenMatches(presented, expectedDigest);
  };

  const app = express();
  app.disable("x-powered-by");
  app.use(logRequests(logger));
  app.use(pinQuery);
  app.use(requireBearer(isAuthorized));
  app.use(etagFromMeta);
  app.use(SCIM_BASE_PATH, createScimRouter(store, isAuthorized));
  app.use((_request, response) => sendScimError(response, 404, "Endpoint not found"));

  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const requestId = response.getHeader(SCIM_REQUEST_ID_HEADER);
    logger.error({ err: error, requestId, method: request.method, path: request.path }, "scim request failed");
    if (!response.headersSent) sendScimError(response, 500, "Internal server error");
  });

  return app;
}

/** Starts the SCIM server on 127.0.0.1 and resolves once it accepts connections. */
export async function startScimServer(options: ScimServerOptions): Promise<ScimServer> {
  if (options.bearerToken.length < 16) throw new Error("startScimServer: bearerToken must have at least 16 characters");
  const seed = ZScimSeed.parse(options.seed ?? {});
  const logger = options.logger ?? pino({ name: "scim-demo-server", level: "warn" });

  const app = buildApp(seedStore(seed), options.bearerToken, logger);
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  logger.info({ port }, "scim demo server started");

  return {
    url: `http://127.0.0.1:${port}${SCIM_BASE_PATH}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) return reject(error);
          logger.info({ port }, "scim demo server stopped");
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
