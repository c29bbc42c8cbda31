import type { ServerResponse } from "node:http";

import { exportJWK, generateKeyPair, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { assertFetchableUrl, JwksCache, JwksFetchError, type FetchContext } from "@/lib/auth/jwks-cache";
import { startJwksTestServer, type JwksTestServer } from "@/lib/auth/jwks-test-server";

const NOW = new Date("2026-03-01T12:00:00Z");

function contextAt(offsetSeconds: number, fetchImpl: typeof fetch = fetch): FetchContext {
  return { fetchImpl, now: () => new Date(NOW.getTime() + offsetSeconds * 1000) };
}

async function fetchErrorOf(promise: Promise<unknown>): Promise<JwksFetchError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JwksFetchError) return error;
    throw error;
  }
  throw new Error("expected a JwksFetchError, but the load succeeded");
}

describe("JwksCache", () => {
  let server: JwksTestServer;
  let publicJwk: JWK;
  const stalledResponses: ServerResponse[] = [];

  beforeAll(async () => {
    server = await startJwksTestServer();
    const { publicKey } = await generateKeyPair("ES256");
    publicJwk = { ...(await exportJWK(publicKey)), kid: "ec-1", alg: "ES256", use: "sig" };
    server.serveJson("/jwks.json", { keys: [publicJwk] });
  });

  afterAll(async () => {
    for (const response of stalledResponses) response.destroy();
    await server?.close();
  });

  it("JwksCache serves a cached key set until maxAgeMs", async () => {
    const path = "/max-age/jwks.json";
    server.serveJson(path, { keys: [publicJwk] });
    const cache = new JwksCache({ maxAgeMs: 60_000 });

    await cache.getKeySet(server.url(path), contextAt(0));
    await cache.getKeySet(server.url(path), contextAt(59));
    expect(server.requestCount(path)).toBe(1);

    await cache.getKeySet(server.url(path), contextAt(61));
    expect(server.requestCount(path)).toBe(2);
  });

  it("JwksCache shares one request between concurrent loads", async () => {
    const path = "/concurrent/jwks.json";
    server.serveJson(path, { keys: [publicJwk] });
    const cache = new JwksCache();

    await Promise.all([0, 1, 2, 3].map(() => cache.getKeySet(server.url(path), contextAt(0))));

    expect(server.requestCount(path)).toBe(1);
  });

  it("JwksCache refreshKeySet returns null within the minimum interval", async () => {
    const path = "/refresh/jwks.json";
    server.serveJson(path, { keys: [publicJwk] });
    const cache = new JwksCache();
    await cache.getKeySet(server.url(path), contextAt(0));

    expect(await cache.refreshKeySet(server.url(path), contextAt(29))).toBeNull();
    expect(server.requestCount(path)).toBe(1);
    expect(await cache.refreshKeySet(server.url(path), contextAt(30))).not.toBeNull();
    expect(server.requestCount(path)).toBe(2);
  });

  it("JwksCache does not retry a failed URL within the minimum interval", async () => {
    const path = "/failing/jwks.json";
    server.route(path, (_request, response) => response.writeHead(500).end());
    const cache = new JwksCache();

    const first = await fetchErrorOf(cache.getKeySet(server.url(path), contextAt(0)));
    const second = await fetchErrorOf(cache.getKeySet(server.url(path), contextAt(10)));
    expect(first.message).toContain("HTTP 500");
    expect(second).toBe(first);
    expect(server.requestCount(path)).toBe(1);

    server.serveJson(path, { keys: [publicJwk] });
    await cache.getKeySet(server.url(path), contextAt(31));
    expect(server.requestCount(path)).toBe(2);
  });

  it("JwksCache times out a server that never answers", async () => {
    const path = "/stalled/jwks.json";
    server.route(path, (_request, response) => {
      stalledResponses.push(response);
    });
    const cache = new JwksCache({ timeoutMs: 200 });
    const started = Date.now();

    const error = await fetchErrorOf(cache.getKeySet(server.url(path), contextAt(0)));

    expect(error.message).toContain("timed out after 200 ms");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("JwksCache times out a body that stalls after the headers", async () => {
    const path = "/stalled-body/jwks.json";
    server.route(path, (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"keys":[');
      stalledResponses.push(response);
    });
    const cache = new JwksCache({ timeoutMs: 200 });

    const error = await fetchErrorOf(cache.getKeySet(server.url(path), contextAt(0)));

    expect(error.message).toContain("timed out after 200 ms");
  });

  it("JwksCache rejects a body above maxBytes by Content-Length", async () => {
    const path = "/large/jwks.json";
    server.serveJson(path, { keys: [publicJwk], padding: "x".repeat(4096) });
    const cache = new JwksCache({ maxBytes: 1024 });

    const error = await fetchErrorOf(cache.getKeySet(server.url(path), contextAt(0)));

    expect(error.message).toContain("larger than the limit of 1024 bytes");
  });

  it("JwksCache rejects a chunked body above maxBytes", async () => {
    const path = "/large-chunked/jwks.json";
    server.route(path, (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"keys":[],"padding":"');
      for (let chunk = 0; chunk < 8; chunk += 1) response.write("x".repeat(512));
      response.end('"}');
    });
    const cache = new JwksCache({ maxBytes: 1024 });

    const error = await fetchErrorOf(cache.getKeySet(server.url(path), contextAt(0)));

    expect(error.message).toContain("larger than the limit of 1024 bytes");
  });

  it("JwksCache rejects a set with more keys than maxKeys", async () => {
    const path = "/many-keys/jwks.json";
    server.serveJson(path, { keys: [publicJwk, { ...publicJwk, kid: "ec-2" }, { ...publicJwk, kid: "ec-3" }] });
    const cache = new JwksCache({ maxKeys: 2 });

    const error = await fetchErrorOf(cache.getKeySet(server.url(path), contextAt(0)));

    expect(error.message).toContain("more than the limit of 2");
  });

  it.each([
    ["invalid JSON", "{not json", "did not return valid JSON"],
    ["JSON without keys", '{"issuer":"x"}', 'with a "keys" array'],
    ["keys that are not objects", '{"keys":[1,2]}', 'with a "keys" array'],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), "not valid UTF-8"],
  ])("JwksCache rejects %s", async (name, body, message) => {
    const path = `/bad-${name.replaceAll(" ", "-")}/jwks.json`;
    server.route(path, (_request, response) => response.writeHead(200).end(body));
    const cache = new JwksCache();

    const error = await fetchErrorOf(cache.getKeySet(server.url(path), contextAt(0)));

    expect(error.message).toContain(message);
  });

  it("JwksCache does not follow redirects", async () => {
    server.route("/redirect/jwks.json", (_request, response) => {
      response.writeHead(302, { location: server.url("/redirect-target/jwks.json") }).end();
    });
    server.serveJson("/redirect-target/jwks.json", { keys: [publicJwk] });
    const cache = new JwksCache();

    await fetchErrorOf(cache.getKeySet(server.url("/redirect/jwks.json"), contextAt(0)));

    expect(server.requestCount("/redirect/jwks.json")).toBe(1);
    expect(server.requestCount("/redirect-target/jwks.json")).toBe(0);
  });

  it("JwksCache refuses plain http to a non-loopback host before any request", async () => {
    let fetchCalls = 0;
    // Never reaches the network, so a broken guard fails the assertion below instead of resolving a name.
    const countingFetch: typeof fetch = () => {
      fetchCalls += 1;
      return Promise.reject(new Error("this test allows no network access"));
    };
    const cache = new JwksCache();

    const error = await fetchErrorOf(cache.getKeySet("http://jwks.example.invalid/keys", contextAt(0, countingFetch)));

    expect(error.message).toContain("must use https");
    expect(fetchCalls).toBe(0);
  });

  it("JwksCache rejects a discovered jwks_uri over plain http to a non-loopback host", async () => {
    const issuer = server.url("/plain-http-issuer");
    server.serveJson("/plain-http-issuer/.well-known/openid-configuration", {
      issuer,
      jwks_uri: "http://jwks.example.invalid/keys",
    });
    const cache = new JwksCache();

    const error = await fetchErrorOf(cache.discoverJwksUri(issuer, contextAt(0)));

    expect(error.message).toContain("must use https");
  });

  it("JwksCache strips a trailing slash before the discovery path", async () => {
    const issuer = server.url("/slash-issuer/");
    server.serveJson("/slash-issuer/.well-known/openid-configuration", { issuer, jwks_uri: server.url("/jwks.json") });
    const cache = new JwksCache();

    expect(await cache.discoverJwksUri(issuer, contextAt(0))).toBe(server.url("/jwks.json"));
  });

  it.each([
    ["https://idp.example.test/jwks", true],
    ["http://127.0.0.1:8080/jwks", true],
    ["http://localhost/jwks", true],
    ["http://[::1]:9000/jwks", true],
    ["http://idp.example.test/jwks", false],
    ["http://127.0.0.1.example.test/jwks", false],
    ["file:///etc/passwd", false],
    ["not a url", false],
  ])("assertFetchableUrl(%s) accepts: %s", (url, accepted) => {
    if (accepted) expect(() => assertFetchableUrl(url)).not.toThrow();
    else expect(() => assertFetchableUrl(url)).toThrow(JwksFetchError);
  });
});
