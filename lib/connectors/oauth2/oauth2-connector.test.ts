import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionKind } from "@/lib/actions/catalogue";
import { createOAuth2Connector, ZOAuth2DomainSettings } from "@/lib/connectors/oauth2";
import { planHash } from "@/lib/connectors/plan-hash";
import { type Connector, type ConnectorAction, ConnectorError, type GrantForApply, type Plan } from "@/lib/connectors/types";
import { type OAuthServer, startOAuthServer } from "@/lib/demo/oauth-server";
import { signInWithAuthorizationCode } from "@/lib/demo/oauth-server/authorization-code-flow";
import type { Json } from "@/lib/util/canonical-json";

const ADMIN_TOKEN = "connector-test-admin-token-0123";
const ORDERS_API = "https://orders.test/api";
const CORDON_AUDIENCE = "https://cordon.test/api";
const REDIRECT_URI = "http://127.0.0.1:9/callback";
const CONNECTOR = { id: "cordon-connector", secret: "cordon-connector-secret-0123" };
const CONSOLE = { id: "cordon-console", secret: "cordon-console-secret-012345" };
const PERSON = { email: "grace@example.test", password: "correct horse battery", name: "Grace", groups: ["soc"] };

/** One target client per test, so tests do not see each other's tokens. */
const TARGETS = ["revoke-all", "revoke-named", "drift-added", "drift-revoked", "disable", "disable-keep", "already-off", "hint-only", "off-with-tokens"];
const secretOf = (clientId: string) => `${clientId}-secret-0123456789`;

let server: OAuthServer;
let connector: Connector;
/** Every token value a test obtained; none may appear in a plan, result or error. */
const seenTokenValues: string[] = [];

const context = () => ({ signal: AbortSignal.timeout(10_000) });

function action(kind: ActionKind, identity: string, parameters: Record<string, Json> = {}, resource?: string): ConnectorAction {
  return { id: `action-${kind}-${identity}`, kind, target: { domain: "demo-oauth", identity, resource }, parameters };
}

function grantFor(plan: Plan, actionId: string): GrantForApply {
  return { id: `grant-${actionId}`, actionId, planHash: plan.hash, expiresAt: new Date(Date.now() + 60_000) };
}

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`;
}

async function clientCredentials(clientId: string, form: Record<string, string> = {}) {
  const response = await fetch(`${server.issuer}/token`, {
    method: "POST",
    headers: { authorization: basic(clientId, secretOf(clientId)), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "orders:read", ...form }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function issueToken(clientId: string, form: Record<string, string> = {}): Promise<string> {
  const { body } = await clientCredentials(clientId, form);
  if (typeof body.access_token !== "string") throw new Error(`token request failed: ${JSON.stringify(body)}`);
  seenTokenValues.push(body.access_token);
  return body.access_token;
}

async function isActive(token: string): Promise<boolean> {
  const response = await fetch(`${server.issuer}/token/introspection`, {
    method: "POST",
    headers: { authorization: basic(CONNECTOR.id, CONNECTOR.secret), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }),
  });
  return ((await response.json()) as { active: boolean }).active;
}

async function revokeAsOwner(clientId: string, token: string): Promise<void> {
  const response = await fetch(`${server.issuer}/token/revocation`, {
    method: "POST",
    headers: { authorization: basic(clientId, secretOf(clientId)), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }),
  });
  expect(response.status).toBe(200);
}

function tokenIdOf(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 32);
}

function expectNoTokenValues(value: unknown): void {
  const text = JSON.stringify(value);
  for (const token of seenTokenValues) expect(text).not.toContain(token);
  expect(text).not.toContain(CONNECTOR.secret);
  expect(text).not.toContain(ADMIN_TOKEN);
}

async function connectorErrorOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

beforeAll(async () => {
  server = await startOAuthServer({
    adminToken: ADMIN_TOKEN,
    logger: pino({ level: "silent" }),
    resourceServers: [
      { identifier: ORDERS_API, scope: "orders:read", accessTokenFormat: "opaque" },
      { identifier: CORDON_AUDIENCE, scope: "cordon:actions", accessTokenFormat: "jwt" },
    ],
    clients: [
      { clientId: CONNECTOR.id, clientSecret: CONNECTOR.secret, grantTypes: ["client_credentials"], manageAllTokens: true },
      {
        clientId: CONSOLE.id,
        clientSecret: CONSOLE.secret,
        grantTypes: ["authorization_code", "refresh_token"],
        redirectUris: [REDIRECT_URI],
        scope: "openid email groups",
      },
      ...TARGETS.map((clientId) => ({
        clientId,
        clientSecret: secretOf(clientId),
        grantTypes: ["client_credentials" as const],
        scope: "orders:read cordon:actions",
        defaultResource: ORDERS_API,
      })),
    ],
    persons: [PERSON],
  });
  connector = createOAuth2Connector(
    { issuer: server.issuer, clientId: CONNECTOR.id, adminUrl: server.adminUrl, requestTimeoutMs: 5_000 },
    { clientSecret: CONNECTOR.secret, adminToken: ADMIN_TOKEN },
    { logger: pino({ level: "silent" }) },
  );
});

afterAll(async () => {
  await server?.close();
});

describe("oauth2 connector revoke_token", () => {
  it("revokes all tokens of a client", async () => {
    const first = await issueToken("revoke-all");
    const second = await issueToken("revoke-all");
    await issueToken("revoke-all", { resource: CORDON_AUDIENCE, scope: "cordon:actions" });
    const revokeAll = action("revoke_token", "revoke-all");

    const plan = await connector.plan(revokeAll, context());
    expect(plan.hash).toBe(planHash(plan.diff));
    expect(plan.revertState).toBeNull();
    expect(plan.diff.objects.map((object) => object.id).sort()).toEqual([tokenIdOf(first), tokenIdOf(second)].sort());
    expect(plan.diff.objects[0]).toMatchObject({
      type: "oauth2_token",
      before: { state: "active", clientId: "revoke-all", tokenType: "access_token", scopes: ["orders:read"], audience: ORDERS_API },
      after: { state: "revoked" },
    });
    expect(plan.diff.blastRadius.map((entry) => entry.type)).toEqual(["oauth2_client", "oauth2_token"]);
    expect(plan.diff.blastRadius[1]?.description).toContain("self-contained JWT");
    expectNoTokenValues(plan);

    const applied = await connector.apply(revokeAll, grantFor(plan, revokeAll.id), context());
    expect(applied.outcome).toBe("applied");
    expect(applied.detail).toBe("revoked 2 token(s) of revoke-all through RFC 7009");
    expect(applied.references).toContainEqual({ type: "oauth2_token_id", value: tokenIdOf(first) });
    expect(applied.references.some((reference) => reference.type === "request_id")).toBe(true);
    expectNoTokenValues(applied);
    expect(await isActive(first)).toBe(false);
    expect(await isActive(second)).toBe(false);

    const verified = await connector.verify(revokeAll, context());
    expect(verified).toMatchObject({ verified: true, detail: "2 token(s) of revoke-all introspect as inactive (RFC 7662)" });
    expectNoTokenValues(verified);

    const again = await connector.apply(revokeAll, grantFor(plan, revokeAll.id), context());
    expect(again.outcome).toBe("already_in_effect");
    expect(plan.changes).toBe(true);
    const replanned = await connector.plan(revokeAll, context());
    expect(replanned.diff.objects).toEqual([]);
    expect(replanned.changes).toBe(false);
    expect(replanned.currentState).toBe(
      "revoke-all has no active opaque token to revoke (its 1 active self-contained JWT access token(s) stay valid until they expire, because RFC 7009 cannot revoke them)",
    );
  });

  it("revokes only the named token", async () => {
    const named = await issueToken("revoke-named");
    const other = await issueToken("revoke-named");
    const revokeOne = action("revoke_token", "revoke-named", {}, tokenIdOf(named));

    const plan = await connector.plan(revokeOne, context());
    expect(plan.diff.objects.map((object) => object.id)).toEqual([tokenIdOf(named)]);
    const applied = await connector.apply(revokeOne, grantFor(plan, revokeOne.id), context());
    expect(applied.outcome).toBe("applied");

    expect(await isActive(named)).toBe(false);
    expect(await isActive(other)).toBe(true);
    expect((await connector.verify(revokeOne, context())).verified).toBe(true);
    expect((await connector.apply(revokeOne, grantFor(plan, revokeOne.id), context())).outcome).toBe("already_in_effect");

    const replanned = await connector.plan(revokeOne, context());
    expect(replanned.changes).toBe(false);
    expect(replanned.currentState).toBe(`the named token(s) ${tokenIdOf(named)} of revoke-named are already revoked`);
  });

  it("plans no change when no token matches tokenHint", async () => {
    const empty = await connector.plan(action("revoke_token", "hint-only"), context());
    expect(empty.changes).toBe(false);
    expect(empty.currentState).toBe("hint-only has no active opaque token to revoke");

    await issueToken("hint-only");
    const refreshOnly = await connector.plan(action("revoke_token", "hint-only", { tokenHint: "refresh_token" }), context());
    const all = await connector.plan(action("revoke_token", "hint-only", { tokenHint: "all" }), context());

    expect(refreshOnly.changes).toBe(false);
    expect(refreshOnly.currentState).toBe("hint-only has no active opaque refresh token to revoke");
    expect(all.changes).toBe(true);
    expect(all.currentState).toBeUndefined();
  });

  it("fails verification while a token remains", async () => {
    await issueToken("revoke-named");
    const verified = await connector.verify(action("revoke_token", "revoke-named"), context());
    expect(verified.verified).toBe(false);
    expect(verified.detail).toMatch(/^token\(s\) of revoke-named still active: [0-9a-f]{32}/);
  });

  it("rejects a foreign token id", async () => {
    const error = await connectorErrorOf(connector.plan(action("revoke_token", "revoke-named", {}, "0".repeat(32)), context()));
    expect(error.transient).toBe(false);
    expect(error.message).toBe(`token ${"0".repeat(32)} not found among the tokens of revoke-named; check target.resource and tokenIds`);
  });

  it("cannot be reverted", async () => {
    const revokeAll = action("revoke_token", "revoke-all");
    const plan = await connector.plan(revokeAll, context());
    const error = await connectorErrorOf(connector.revert(revokeAll, plan, context()));
    expect(error.transient).toBe(false);
  });

  it("revokes a person's tokens by subject", async () => {
    const tokens = await signInWithAuthorizationCode({
      issuer: server.issuer,
      clientId: CONSOLE.id,
      clientSecret: CONSOLE.secret,
      redirectUri: REDIRECT_URI,
      email: PERSON.email,
      password: PERSON.password,
      scope: "openid email groups",
    });
    seenTokenValues.push(tokens.accessToken, tokens.refreshToken ?? "", tokens.idToken ?? "");
    const revokePerson = action("revoke_token", PERSON.email);

    const plan = await connector.plan(revokePerson, context());
    expect(plan.diff.objects.map((object) => object.before.tokenType).sort()).toEqual(["access_token", "refresh_token"]);
    expect(plan.diff.blastRadius).toContainEqual(expect.objectContaining({ type: "oauth2_subject", id: PERSON.email }));
    expectNoTokenValues(plan);

    expect((await connector.apply(revokePerson, grantFor(plan, revokePerson.id), context())).outcome).toBe("applied");
    expect(await isActive(tokens.accessToken)).toBe(false);
    expect(await isActive(tokens.refreshToken ?? "")).toBe(false);
    expect((await connector.verify(revokePerson, context())).verified).toBe(true);
  });
});

describe("oauth2 connector plan drift", () => {
  it("keeps the hash while the state is unchanged", async () => {
    await issueToken("drift-added");
    const planAction = action("revoke_token", "drift-added");
    const first = await connector.plan(planAction, context());
    const second = await connector.plan(planAction, context());
    expect(second.hash).toBe(first.hash);
  });

  it("changes the hash when a token is added between plans", async () => {
    const planAction = action("revoke_token", "drift-added");
    const before = await connector.plan(planAction, context());
    await issueToken("drift-added");
    const after = await connector.plan(planAction, context());
    expect(after.hash).not.toBe(before.hash);
    expect(after.diff.objects).toHaveLength(before.diff.objects.length + 1);
  });

  it("changes the hash when someone else revokes a token between plans", async () => {
    const remaining = await issueToken("drift-revoked");
    const revokedElsewhere = await issueToken("drift-revoked");
    const planAction = action("revoke_token", "drift-revoked");
    const before = await connector.plan(planAction, context());

    await revokeAsOwner("drift-revoked", revokedElsewhere);
    const after = await connector.plan(planAction, context());
    expect(after.hash).not.toBe(before.hash);
    expect(after.diff.objects.map((object) => object.id)).toEqual([tokenIdOf(remaining)]);
  });
});

describe("oauth2 connector disable_account", () => {
  it("disables and re-enables a client", async () => {
    const token = await issueToken("disable");
    const disable = action("disable_account", "disable");

    const plan = await connector.plan(disable, context());
    expect(plan.revertState).toEqual({ enabled: true });
    expect(plan.diff.objects[0]).toMatchObject({ type: "oauth2_client", id: "disable", before: { enabled: true }, after: { enabled: false } });
    expect(plan.diff.objects[1]).toMatchObject({ type: "oauth2_token", id: tokenIdOf(token), after: { state: "revoked" } });
    expectNoTokenValues(plan);

    const applied = await connector.apply(disable, grantFor(plan, disable.id), context());
    expect(applied).toMatchObject({ outcome: "applied", detail: "disabled client disable; revoked 1 token(s) through RFC 7009" });
    const rejected = await clientCredentials("disable");
    expect(rejected.status).toBe(401);
    expect(rejected.body.error).toBe("invalid_client");
    expect(await isActive(token)).toBe(false);

    const verified = await connector.verify(disable, context());
    expect(verified.verified).toBe(true);
    expect((await connector.apply(disable, grantFor(plan, disable.id), context())).outcome).toBe("already_in_effect");

    const reverted = await connector.revert(disable, plan, context());
    expect(reverted.outcome).toBe("applied");
    expect((await clientCredentials("disable")).status).toBe(200);
    expect(await isActive(token)).toBe(false);
    expect((await connector.revert(disable, plan, context())).outcome).toBe("already_in_effect");
    expect((await connector.verify(disable, context())).verified).toBe(false);
  });

  it("keeps tokens when terminateSessions is false", async () => {
    await issueToken("disable-keep");
    const disable = action("disable_account", "disable-keep", { terminateSessions: false });

    const plan = await connector.plan(disable, context());
    expect(plan.diff.objects).toHaveLength(1);
    expect(plan.diff.blastRadius.map((entry) => entry.description)).toContainEqual(expect.stringContaining("terminateSessions is false"));

    const applied = await connector.apply(disable, grantFor(plan, disable.id), context());
    expect(applied.detail).toBe("disabled client disable-keep");
    expect((await connector.verify(disable, context())).verified).toBe(true);
    const listing = await fetch(`${server.adminUrl}/tokens?client_id=disable-keep`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await listing.json()) as { tokens: unknown[] }).tokens).toHaveLength(1);
  });

  it("leaves an already disabled client disabled", async () => {
    await fetch(`${server.adminUrl}/clients/already-off/disable`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const disable = action("disable_account", "already-off");
    const plan = await connector.plan(disable, context());
    expect(plan.revertState).toEqual({ enabled: false });
    expect(plan.changes).toBe(false);
    expect(plan.currentState).toBe("OAuth client already-off is already disabled and has no active opaque token");

    expect((await connector.apply(disable, grantFor(plan, disable.id), context())).outcome).toBe("already_in_effect");
    expect((await connector.revert(disable, plan, context())).outcome).toBe("already_in_effect");
    expect((await clientCredentials("already-off")).status).toBe(401);
  });

  it("plans token revocation for a disabled client", async () => {
    await issueToken("off-with-tokens");
    await fetch(`${server.adminUrl}/clients/off-with-tokens/disable`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

    const revoking = await connector.plan(action("disable_account", "off-with-tokens"), context());
    const keeping = await connector.plan(action("disable_account", "off-with-tokens", { terminateSessions: false }), context());

    expect(revoking.changes).toBe(true);
    expect(revoking.diff.objects.map((object) => object.type)).toEqual(["oauth2_client", "oauth2_token"]);
    expect(keeping.changes).toBe(false);
    expect(keeping.currentState).toBe("OAuth client off-with-tokens is already disabled and keeps its 1 active opaque token(s), as terminateSessions is false");
  });

  it("rejects an unknown client", async () => {
    const error = await connectorErrorOf(connector.plan(action("disable_account", "nobody"), context()));
    expect(error.transient).toBe(false);
    expect(error.message).toBe("OAuth client nobody not found in domain demo-oauth; disable_account applies to clients only");
  });
});

/** Starts a loopback HTTP server with a fixed behaviour for the error-mapping tests. */
async function startStubServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const stub = createServer(handler);
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`, server: stub };
}

async function stopStubServer(stub: Server): Promise<void> {
  stub.closeAllConnections();
  await new Promise<void>((resolve) => stub.close(() => resolve()));
}

function connectorFor(baseUrl: string, requestTimeoutMs = 5_000): Connector {
  return createOAuth2Connector(
    {
      endpoints: { introspection: `${baseUrl}/introspect`, revocation: `${baseUrl}/revoke` },
      clientId: CONNECTOR.id,
      adminUrl: `${baseUrl}/admin`,
      requestTimeoutMs,
    },
    { clientSecret: CONNECTOR.secret, adminToken: ADMIN_TOKEN },
    { logger: pino({ level: "silent" }) },
  );
}

describe("oauth2 connector error mapping", () => {
  it.each([
    [503, true],
    [429, true],
    [500, true],
    [403, false],
    [404, false],
  ])("maps HTTP %i to transient=%s", async (status, transient) => {
    const stub = await startStubServer((_req, res) => {
      res.writeHead(status, { "content-type": "application/json", "x-request-id": "stub-request-1" });
      res.end(JSON.stringify({ error: "stub_error", error_description: "echo of a secret value" }));
    });
    try {
      const error = await connectorErrorOf(connectorFor(stub.url).plan(action("revoke_token", "anyone"), context()));
      expect(error.transient).toBe(transient);
      expect(error.message).toBe(`admin API failed with HTTP ${status} (stub_error)`);
      expect(error.references).toEqual([{ type: "request_id", value: "stub-request-1" }]);
    } finally {
      await stopStubServer(stub.server);
    }
  });

  it("maps a refused connection to a transient error", async () => {
    const stub = await startStubServer((_req, res) => res.end());
    await stopStubServer(stub.server);
    const error = await connectorErrorOf(connectorFor(stub.url).plan(action("revoke_token", "anyone"), context()));
    expect(error.transient).toBe(true);
    expect(error.message).toBe("admin API request failed: ECONNREFUSED");
  });

  it("times out a silent server", async () => {
    const stub = await startStubServer(() => undefined);
    try {
      const error = await connectorErrorOf(connectorFor(stub.url, 200).plan(action("revoke_token", "anyone"), context()));
      expect(error.transient).toBe(true);
      expect(error.message).toBe("admin API request timed out after 200 ms");
    } finally {
      await stopStubServer(stub.server);
    }
  });

  it("stops when the caller's signal aborts", async () => {
    const stub = await startStubServer(() => undefined);
    try {
      const signal = AbortSignal.timeout(100);
      const error = await connectorErrorOf(connectorFor(stub.url).plan(action("revoke_token", "anyone"), { signal }));
      expect(error.transient).toBe(true);
      expect(error.message).toBe("admin API request aborted by the caller's deadline");
    } finally {
      await stopStubServer(stub.server);
    }
  });

  it("rejects a wrong client secret", async () => {
    const token = await issueToken("revoke-named");
    const wrongSecret = createOAuth2Connector(
      { issuer: server.issuer, clientId: CONNECTOR.id, adminUrl: server.adminUrl },
      { clientSecret: "not-the-secret", adminToken: ADMIN_TOKEN },
      { logger: pino({ level: "silent" }) },
    );
    const revokeOne = action("revoke_token", "revoke-named", {}, tokenIdOf(token));
    const plan = await wrongSecret.plan(revokeOne, context());
    const error = await connectorErrorOf(wrongSecret.apply(revokeOne, grantFor(plan, revokeOne.id), context()));
    expect(error.transient).toBe(false);
    expect(error.message).toBe("revocation endpoint failed with HTTP 401 (invalid_client)");
    expect(await isActive(token)).toBe(true);
  });

  it("rejects a discovery document for another issuer", async () => {
    const stub = await startStubServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer: "https://elsewhere.test", introspection_endpoint: "https://elsewhere.test/i", revocation_endpoint: "https://elsewhere.test/r" }));
    });
    try {
      const mixedUp = createOAuth2Connector(
        { issuer: stub.url, clientId: CONNECTOR.id, adminUrl: server.adminUrl },
        { clientSecret: CONNECTOR.secret, adminToken: ADMIN_TOKEN },
        { logger: pino({ level: "silent" }) },
      );
      await issueToken("revoke-named");
      const error = await connectorErrorOf(mixedUp.verify(action("revoke_token", "revoke-named"), context()));
      expect(error.transient).toBe(false);
      expect(error.message).toContain(`names issuer https://elsewhere.test, expected ${stub.url}`);
    } finally {
      await stopStubServer(stub.server);
    }
  });
});

describe("createOAuth2Connector", () => {
  it.each([
    ["an http issuer that is not loopback", { issuer: "http://auth.example.test", clientId: "c" }],
    ["neither issuer nor endpoints", { clientId: "c" }],
    ["an issuer with a query", { issuer: "https://auth.example.test/?tenant=1", clientId: "c" }],
    ["an unknown setting", { issuer: "https://auth.example.test", clientId: "c", extra: true }],
  ])("rejects settings with %s", (_case, settings) => {
    expect(ZOAuth2DomainSettings.safeParse(settings).success).toBe(false);
  });

  it("requires adminUrl and adminToken together", () => {
    expect(() => createOAuth2Connector({ issuer: "https://auth.example.test", clientId: "c", adminUrl: "https://auth.example.test/admin" }, { clientSecret: "s" })).toThrow(
      "adminUrl in the settings and adminToken in the credentials must be set together",
    );
  });

  it("keeps secrets out of credential errors", () => {
    const secret = "x".repeat(2000);
    expect(() => createOAuth2Connector({ issuer: "https://auth.example.test", clientId: "c" }, { clientSecret: secret })).toThrow(
      /^invalid oauth2 credentials: check clientSecret/,
    );
    try {
      createOAuth2Connector({ issuer: "https://auth.example.test", clientId: "c" }, { clientSecret: secret });
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
  });

  it("describes credentials without secrets", () => {
    const requirements = connector.describeCredentials();
    expect(requirements).toHaveLength(2);
    expectNoTokenValues(requirements);
  });

  it("rejects unsupported action kinds", async () => {
    expect(connector.supportedKinds).toEqual(["revoke_token", "disable_account"]);
    const error = await connectorErrorOf(connector.plan(action("rotate_credential", "revoke-all"), context()));
    expect(error.transient).toBe(false);
    expect(error.message).toContain("does not support rotate_credential");
  });

  it("reports a missing admin API for revoke_token", async () => {
    const withoutAdmin = createOAuth2Connector({ issuer: server.issuer, clientId: CONNECTOR.id }, { clientSecret: CONNECTOR.secret });
    const error = await connectorErrorOf(withoutAdmin.plan(action("revoke_token", "revoke-all"), context()));
    expect(error.message).toContain("set adminUrl in the domain settings");
  });
});
