import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTHeaderParameters, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startJwksTestServer, type JwksTestServer } from "@/lib/auth/jwks-test-server";
import type { Incident, PrismaClient, WorkloadClient } from "@/lib/db/client";
import { createClient, createIncident } from "@/tests/support/factories";
import { call, openServerDatabase, problem } from "./support/api";
import { startScimDomain, type ScimDomain } from "./support/scim-domain";

// Workload JWTs over HTTP. The server runs with the default audience `cordon` and fetches keys
// only from the JWKS URL registered for the client's issuer.

const AUDIENCE = "cordon";
const SUBJECT = "soar-playbook";

let prisma: PrismaClient;
let scim: ScimDomain;
let incident: Incident;
let client: WorkloadClient;
let issuer: JwksTestServer;
let attacker: JwksTestServer;
let signingKey: CryptoKey;
let publicKeyPem: string;
let attackerKey: CryptoKey;
let nextTarget = 0;

beforeAll(async () => {
  prisma = openServerDatabase();
  scim = await startScimDomain(prisma, 50);
  incident = await createIncident(prisma);

  issuer = await startJwksTestServer();
  attacker = await startJwksTestServer();
  const pair = await generateKeyPair("RS256", { extractable: true });
  const attackerPair = await generateKeyPair("RS256", { extractable: true });
  signingKey = pair.privateKey;
  attackerKey = attackerPair.privateKey;
  publicKeyPem = await exportSPKI(pair.publicKey);
  issuer.serveJson("/jwks.json", { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "issuer-1", alg: "RS256", use: "sig" }] });
  attacker.serveJson("/jwks.json", { keys: [{ ...(await exportJWK(attackerPair.publicKey)), kid: "attacker-1", alg: "RS256", use: "sig" }] });

  // Registered before the first token reaches the server, which caches registered issuers.
  client = await createClient(prisma, { domains: [scim.domain.name], rateLimitPerMinute: 10_000 });
  await prisma.workloadClient.update({ where: { id: client.id }, data: { jwtIssuer: issuer.origin, jwksUrl: issuer.url("/jwks.json"), jwtSubject: SUBJECT } });
});

afterAll(async () => {
  await issuer.close();
  await attacker.close();
  await scim.close();
  await prisma.$disconnect();
});

const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: JWTPayload = {}): JWTPayload {
  return { iss: issuer.origin, sub: SUBJECT, aud: AUDIENCE, iat: now(), exp: now() + 300, ...overrides };
}

function sign(payload: JWTPayload, header: Partial<JWTHeaderParameters> = {}, key: CryptoKey | Uint8Array = signingKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid: "issuer-1", ...header }).sign(key);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function propose(token: string) {
  const identity = scim.identity(nextTarget);
  nextTarget += 1;
  return call("POST", "/actions", {
    token,
    json: { kind: "disable_account", target: { domain: scim.domain.name, identity }, incidentId: incident.id, justification: "Token seen in a public CI log." },
  });
}

const unauthenticated = problem(401, "unauthenticated", "Unauthorized", "the credentials are missing, invalid or expired", "/api/v1/actions");

describe("workload JWT", () => {
  test("a valid token proposes an action as the registered client", async () => {
    const response = await propose(await sign(claims()));

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ requestedBy: { type: "workload", id: client.id } });
  });

  test.each([
    { name: "nbf 30 s ahead, inside the 60 s tolerance", overrides: () => ({ nbf: now() + 30 }) },
    { name: "exp 30 s ago, inside the 60 s tolerance", overrides: () => ({ exp: now() - 30 }) },
    { name: "aud as a one-element array", overrides: () => ({ aud: [AUDIENCE] }) },
  ])("a token with $name is accepted", async ({ overrides }) => {
    const response = await propose(await sign(claims(overrides())));

    expect(response.status).toBe(201);
  });

  const rejected: { name: string; token: () => Promise<string> }[] = [
    { name: "alg none", token: async () => `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims())}.` },
    { name: "HS256 keyed with the issuer's public key", token: () => sign(claims(), { alg: "HS256" }, new TextEncoder().encode(publicKeyPem)) },
    { name: "a wrong audience", token: () => sign(claims({ aud: "another-service" })) },
    { name: "a second audience", token: () => sign(claims({ aud: [AUDIENCE, "another-service"] })) },
    { name: "an unregistered issuer", token: () => sign(claims({ iss: "https://issuer.invalid" })) },
    { name: "an unregistered subject", token: () => sign(claims({ sub: "another-playbook" })) },
    { name: "exp 120 s ago", token: () => sign(claims({ exp: now() - 120 })) },
    { name: "no exp", token: () => sign(claims({ exp: undefined })) },
    { name: "nbf 120 s ahead", token: () => sign(claims({ nbf: now() + 120 })) },
    { name: "an unknown kid", token: () => sign(claims(), { kid: "unknown-key" }, attackerKey) },
    { name: "the issuer's kid on another key's signature", token: () => sign(claims(), {}, attackerKey) },
  ];

  test.each(rejected)("a token with $name is rejected", async ({ token }) => {
    const response = await propose(await token());

    expect(response.status).toBe(401);
    expect(response.body).toEqual(unauthenticated);
  });

  test("a jku header is ignored and its URL is never fetched", async () => {
    const token = await sign(claims(), { kid: "attacker-1", jku: attacker.url("/jwks.json") }, attackerKey);

    const response = await propose(token);

    expect(response.status).toBe(401);
    expect(response.body).toEqual(unauthenticated);
    expect(attacker.requestCount()).toBe(0);
  });

  test("a token of a disabled client is rejected", async () => {
    const token = await sign(claims());
    await prisma.workloadClient.update({ where: { id: client.id }, data: { enabled: false } });

    try {
      const response = await propose(token);

      expect(response.status).toBe(401);
      expect(response.body).toEqual(unauthenticated);
    } finally {
      await prisma.workloadClient.update({ where: { id: client.id }, data: { enabled: true } });
    }
  });
});
