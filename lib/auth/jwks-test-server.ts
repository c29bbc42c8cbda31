import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// Test support for the lib/auth tests: a real HTTP server on 127.0.0.1 that serves JWKS and
// OpenID Provider metadata documents and counts the requests it receives.

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface JwksTestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  url(path: string): string;
  /** Serves `body` as JSON at `path`, replacing any earlier route for it. */
  serveJson(path: string, body: unknown): void;
  route(path: string, handler: RouteHandler): void;
  /** Requests received for `path`, or for every path when `path` is omitted. */
  requestCount(path?: string): number;
  close(): Promise<void>;
}

export async function startJwksTestServer(): Promise<JwksTestServer> {
  const routes = new Map<string, RouteHandler>();
  const counts = new Map<string, number>();

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (handler) {
      handler(request, response);
      return;
    }
    response.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: (path) => `${origin}${path}`,
    serveJson(path, body) {
      const text = JSON.stringify(body);
      routes.set(path, (_request, response) => {
        response.writeHead(200, { "content-type": "application/json" }).end(text);
      });
    },
    route(path, handler) {
      routes.set(path, handler);
    },
    requestCount(path) {
      if (path !== undefined) return counts.get(path) ?? 0;
      return [...counts.values()].reduce((sum, count) => sum + count, 0);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
