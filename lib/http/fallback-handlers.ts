import { randomUUID } from "node:crypto";
import { HttpError, problemResponse, toProblem } from "./problem";

// Route handlers for requests that no API operation serves, so that they get problem+json like
// every other API error instead of Next.js's HTML 404 page or its empty 405. They write no log
// line of their own, because server/main.ts logs every request with its status.

/** The methods Next.js route handlers can export, in the order an `Allow` header lists them. */
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Methods a route file implements itself. Next.js serves HEAD with GET's handler. */
export type ImplementedMethod = Exclude<HttpMethod, "HEAD" | "OPTIONS">;

type FallbackHandler = (request: Request) => Response;

type OtherMethods<Implemented extends ImplementedMethod> = Record<Exclude<HttpMethod, Implemented | ("GET" extends Implemented ? "HEAD" : never)>, FallbackHandler>;

function problemFor(request: Request, error: HttpError, headers: Record<string, string> = {}): Response {
  const requestId = request.headers.get("x-request-id") ?? randomUUID();
  const { pathname } = new URL(request.url);
  return problemResponse(toProblem(error, requestId, pathname), { ...headers, "x-request-id": requestId });
}

/** Returns the methods a route that implements `implemented` allows, in `Allow` header order. */
export function allowedMethods(implemented: readonly ImplementedMethod[]): HttpMethod[] {
  const allowed = new Set<HttpMethod>([...implemented, "OPTIONS"]);
  if (allowed.has("GET")) allowed.add("HEAD");
  return HTTP_METHODS.filter((method) => allowed.has(method));
}

/**
 * Builds handlers for every method a route does not implement: 405 problem+json with an `Allow`
 * header (RFC 9110 §15.5.6 requires it), and OPTIONS as 204 with the same `Allow`. The route
 * must export OPTIONS from here, because the OPTIONS that Next.js generates would list these
 * 405 handlers as allowed methods. Route files export the result by destructuring:
 * `export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET", "POST");`
 */
export function otherMethods<const Implemented extends ImplementedMethod>(...implemented: Implemented[]): OtherMethods<Implemented> {
  const allowed = allowedMethods(implemented);
  const allow = allowed.join(", ");
  const methodNotAllowed: FallbackHandler = (request) => {
    const { pathname } = new URL(request.url);
    return problemFor(request, new HttpError("method_not_allowed", `method ${request.method} is not allowed on ${pathname}; the allowed methods are ${allow}`), { allow });
  };
  const options: FallbackHandler = () => new Response(null, { status: 204, headers: { allow, "cache-control": "no-store" } });

  const handlers: Partial<Record<HttpMethod, FallbackHandler>> = {};
  for (const method of HTTP_METHODS) {
    if (method === "OPTIONS") handlers.OPTIONS = options;
    else if (!allowed.includes(method)) handlers[method] = methodNotAllowed;
  }
  return handlers as OtherMethods<Implemented>;
}

const pathNotFound: FallbackHandler = (request) => {
  const { pathname } = new URL(request.url);
  return problemFor(request, new HttpError("not_found", `no API route matches ${pathname}; the automation API is described at /api/v1/openapi.json`));
};

/** Handlers of the catch-all route under /api: every method of an unknown path gets a 404 problem. */
export const unknownApiPath: Record<HttpMethod, FallbackHandler> = {
  GET: pathNotFound,
  HEAD: pathNotFound,
  POST: pathNotFound,
  PUT: pathNotFound,
  PATCH: pathNotFound,
  DELETE: pathNotFound,
  OPTIONS: pathNotFound,
};
