import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startOAuthServer, type OAuthServer } from "@/lib/demo/oauth-server";
import { BASE_OIDC_SCOPE, oidcSignInScope, scopeForIssuer } from "./oidc-scope";

const logger = pino({ level: "silent" });

describe("scopeForIssuer", () => {
  test.each([
    ["groups listed", ["openid", "email", "groups"], "groups", `${BASE_OIDC_SCOPE} groups`],
    ["groups not listed", ["openid", "email", "profile"], "groups", BASE_OIDC_SCOPE],
    ["no scopes_supported", undefined, "groups", BASE_OIDC_SCOPE],
    ["scopes_supported not a list", "openid groups", "groups", BASE_OIDC_SCOPE],
    ["custom claim listed as scope", ["openid", "roles"], "roles", `${BASE_OIDC_SCOPE} roles`],
    ["groups and custom claim listed", ["groups", "roles"], "roles", `${BASE_OIDC_SCOPE} groups roles`],
    ["claim named like a base scope", ["openid", "email"], "email", BASE_OIDC_SCOPE],
  ])("scopeForIssuer with %s", (_case, supported, claim, expected) => {
    expect(scopeForIssuer(supported, claim)).toBe(expected);
  });
});

describe("oidcSignInScope", () => {
  let oauth: OAuthServer;
  let plain: Server;
  let plainUrl: string;
  let plainStatus = 200;
  let plainRequests = 0;

  beforeAll(async () => {
    oauth = await startOAuthServer({ clients: [{ clientId: "console", clientSecret: "console-secret-0123456789", grantTypes: ["authorization_code"], redirectUris: ["http://127.0.0.1/cb"] }], adminToken: "admin-token-0123456789", logger });
    // An issuer without a groups scope, which can also fail on request.
    plain = createServer((_req, res) => {
      plainRequests += 1;
      res.writeHead(plainStatus, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer: plainUrl, scopes_supported: ["openid", "email", "profile"] }));
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await oauth?.close();
    await new Promise((resolve) => plain?.close(resolve));
  });

  test("oidcSignInScope adds groups for the demo issuer", async () => {
    expect(await oidcSignInScope({ issuer: oauth.issuer, groupsClaim: "groups" }, logger)).toBe(`${BASE_OIDC_SCOPE} groups`);
  });

  test("oidcSignInScope keeps the base scopes for an issuer without groups", async () => {
    expect(await oidcSignInScope({ issuer: `${plainUrl}/`, groupsClaim: "groups" }, logger)).toBe(BASE_OIDC_SCOPE);
  });

  test("oidcSignInScope caches a discovery result", async () => {
    const issuer = { issuer: `${plainUrl}/cached`, groupsClaim: "groups" };
    const now = Date.parse("2026-03-01T09:00:00Z");
    await oidcSignInScope(issuer, logger, now);
    const requests = plainRequests;

    await oidcSignInScope(issuer, logger, now + 60_000);
    expect(plainRequests).toBe(requests);

    await oidcSignInScope(issuer, logger, now + 6 * 60_000);
    expect(plainRequests).toBe(requests + 1);
  });

  test("oidcSignInScope falls back without caching when discovery fails", async () => {
    const issuer = { issuer: `${plainUrl}/failing`, groupsClaim: "groups" };
    plainStatus = 503;
    const requests = plainRequests;

    expect(await oidcSignInScope(issuer, logger)).toBe(BASE_OIDC_SCOPE);
    expect(await oidcSignInScope(issuer, logger)).toBe(BASE_OIDC_SCOPE);
    plainStatus = 200;

    expect(plainRequests).toBe(requests + 2);
  });
});
