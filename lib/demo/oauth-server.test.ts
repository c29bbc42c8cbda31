import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, startOAuthServer } from "@/lib/demo/oauth-server";
import { CookieJar, sendWithCookies, signInWithAuthorizationCode } from "@/lib/demo/oauth-server/authorization-code-flow";

const ADMIN_TOKEN = "test-admin-token-0123456789";
const CORDON_AUDIENCE = "https://cordon.test/api";
const ORDERS_API = "https://orders.test/api";
const REDIRECT_URI = "http://127.0.0.1:9/callback";

const clients = {
  service: { id: "orders-sync", secret: "orders-sync-secret-0123456789" },
  connector: { id: "cordon-connector", secret: "cordon-connector-secret-0123" },
  other: { id: "billing-sync", secret: "billing-sync-secret-012345678" },
  console: { id: "cordon-console", secret: "cordon-console-secret-012345" },
};
const person = { email: "ada@example.test", password: "correct horse battery", name: "Ada", groups: ["approvers", "soc"] };

let server: OAuthServer;

function basic(client: { id: string; secret: string }): string {
  return `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`;
}

async function postForm(path: string, client: { id: string; secret: string }, form: Record<string, string>) {
  const response = await fetch(`${server.issuer}${path}`, {
    method: "POST",
    headers: { authorization: basic(client), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function clientCredentials(client: { id: string; secret: string }, form: Record<string, string> = {}) {
  return postForm("/token", client, { grant_type: "client_credentials", ...form });
}

async function introspect(token: string) {
  return (await postForm("/token/introspection", clients.connector, { token })).body;
}

async function admin(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const response = await fetch(`${server.adminUrl}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${init.token ?? ADMIN_TOKEN}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function accessTokenOf(result: { body: Record<string, unknown> }): string {
  const token = result.body.access_token;
  if (typeof token !== "string") throw new Error(`no access_token in ${JSON.stringify(result.body)}`);
  return token;
}

beforeAll(async () => {
  server = await startOAuthServer({
    adminToken: ADMIN_TOKEN,
    logger: pino({ level: "silent" }),
    resourceServers: [
      { identifier: CORDON_AUDIENCE, scope: "cordon:actions", accessTokenFormat: "jwt" },
      { identifier: ORDERS_API, scope: "orders:read orders:write", accessTokenFormat: "opaque" },
    ],
    clients: [
      {
        clientId: clients.service.id,
        clientSecret: clients.service.secret,
        grantTypes: ["client_credentials"],
        scope: "orders:read cordon:actions",
        defaultResource: ORDERS_API,
      },
      {
        clientId: clients.connector.id,
        clientSecret: clients.connector.secret,
        grantTypes: ["client_credentials"],
        manageAllTokens: true,
      },
      {
        clientId: clients.other.id,
        clientSecret: clients.other.secret,
        grantTypes: ["client_credentials"],
        scope: "orders:read",
        defaultResource: ORDERS_API,
      },
      {
        clientId: clients.console.id,
        clientSecret: clients.console.secret,
        grantTypes: ["authorization_code", "refresh_token"],
        redirectUris: [REDIRECT_URI],
        scope: "openid email profile groups",
      },
    ],
    persons: [person],
  });
});

afterAll(async () => {
  await server?.close();
});

describe("startOAuthServer", () => {
  it("listens on 127.0.0.1", async () => {
    expect(new URL(server.issuer).hostname).toBe("127.0.0.1");
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(server.issuer);
    expect(discovery.introspection_endpoint).toBe(`${server.issuer}/token/introspection`);
    expect(discovery.revocation_endpoint).toBe(`${server.issuer}/token/revocation`);
    expect(discovery.jwks_uri).toBe(server.jwksUri);
  });

  it("rejects duplicate client ids", async () => {
    const duplicate = { clientId: "twice", clientSecret: "twice-secret-0123456789", grantTypes: ["client_credentials" as const] };
    await expect(startOAuthServer({ adminToken: ADMIN_TOKEN, clients: [duplicate, duplicate] })).rejects.toThrow(/listed twice/);
  });

  it("rejects invalid client metadata at start", async () => {
    const client = {
      clientId: "fragment",
      clientSecret: "fragment-secret-0123456789",
      grantTypes: ["authorization_code" as const],
      redirectUris: ["http://127.0.0.1:9/callback#fragment"],
    };
    await expect(startOAuthServer({ adminToken: ADMIN_TOKEN, clients: [client], logger: pino({ level: "silent" }) })).rejects.toThrow(/^invalid metadata for client fragment: .*fragment/);
  });
});

describe("client_credentials grant", () => {
  it("issues a JWKS-verifiable Cordon JWT", async () => {
    const result = await clientCredentials(clients.service, { resource: CORDON_AUDIENCE, scope: "cordon:actions" });
    expect(result.status).toBe(200);
    const token = accessTokenOf(result);

    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(server.jwksUri)), {
      issuer: server.issuer,
      audience: CORDON_AUDIENCE,
      typ: "at+jwt",
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.client_id).toBe(clients.service.id);
    expect(payload.sub).toBe(clients.service.id);
    expect(payload.scope).toBe("cordon:actions");
  });

  it("rejects the JWT for another audience", async () => {
    const token = accessTokenOf(await clientCredentials(clients.service, { resource: CORDON_AUDIENCE }));
    const jwks = createRemoteJWKSet(new URL(server.jwksUri));
    await expect(jwtVerify(token, jwks, { issuer: server.issuer, audience: ORDERS_API })).rejects.toThrow(/aud/);
  });

  it("issues an opaque token for the default resource", async () => {
    const result = await clientCredentials(clients.service, { scope: "orders:read" });
    const token = accessTokenOf(result);
    expect(() => decodeProtectedHeader(token)).toThrow();
    const introspection = await introspect(token);
    expect(introspection.active).toBe(true);
    expect(introspection.aud).toBe(ORDERS_API);
    expect(introspection.scope).toBe("orders:read");
  });

  it("rejects an unknown resource indicator", async () => {
    const result = await clientCredentials(clients.service, { resource: "https://unknown.test/" });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe("invalid_target");
  });
});

describe("revocation and introspection", () => {
  it("reports a revoked token as inactive", async () => {
    const token = accessTokenOf(await clientCredentials(clients.service));
    expect((await introspect(token)).active).toBe(true);

    const revocation = await postForm("/token/revocation", clients.connector, { token, token_type_hint: "access_token" });
    expect(revocation.status).toBe(200);
    expect(await introspect(token)).toEqual({ active: false });
  });

  it("rejects revocation by another client", async () => {
    const token = accessTokenOf(await clientCredentials(clients.service));
    const revocation = await postForm("/token/revocation", clients.other, { token });
    expect(revocation.status).toBe(400);
    expect(revocation.body.error).toBe("invalid_request");
    expect((await introspect(token)).active).toBe(true);
  });
});

describe("admin API", () => {
  it.each([
    ["a missing token", ""],
    ["a wrong token", "wrong-admin-token-0123456789"],
    ["a prefix of the token", ADMIN_TOKEN.slice(0, -1)],
  ])("rejects %s with 401", async (_case, token) => {
    const result = await admin(`/clients/${clients.service.id}`, { token });
    expect(result.status).toBe(401);
    expect(result.body.error).toBe("unauthorized");
  });

  it("returns 404 for an unknown client", async () => {
    const result = await admin("/clients/nobody");
    expect(result.status).toBe(404);
    expect(result.body.error).toBe("not_found");
  });

  it("lists tokens without their values", async () => {
    const token = accessTokenOf(await clientCredentials(clients.other, { scope: "orders:read" }));
    const tokenId = createHash("sha256").update(token).digest("hex").slice(0, 32);

    const listing = await admin(`/tokens?client_id=${clients.other.id}`);
    expect(listing.status).toBe(200);
    expect(JSON.stringify(listing.body)).not.toContain(token);
    const records = listing.body.tokens as Record<string, unknown>[];
    expect(records.map((record) => record.tokenId)).toContain(tokenId);
    expect(records.find((record) => record.tokenId === tokenId)).toMatchObject({
      kind: "ClientCredentials",
      tokenType: "access_token",
      format: "opaque",
      state: "active",
      clientId: clients.other.id,
      subject: null,
      scopes: ["orders:read"],
      audience: ORDERS_API,
    });

    const revealed = await admin("/tokens/reveal", { method: "POST", body: { tokenIds: [tokenId, "unknown"] } });
    expect(revealed.body).toEqual({ tokens: [{ tokenId, value: token }] });
  });

  it("lists revoked tokens on request", async () => {
    const token = accessTokenOf(await clientCredentials(clients.other));
    const tokenId = createHash("sha256").update(token).digest("hex").slice(0, 32);
    await postForm("/token/revocation", clients.connector, { token });

    const active = (await admin(`/tokens?client_id=${clients.other.id}`)).body.tokens as Record<string, unknown>[];
    expect(active.map((record) => record.tokenId)).not.toContain(tokenId);
    const all = (await admin(`/tokens?client_id=${clients.other.id}&include_revoked=true`)).body.tokens as Record<string, unknown>[];
    expect(all.find((record) => record.tokenId === tokenId)?.state).toBe("revoked");

    const revealed = await admin("/tokens/reveal", { method: "POST", body: { tokenIds: [tokenId] } });
    expect(revealed.body).toEqual({ tokens: [{ tokenId, value: token }] });
  });

  it("mints tokens that introspect as active", async () => {
    const minted = await admin(`/clients/${clients.other.id}/tokens`, { method: "POST", body: { count: 2 } });
    expect(minted.status).toBe(201);
    const tokens = minted.body.tokens as { tokenId: string; accessToken: string; format: string }[];
    expect(tokens).toHaveLength(2);
    for (const token of tokens) {
      expect(token.format).toBe("opaque");
      expect((await introspect(token.accessToken)).active).toBe(true);
    }
  });

  it("rejects an invalid mint request body", async () => {
    const result = await admin(`/clients/${clients.other.id}/tokens`, { method: "POST", body: { count: 0, extra: true } });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe("invalid_request");
  });

  it("disables and re-enables a client", async () => {
    const before = accessTokenOf(await clientCredentials(clients.other));

    const disabled = await admin(`/clients/${clients.other.id}/disable`, { method: "POST" });
    expect(disabled.body).toMatchObject({ changed: true, client: { clientId: clients.other.id, enabled: false } });
    const again = await admin(`/clients/${clients.other.id}/disable`, { method: "POST" });
    expect(again.body.changed).toBe(false);

    const rejected = await clientCredentials(clients.other);
    expect(rejected.status).toBe(401);
    expect(rejected.body.error).toBe("invalid_client");
    expect((await introspect(before)).active).toBe(false);
    const mint = await admin(`/clients/${clients.other.id}/tokens`, { method: "POST", body: {} });
    expect(mint.status).toBe(409);

    const enabled = await admin(`/clients/${clients.other.id}/enable`, { method: "POST" });
    expect(enabled.body).toMatchObject({ changed: true, client: { enabled: true } });
    expect((await clientCredentials(clients.other)).status).toBe(200);
  });
});

async function startAuthorization(jar: CookieJar, verifier: string): Promise<string> {
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const query = new URLSearchParams({
    client_id: clients.console.id,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: "openid email profile groups",
    state: "state-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const authorization = await sendWithCookies(jar, `${server.issuer}/auth?${query}`);
  expect(authorization.status).toBe(303);
  return new URL(authorization.headers.get("location") ?? "", server.issuer).href;
}

async function submitLogin(jar: CookieJar, interactionUrl: string, email: string, password: string) {
  return sendWithCookies(jar, `${interactionUrl}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password }),
  });
}

describe("authorization code flow with PKCE", () => {
  it("signs a person in with groups", async () => {
    const jar = new CookieJar();
    const verifier = randomBytes(32).toString("base64url");
    const interactionUrl = await startAuthorization(jar, verifier);

    const page = await sendWithCookies(jar, interactionUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<label for="email">Email</label>');
    expect(html).toContain('name="password"');

    const rejected = await submitLogin(jar, interactionUrl, person.email, "wrong password");
    expect(rejected.status).toBe(401);
    expect(await rejected.text()).toContain("Invalid email or password.");

    const accepted = await submitLogin(jar, interactionUrl, person.email, person.password);
    expect(accepted.status).toBe(303);
    let location = new URL(accepted.headers.get("location") ?? "", server.issuer).href;
    while (!location.startsWith(REDIRECT_URI)) {
      const next = await sendWithCookies(jar, location);
      expect(next.status).toBeGreaterThanOrEqual(302);
      expect(next.status).toBeLessThan(304);
      location = new URL(next.headers.get("location") ?? "", server.issuer).href;
    }
    const callback = new URL(location);
    expect(callback.searchParams.get("state")).toBe("state-123");
    const code = callback.searchParams.get("code") ?? "";

    const tokens = await postForm("/token", clients.console, {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    expect(typeof tokens.body.refresh_token).toBe("string");

    const { payload } = await jwtVerify(String(tokens.body.id_token), createRemoteJWKSet(new URL(server.jwksUri)), {
      issuer: server.issuer,
      audience: clients.console.id,
    });
    expect(payload.sub).toBe(person.email);
    expect(payload.email).toBe(person.email);
    expect(payload.groups).toEqual(person.groups);

    const listing = (await admin(`/tokens?subject=${encodeURIComponent(person.email)}`)).body.tokens as Record<string, unknown>[];
    expect(listing.map((record) => record.kind).sort()).toEqual(["AccessToken", "RefreshToken"]);
  });

  it("requires the PKCE verifier", async () => {
    const jar = new CookieJar();
    const interactionUrl = await startAuthorization(jar, randomBytes(32).toString("base64url"));
    await sendWithCookies(jar, interactionUrl);
    let response = await submitLogin(jar, interactionUrl, person.email, person.password);
    let location = new URL(response.headers.get("location") ?? "", server.issuer).href;
    while (!location.startsWith(REDIRECT_URI)) {
      response = await sendWithCookies(jar, location);
      location = new URL(response.headers.get("location") ?? "", server.issuer).href;
    }
    const code = new URL(location).searchParams.get("code") ?? "";

    const tokens = await postForm("/token", clients.console, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI });
    expect(tokens.status).toBe(400);
    expect(tokens.body.error).toBe("invalid_grant");
  });
});

describe("signInWithAuthorizationCode", () => {
  it("returns tokens for a demo person", async () => {
    const tokens = await signInWithAuthorizationCode({
      issuer: server.issuer,
      clientId: clients.console.id,
      clientSecret: clients.console.secret,
      redirectUri: REDIRECT_URI,
      email: person.email,
      password: person.password,
      scope: "openid email groups",
    });
    expect((await introspect(tokens.accessToken)).sub).toBe(person.email);
    expect(typeof tokens.refreshToken).toBe("string");
    expect(typeof tokens.idToken).toBe("string");
  });

  it("fails for a wrong password", async () => {
    const attempt = signInWithAuthorizationCode({
      issuer: server.issuer,
      clientId: clients.console.id,
      clientSecret: clients.console.secret,
      redirectUri: REDIRECT_URI,
      email: person.email,
      password: "not the password",
      scope: "openid",
    });
    await expect(attempt).rejects.toThrow("sign-in failed with HTTP 401");
  });
});
