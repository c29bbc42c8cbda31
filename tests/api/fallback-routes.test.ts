import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { baseUrl, problem } from "./support/api";

// Requests that no API operation serves, over HTTP against the production server. A method that
// a route file does not implement gets 405 problem+json with Allow, and OPTIONS gets 204 with
// Allow. A path under /api that no route file matches gets 404 problem+json.

const API_ROOT = path.resolve(import.meta.dirname, "../../app/api");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const id = randomUUID();

/** Every route file under app/api, a path it serves, and the Allow header it must send. */
const ROUTES: { file: string; path: string; allow: string }[] = [
  { file: "[...path]", path: "/api/v1/nope", allow: "" },
  { file: "auth/[...nextauth]", path: "/api/auth/session", allow: "GET, HEAD, POST, OPTIONS" },
  { file: "console/actions/[id]", path: `/api/console/actions/${id}`, allow: "GET, HEAD, OPTIONS" },
  { file: "console/actions/[id]/secret", path: `/api/console/actions/${id}/secret`, allow: "POST, OPTIONS" },
  { file: "console/exports/csv", path: "/api/console/exports/csv", allow: "GET, HEAD, OPTIONS" },
  { file: "console/exports/ocsf", path: "/api/console/exports/ocsf", allow: "GET, HEAD, OPTIONS" },
  { file: "console/history", path: "/api/console/history", allow: "GET, HEAD, OPTIONS" },
  { file: "console/queue", path: "/api/console/queue", allow: "GET, HEAD, OPTIONS" },
  { file: "health", path: "/api/health", allow: "GET, HEAD, OPTIONS" },
  { file: "v1/actions", path: "/api/v1/actions", allow: "GET, HEAD, POST, OPTIONS" },
  { file: "v1/actions/[id]", path: `/api/v1/actions/${id}`, allow: "GET, HEAD, OPTIONS" },
  { file: "v1/actions/[id]/approvals", path: `/api/v1/actions/${id}/approvals`, allow: "POST, OPTIONS" },
  { file: "v1/actions/[id]/cancel", path: `/api/v1/actions/${id}/cancel`, allow: "POST, OPTIONS" },
  { file: "v1/audit/events", path: "/api/v1/audit/events", allow: "POST, OPTIONS" },
  { file: "v1/incidents", path: "/api/v1/incidents", allow: "POST, OPTIONS" },
  { file: "v1/incidents/[id]/timeline", path: `/api/v1/incidents/${id}/timeline`, allow: "GET, HEAD, OPTIONS" },
  { file: "v1/openapi.json", path: "/api/v1/openapi.json", allow: "GET, HEAD, OPTIONS" },
];

const SERVED = ROUTES.filter((route) => route.allow !== "");

interface Received {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

async function send(method: string, pathname: string, headers: Record<string, string> = {}): Promise<Received> {
  const response = await fetch(`${baseUrl()}${pathname}`, { method, headers, redirect: "manual" });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** Folders under app/api that contain a route.ts, relative to app/api. */
async function routeFiles(directory = API_ROOT): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...(await routeFiles(full)));
    else if (entry.name === "route.ts") found.push(path.relative(API_ROOT, directory).split(path.sep).join("/"));
  }
  return found.sort();
}

test("the table lists every route file under app/api", async () => {
  expect(ROUTES.map((route) => route.file).sort()).toEqual(await routeFiles());
});

describe("405", () => {
  const cases = SERVED.flatMap((route) => {
    const allowed = route.allow.split(", ");
    return METHODS.filter((method) => !allowed.includes(method)).map((method) => ({ ...route, method }));
  });

  test.each(cases)("$method $file returns 405 with Allow: $allow", async ({ method, path: pathname, allow }) => {
    const response = await send(method, pathname);

    expect(response.status).toBe(405);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("allow")).toBe(allow);
    if (method === "HEAD") {
      expect(response.text).toBe("");
    } else {
      expect(response.body).toEqual(problem(405, "method_not_allowed", "Method Not Allowed", `method ${method} is not allowed on ${pathname}; the allowed methods are ${allow}`, pathname));
    }
  });

  test("DELETE /api/v1/actions returns 405 before checking credentials", async () => {
    const response = await send("DELETE", "/api/v1/actions", { authorization: "Bearer cdn_unknown_secret" });

    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD, POST, OPTIONS");
  });

  test("405 carries the request id the client sent", async () => {
    const requestId = randomUUID();

    const response = await send("PUT", "/api/v1/incidents", { "x-request-id": requestId });

    expect(response.headers.get("x-request-id")).toBe(requestId);
    expect((response.body as { requestId: string }).requestId).toBe(requestId);
  });
});

describe("OPTIONS", () => {
  test.each(SERVED)("OPTIONS $file returns 204 with Allow: $allow", async ({ path: pathname, allow }) => {
    const response = await send("OPTIONS", pathname);

    expect(response.status).toBe(204);
    expect(response.headers.get("allow")).toBe(allow);
    expect(response.text).toBe("");
  });
});

describe("implemented methods", () => {
  const cases = SERVED.flatMap((route) =>
    route.allow
      .split(", ")
      .filter((method) => method !== "OPTIONS")
      .map((method) => ({ ...route, method })),
  );

  test.each(cases)("$method $file reaches the route", async ({ method, path: pathname }) => {
    const response = await send(method, pathname);

    expect(response.status).not.toBe(404);
    expect(response.status).not.toBe(405);
    expect(response.headers.get("allow")).toBeNull();
  });

  test.each([
    { name: "next-auth's CSRF endpoint", path: "/api/auth/csrf", member: "csrfToken" },
    { name: "next-auth's providers", path: "/api/auth/providers", member: null },
    { name: "the health check", path: "/api/health", member: "status" },
    { name: "the OpenAPI document", path: "/api/v1/openapi.json", member: "openapi" },
  ])("GET $path is not shadowed by the catch-all route", async ({ path: pathname, member }) => {
    const response = await send("GET", pathname);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    if (member) expect(response.body).toHaveProperty(member);
  });
});

describe("404", () => {
  test.each([
    { method: "GET", path: "/api/v1/nope" },
    { method: "POST", path: "/api/v2/actions" },
    { method: "PUT", path: "/api/console/nope" },
    { method: "PATCH", path: "/api/health/deep" },
    { method: "DELETE", path: `/api/v1/actions/${id}/approvals/extra` },
    { method: "GET", path: "/api/v1/openapi.json/extra" },
    { method: "GET", path: `/api/v1/incidents/${id}` },
    { method: "OPTIONS", path: "/api/v1/nope" },
    { method: "GET", path: "/api/v1/caf%C3%A9" },
  ])("$method $path returns a 404 problem naming the path", async ({ method, path: pathname }) => {
    const response = await send(method, pathname);

    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("allow")).toBeNull();
    expect(response.body).toEqual(problem(404, "not_found", "Not Found", `no API route matches ${pathname}; the automation API is described at /api/v1/openapi.json`, pathname));
  });

  test("HEAD of an unknown path returns 404 without a body", async () => {
    const response = await send("HEAD", "/api/v1/nope");

    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.text).toBe("");
  });
});
