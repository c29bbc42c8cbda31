import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { actorRef, type Actor, type ServiceContext } from "@/lib/actions/context";
import { authenticateBearer } from "@/lib/auth/authenticate-bearer";
import { sessionActor } from "@/lib/auth/session-actor";
import { getConfig } from "@/lib/config";
import { getPrisma } from "@/lib/db/client";
import { Forbidden } from "@/lib/errors";
import { logger as rootLogger, type Logger } from "@/lib/log/logger";
import { currentPlanner } from "@/lib/connectors/planner";
import { currentPolicySet } from "@/lib/policy/current";
import { consumeRateLimit } from "@/lib/auth/rate-limit";
import { systemClock } from "@/lib/time/clock";
import { readJsonBody, readOptionalJsonBody } from "./body";
import { problemResponse, problemHeaders, toProblem } from "./problem";

/**
 * Callers a route accepts. `workload`: automation only. `person`: a console session, or a
 * personal access token when `personalTokens` is set. `any`: either.
 */
export type AuthMode = "workload" | "person" | "any" | "public";

export interface RouteSpec<Body extends z.ZodType | undefined, Query extends z.ZodType | undefined> {
  auth: AuthMode;
  /** Accept personal access tokens (approval and read endpoints only). */
  personalTokens?: boolean;
  body?: Body;
  /** Accept a request without body bytes; the handler then gets `body` undefined. */
  optionalBody?: boolean;
  query?: Query;
  /** Body size limit in bytes; 64 KiB unless a route needs more (audit ingestion). */
  maxBodyBytes?: number;
  /** Token bucket to charge before the handler runs. */
  rateLimit?: "proposals";
}

export interface RouteArgs<Body, Query> {
  request: Request;
  context: ServiceContext;
  body: Body;
  query: Query;
  params: Record<string, string>;
  logger: Logger;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
type Handler<Body, Query> = (args: RouteArgs<Body, Query>) => Promise<Response>;
type BodyOf<Body, Optional extends boolean> = Optional extends true ? Infer<Body> | undefined : Infer<Body>;

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** W3C trace id from `traceparent`, so Cordon's audit events correlate with the caller's trace. */
export function traceId(request: Request): string | undefined {
  const match = TRACEPARENT.exec(request.headers.get("traceparent")?.trim().toLowerCase() ?? "");
  return match && match[1] !== "0".repeat(32) ? match[1] : undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for cookie-authenticated changes: the browser's Origin
 * (or Sec-Fetch-Site) must be this site. Bearer credentials are not sent by browsers on
 * their own, so they need no such check.
 */
function assertSameOrigin(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw new Forbidden("cross-site requests cannot use the console session");
  const origin = request.headers.get("origin");
  if (!origin) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new Forbidden(`requests from origin ${origin} cannot use the console session`);
  }
  // Same origin means the Origin's host is the host the browser sent this request to (either
  // name of this server, localhost or 127.0.0.1) or the configured public URL's host.
  const allowed = new Set([request.headers.get("host"), new URL(request.url).host, new URL(getConfig().publicUrl).host]);
  if (!allowed.has(originHost)) throw new Forbidden(`requests from origin ${origin} cannot use the console session`);
}

async function authenticate(request: Request, spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined>, logger: Logger): Promise<Actor> {
  const authorization = request.headers.get("authorization");
  if (!authorization && (spec.auth === "person" || spec.auth === "any")) {
    const person = await sessionActor();
    if (person) {
      assertSameOrigin(request);
      return person;
    }
  }
  const actor = await authenticateBearer(getPrisma(), authorization, { audience: getConfig().apiAudience, now: () => systemClock.now(), logger });
  if (spec.auth === "workload" && actor.type !== "workload") throw new Forbidden("this endpoint is for workload clients; people use the console or the approval endpoints");
  if (spec.auth === "person" && actor.type !== "person") throw new Forbidden("this endpoint is for people; workload clients cannot use it");
  if (actor.type === "person" && actor.via === "token" && !spec.personalTokens) throw new Forbidden("personal access tokens are accepted on the approval and read endpoints only");
  return actor;
}

async function parseBody(request: Request, spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined>): Promise<unknown> {
  if (!spec.body) return undefined;
  if (!spec.optionalBody) return spec.body.parse(await readJsonBody(request, spec.maxBodyBytes));
  const raw = await readOptionalJsonBody(request, spec.maxBodyBytes);
  return raw === undefined ? undefined : spec.body.parse(raw);
}

function parseQuery(request: Request, schema: z.ZodType | undefined): unknown {
  if (!schema) return undefined;
  const url = new URL(request.url);
  return schema.parse(Object.fromEntries(url.searchParams.entries()));
}

/**
 * Wraps a route handler with what every API route needs: request id and logger, problem+json
 * errors from one table, authentication, body limits and zod parsing, rate limiting.
 */
export function apiRoute<Body extends z.ZodType | undefined = undefined, Query extends z.ZodType | undefined = undefined, OptionalBody extends boolean = false>(
  spec: RouteSpec<Body, Query> & { optionalBody?: OptionalBody },
  handler: Handler<BodyOf<Body, OptionalBody>, Infer<Query>>,
) {
  return async (request: Request, segment: { params: Promise<Record<string, string>> }): Promise<Response> => {
    const requestId = request.headers.get("x-request-id") ?? randomUUID();
    const url = new URL(request.url);
    const logger = rootLogger.child({ component: "api", requestId });
    try {
      const actor: Actor = spec.auth === "public" ? { type: "system", id: "anonymous" } : await authenticate(request, spec, logger);
      const scoped = logger.child({ actor: actorRef(actor) });
      if (spec.rateLimit && actor.type === "workload") await consumeRateLimit(getPrisma(), actor.client, spec.rateLimit, systemClock.now(), scoped);

      const body = await parseBody(request, spec);
      const query = parseQuery(request, spec.query);
      const correlationId = traceId(request);
      const context: ServiceContext = {
        db: getPrisma(),
        clock: systemClock,
        actor,
        requestId,
        ...(correlationId ? { correlationId } : {}),
        logger: scoped,
        policies: await currentPolicySet(),
        planner: currentPlanner(),
      };
      const response = await handler({ request, context, body: body as BodyOf<Body, OptionalBody>, query: query as Infer<Query>, params: await segment.params, logger: scoped });
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      const problem = toProblem(error, requestId, url.pathname);
      if (problem.status >= 500) logger.error({ err: error, path: url.pathname }, "request failed");
      else logger.warn({ path: url.pathname, status: problem.status, code: problem.code }, "request rejected");
      return problemResponse(problem, { ...problemHeaders(error), "x-request-id": requestId });
    }
  };
}

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
}
