import {
  CompactSign,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { JwksCache } from "@/lib/auth/jwks-cache";
import { startJwksTestServer, type JwksTestServer } from "@/lib/auth/jwks-test-server";
import {
  verifyWorkloadJwt,
  WorkloadAuthError,
  type RegisteredIssuer,
  type VerifyWorkloadJwtOptions,
  type WorkloadAuthErrorReason,
  type WorkloadJwtAlgorithm,
} from "@/lib/auth/workload-jwt";

const AUDIENCE = "https://cordon.test/api/v1";
const NOW = new Date("2026-03-01T12:00:00Z");
const NOW_SECONDS = NOW.getTime() / 1000;

interface SigningKey {
  alg: WorkloadJwtAlgorithm;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

async function createSigningKey(alg: WorkloadJwtAlgorithm, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519" } : undefined);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

function at(offsetSeconds: number): () => Date {
  return () => new Date(NOW.getTime() + offsetSeconds * 1000);
}

async function rejectionOf(promise: Promise<unknown>): Promise<WorkloadAuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkloadAuthError) return error;
    throw error;
  }
  throw new Error("expected a WorkloadAuthError, but verification succeeded");
}

describe("verifyWorkloadJwt", () => {
  let server: JwksTestServer;
  let attacker: JwksTestServer;
  let keys: Record<WorkloadJwtAlgorithm, SigningKey>;
  let attackerKey: SigningKey;
  let issuer: RegisteredIssuer;

  beforeAll(async () => {
    [server, attacker] = await Promise.all([startJwksTestServer(), startJwksTestServer()]);
    keys = {
      RS256: await createSigningKey("RS256", "rsa-1"),
      PS256: await createSigningKey("PS256", "rsa-pss-1"),
      ES256: await createSigningKey("ES256", "ec-1"),
      EdDSA: await createSigningKey("EdDSA", "ed25519-1"),
    };
    attackerKey = await createSigningKey("RS256", "attacker-1");

    server.serveJson("/jwks.json", { keys: Object.values(keys).map((key) => key.publicJwk) });
    attacker.serveJson("/jwks.json", { keys: [attackerKey.publicJwk] });
    issuer = { issuer: server.origin, jwksUrl: server.url("/jwks.json") };
  });

  afterAll(async () => {
    await Promise.all([server?.close(), attacker?.close()]);
  });

  function claimsFor(overrides: JWTPayload = {}): JWTPayload {
    return { iss: server.origin, sub: "soar-playbook-7", aud: AUDIENCE, iat: NOW_SECONDS, exp: NOW_SECONDS + 300, ...overrides };
  }

  function sign(key: SigningKey, claims: JWTPayload = {}, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
    return new SignJWT(claimsFor(claims)).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
  }

  function verify(token: string, options: Partial<VerifyWorkloadJwtOptions> = {}) {
    return verifyWorkloadJwt(token, {
      audience: AUDIENCE,
      issuers: [issuer],
      now: () => NOW,
      jwksCache: new JwksCache(),
      ...options,
    });
  }

  async function expectRejected(token: string, reason: WorkloadAuthErrorReason, options: Partial<VerifyWorkloadJwtOptions> = {}) {
    const error = await rejectionOf(verify(token, options));
    expect(error.reason).toBe(reason);
    expect(error.message).not.toContain(token);
    for (const segment of token.split(".").filter((part) => part.length > 8)) {
      expect(error.message).not.toContain(segment);
    }
    return error;
  }

  it.each(["RS256", "PS256", "ES256", "EdDSA"] as const)("verifyWorkloadJwt accepts a valid %s token", async (alg) => {
    const token = await sign(keys[alg]);

    const verified = await verify(token);

    expect(verified.issuer).toBe(server.origin);
    expect(verified.subject).toBe("soar-playbook-7");
    expect(verified.audience).toBe(AUDIENCE);
    expect(verified.expiresAt).toEqual(new Date((NOW_SECONDS + 300) * 1000));
    expect(verified.keyId).toBe(keys[alg].kid);
    expect(verified.algorithm).toBe(alg);
    expect(verified.claims.sub).toBe("soar-playbook-7");
  });

  it("verifyWorkloadJwt rejects alg none without fetching keys", async () => {
    const token = new UnsecuredJWT(claimsFor()).encode();
    const before = server.requestCount();

    await expectRejected(token, "unsupported_algorithm");

    expect(server.requestCount()).toBe(before);
  });

  it("verifyWorkloadJwt rejects HS256 keyed with the RSA public key", async () => {
    const publicKeyPem = new TextEncoder().encode(await exportSPKI(keys.RS256.publicKey));
    const token = await new SignJWT(claimsFor())
      .setProtectedHeader({ alg: "HS256", kid: keys.RS256.kid })
      .sign(publicKeyPem);

    await expectRejected(token, "unsupported_algorithm");
  });

  it("verifyWorkloadJwt rejects a wrong audience", async () => {
    await expectRejected(await sign(keys.ES256, { aud: "https://other-service.test" }), "wrong_audience");
  });

  it("verifyWorkloadJwt rejects an audience list naming another service", async () => {
    await expectRejected(await sign(keys.ES256, { aud: [AUDIENCE, "https://other-service.test"] }), "wrong_audience");
  });

  it("verifyWorkloadJwt accepts a one-element audience list", async () => {
    const verified = await verify(await sign(keys.ES256, { aud: [AUDIENCE] }));

    expect(verified.audience).toBe(AUDIENCE);
  });

  it("verifyWorkloadJwt rejects an unregistered issuer", async () => {
    await expectRejected(await sign(keys.ES256, { iss: "https://rogue-idp.test" }), "unknown_issuer");
  });

  it("verifyWorkloadJwt matches the issuer exactly", async () => {
    await expectRejected(await sign(keys.ES256, { iss: `${server.origin}/` }), "unknown_issuer");
  });

  it("verifyWorkloadJwt rejects an expired token", async () => {
    await expectRejected(await sign(keys.ES256, { exp: NOW_SECONDS - 61 }), "expired");
  });

  it("verifyWorkloadJwt accepts exp within the clock tolerance", async () => {
    const verified = await verify(await sign(keys.ES256, { exp: NOW_SECONDS - 59 }));

    expect(verified.expiresAt.getTime()).toBe((NOW_SECONDS - 59) * 1000);
  });

  it("verifyWorkloadJwt rejects nbf beyond the clock tolerance", async () => {
    await expectRejected(await sign(keys.ES256, { nbf: NOW_SECONDS + 61 }), "not_yet_valid");
  });

  it("verifyWorkloadJwt accepts nbf within the clock tolerance", async () => {
    const verified = await verify(await sign(keys.ES256, { nbf: NOW_SECONDS + 59 }));

    expect(verified.claims.nbf).toBe(NOW_SECONDS + 59);
  });

  it("verifyWorkloadJwt rejects iat beyond the clock tolerance", async () => {
    await expectRejected(await sign(keys.ES256, { iat: NOW_SECONDS + 61 }), "not_yet_valid");
  });

  it.each([
    ["exp", { exp: undefined }],
    ["sub", { sub: undefined }],
    ["empty sub", { sub: "" }],
    ["aud", { aud: undefined }],
    ["iss", { iss: undefined }],
  ] as const)("verifyWorkloadJwt rejects a token missing %s", async (_name, claims) => {
    await expectRejected(await sign(keys.ES256, claims), "missing_claim");
  });

  it.each<[string, Record<string, unknown>]>([
    ["exp as a string", { exp: String(NOW_SECONDS + 300) }],
    ["sub as a number", { sub: 42 }],
    ["iss as a number", { iss: 42 }],
  ])("verifyWorkloadJwt rejects %s", async (_name, claims) => {
    await expectRejected(await sign(keys.ES256, claims as JWTPayload), "malformed");
  });

  it("verifyWorkloadJwt rejects an exp that JSON parses to Infinity", async () => {
    const payload = `{"iss":${JSON.stringify(server.origin)},"sub":"x","aud":${JSON.stringify(AUDIENCE)},"exp":1e400}`;
    const token = await new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: "ES256", kid: keys.ES256.kid })
      .sign(keys.ES256.privateKey);

    await expectRejected(token, "malformed");
  });

  it("verifyWorkloadJwt rejects a payload swapped under a valid signature", async () => {
    const [header, , signature] = (await sign(keys.RS256)).split(".");
    const [, otherPayload] = (await sign(keys.RS256, { sub: "someone-else" })).split(".");

    await expectRejected(`${header}.${otherPayload}.${signature}`, "bad_signature");
  });

  it("verifyWorkloadJwt rejects a signature by another key under a known kid", async () => {
    const token = await new SignJWT(claimsFor())
      .setProtectedHeader({ alg: "RS256", kid: keys.RS256.kid })
      .sign(attackerKey.privateKey);

    await expectRejected(token, "bad_signature");
  });

  it("verifyWorkloadJwt rejects an alg that does not fit the kid's key type", async () => {
    const token = await new SignJWT(claimsFor())
      .setProtectedHeader({ alg: "ES256", kid: keys.RS256.kid })
      .sign(keys.ES256.privateKey);

    await expectRejected(token, "unknown_key");
  });

  it("verifyWorkloadJwt rejects a header with crit", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "EdDSA", kid: keys.EdDSA.kid, crit: ["exp"], exp: 1 })).toString("base64url");
    const payload = Buffer.from(JSON.stringify(claimsFor())).toString("base64url");
    const signingInput = new TextEncoder().encode(`${header}.${payload}`);
    const signature = Buffer.from(await crypto.subtle.sign("Ed25519", keys.EdDSA.privateKey, signingInput)).toString("base64url");

    await expectRejected(`${header}.${payload}.${signature}`, "malformed");
  });

  it("verifyWorkloadJwt rejects a token longer than 16 KiB", async () => {
    await expectRejected(await sign(keys.ES256, { padding: "x".repeat(16 * 1024) }), "malformed");
  });

  it("verifyWorkloadJwt refetches JWKS for unknown kid every 30 s at most", async () => {
    const path = "/rotation/jwks.json";
    const rotationIssuer = { issuer: server.url("/rotation"), jwksUrl: server.url(path) };
    const original = await createSigningKey("ES256", "rotation-1");
    const rotated = await createSigningKey("ES256", "rotation-2");
    server.serveJson(path, { keys: [original.publicJwk] });
    const options = { issuers: [rotationIssuer], jwksCache: new JwksCache() };
    const claims = { iss: rotationIssuer.issuer };

    await verify(await sign(original, claims), { ...options, now: at(0) });
    expect(server.requestCount(path)).toBe(1);

    server.serveJson(path, { keys: [original.publicJwk, rotated.publicJwk] });
    const rotatedToken = await sign(rotated, claims);
    await expectRejected(rotatedToken, "unknown_key", { ...options, now: at(5) });
    expect(server.requestCount(path)).toBe(1);

    const verified = await verify(rotatedToken, { ...options, now: at(31) });
    expect(verified.keyId).toBe("rotation-2");
    expect(server.requestCount(path)).toBe(2);

    const unpublished = await sign(await createSigningKey("ES256", "never-published"), claims);
    await expectRejected(unpublished, "unknown_key", { ...options, now: at(40) });
    expect(server.requestCount(path)).toBe(2);
    await expectRejected(unpublished, "unknown_key", { ...options, now: at(62) });
    expect(server.requestCount(path)).toBe(3);
  });

  it("verifyWorkloadJwt ignores jku, x5u and jwk headers", async () => {
    const jwksCache = new JwksCache();
    const headers: Partial<JWTHeaderParameters>[] = [
      { jku: attacker.url("/jwks.json") },
      { x5u: attacker.url("/cert.pem") },
      { jwk: attackerKey.publicJwk },
    ];
    const before = server.requestCount("/jwks.json");

    for (const [index, header] of headers.entries()) {
      const unknownKid = await sign(attackerKey, {}, header);
      await expectRejected(unknownKid, "unknown_key", { jwksCache, now: at(index * 31) });

      const knownKid = await sign(attackerKey, {}, { ...header, kid: keys.RS256.kid });
      await expectRejected(knownKid, "bad_signature", { jwksCache, now: at(index * 31) });
    }

    expect(attacker.requestCount()).toBe(0);
    expect(server.requestCount("/jwks.json") - before).toBe(3);
  });

  it("verifyWorkloadJwt finds the JWKS through OpenID Connect discovery", async () => {
    const discoveredIssuer = server.url("/oidc");
    server.serveJson("/oidc/.well-known/openid-configuration", {
      issuer: discoveredIssuer,
      jwks_uri: server.url("/jwks.json"),
    });
    const token = await sign(keys.PS256, { iss: discoveredIssuer });

    const verified = await verify(token, { issuers: [{ issuer: discoveredIssuer, discovery: true }] });

    expect(verified.issuer).toBe(discoveredIssuer);
    expect(server.requestCount("/oidc/.well-known/openid-configuration")).toBeGreaterThan(0);
  });

  it("verifyWorkloadJwt rejects discovery metadata naming another issuer", async () => {
    const discoveredIssuer = server.url("/oidc-mismatch");
    server.serveJson("/oidc-mismatch/.well-known/openid-configuration", {
      issuer: "https://impostor.test",
      jwks_uri: server.url("/jwks.json"),
    });
    const token = await sign(keys.PS256, { iss: discoveredIssuer });

    await expectRejected(token, "jwks_unavailable", { issuers: [{ issuer: discoveredIssuer, discovery: true }] });
  });

  it("verifyWorkloadJwt verifies with a static JWKS without network", async () => {
    const before = server.requestCount();
    const staticIssuer = { issuer: "urn:cordon:test:static", jwks: { keys: [keys.EdDSA.publicJwk] } };

    const verified = await verify(await sign(keys.EdDSA, { iss: staticIssuer.issuer }), { issuers: [staticIssuer] });

    expect(verified.algorithm).toBe("EdDSA");
    expect(server.requestCount()).toBe(before);
  });

  it("verifyWorkloadJwt reports an unreachable JWKS as jwks_unavailable", async () => {
    const token = await sign(keys.ES256);

    const error = await expectRejected(token, "jwks_unavailable", {
      issuers: [{ issuer: server.origin, jwksUrl: server.url("/no-such-jwks.json") }],
    });

    expect(error.message).not.toContain("/no-such-jwks.json");
  });

  it("verifyWorkloadJwt rejects an issuer registered without a key source", async () => {
    await expectRejected(await sign(keys.ES256), "jwks_unavailable", { issuers: [{ issuer: server.origin }] });
  });
});
