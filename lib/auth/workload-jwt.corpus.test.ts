import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

import { JwksCache } from "@/lib/auth/jwks-cache";
import { startJwksTestServer, type JwksTestServer } from "@/lib/auth/jwks-test-server";
import {
  verifyWorkloadJws,
  verifyWorkloadJwt,
  WORKLOAD_JWT_ALGORITHMS,
  WorkloadAuthError,
  type RegisteredIssuer,
  type WorkloadAuthErrorReason,
} from "@/lib/auth/workload-jwt";

const FIXTURES = fileURLToPath(new URL("../../tests/fixtures/", import.meta.url));
const NOW = new Date("2026-03-01T12:00:00Z");
const NOW_SECONDS = NOW.getTime() / 1000;
const AUDIENCE = "https://cordon.test/api/v1";

// Project Wycheproof's JWS vectors (C2SP/wycheproof, Apache-2.0). Each group carries the
// verification key as a JWK, except HMAC groups, which carry only a private key.
const ZWycheproofJws = z.object({
  numberOfTests: z.number(),
  testGroups: z.array(
    z.object({
      comment: z.string(),
      public: z.looseObject({ kty: z.string() }).optional(),
      tests: z.array(
        z.object({
          tcId: z.number(),
          comment: z.string(),
          jws: z.string(),
          result: z.enum(["valid", "invalid"]),
        }),
      ),
    }),
  ),
});

const wycheproof = ZWycheproofJws.parse(
  JSON.parse(readFileSync(`${FIXTURES}wycheproof/json_web_signature_test.json`, "utf8")),
);
const naughtyStrings = z
  .array(z.string())
  .parse(JSON.parse(readFileSync(`${FIXTURES}naughty-strings/blns.json`, "utf8")));

type Outcome = { kind: "accepted" } | { kind: "rejected"; reason: WorkloadAuthErrorReason } | { kind: "threw"; error: unknown };

async function outcomeOf(verification: Promise<unknown>): Promise<Outcome> {
  try {
    await verification;
    return { kind: "accepted" };
  } catch (error) {
    if (error instanceof WorkloadAuthError) return { kind: "rejected", reason: error.reason };
    return { kind: "threw", error };
  }
}

function headerAlg(jws: string): string | undefined {
  try {
    const alg = decodeProtectedHeader(jws).alg;
    return typeof alg === "string" ? alg : undefined;
  } catch {
    return undefined;
  }
}

describe("verifyWorkloadJws with Wycheproof vectors", () => {
  interface VectorResult {
    tcId: number;
    group: string;
    comment: string;
    expected: "valid" | "invalid";
    alg: string | undefined;
    signature: Outcome;
    jwt: Outcome;
  }

  let server: JwksTestServer;
  const results: VectorResult[] = [];

  beforeAll(async () => {
    server = await startJwksTestServer();
    const issuers: RegisteredIssuer[] = wycheproof.testGroups.map((group, index) => {
      const path = `/groups/${index}/jwks.json`;
      // HMAC groups have no public key; an empty set is what a JWKS endpoint would serve for them.
      server.serveJson(path, { keys: group.public ? [group.public] : [] });
      return { issuer: server.url(`/groups/${index}`), jwksUrl: server.url(path) };
    });
    const jwksCache = new JwksCache();

    for (const [index, group] of wycheproof.testGroups.entries()) {
      const issuer = issuers[index];
      if (!issuer) throw new Error(`no issuer for group ${index}`);
      for (const vector of group.tests) {
        const signature = await outcomeOf(verifyWorkloadJws(vector.jws, { issuer, now: () => NOW, jwksCache }));
        const jwt = await outcomeOf(verifyWorkloadJwt(vector.jws, { audience: AUDIENCE, issuers, now: () => NOW, jwksCache }));
        results.push({
          tcId: vector.tcId,
          group: group.comment,
          comment: vector.comment,
          expected: vector.result,
          alg: headerAlg(vector.jws),
          signature,
          jwt,
        });
      }
    }
  });

  afterAll(async () => {
    await server?.close();
  });

  it("Wycheproof file holds the advertised number of vectors", () => {
    expect(results).toHaveLength(wycheproof.numberOfTests);
    expect(results.filter((result) => result.expected === "invalid")).toHaveLength(355);
  });

  it("verifyWorkloadJws throws only WorkloadAuthError for every vector", () => {
    const threw = results.filter((result) => result.signature.kind === "threw" || result.jwt.kind === "threw");

    expect(threw.map(({ tcId, comment }) => ({ tcId, comment }))).toEqual([]);
  });

  it("verifyWorkloadJws rejects every invalid vector", () => {
    const accepted = results.filter((result) => result.expected === "invalid" && result.signature.kind === "accepted");

    expect(accepted.map(({ tcId, comment }) => ({ tcId, comment }))).toEqual([]);
  });

  // Of the 46 valid vectors, 16 use RS256, PS256 or ES256 and verify. The other 30 use HS256 (10),
  // PS384 (6), RS384 (4), RS512 (4), PS512 (4) or ES512 (2), which workloads may not use. 28 of
  // them are rejected as unsupported_algorithm. Vectors 372 and 373 (HS256) contain a "?", which is
  // outside the base64url alphabet, and are rejected as malformed before the header is read. The
  // vectors include no EdDSA case.
  it("verifyWorkloadJws accepts the 16 valid vectors with allowed algorithms", () => {
    const valid = results.filter((result) => result.expected === "valid");
    const allowed = valid.filter((result) => (WORKLOAD_JWT_ALGORITHMS as readonly (string | undefined)[]).includes(result.alg));

    expect(valid).toHaveLength(46);
    expect(allowed.map((result) => result.tcId)).toEqual([18, 33, 259, 260, 261, 262, 263, 272, 273, 274, 275, 287, 288, 345, 349, 378]);
    expect(allowed.filter((result) => result.signature.kind !== "accepted")).toEqual([]);
  });

  it("verifyWorkloadJws rejects valid vectors only for algorithm or alphabet", () => {
    const rejectedValid = results.filter((result) => result.expected === "valid" && result.signature.kind !== "accepted");
    const outsideAlphabet = new Set([372, 373]);

    expect(rejectedValid).toHaveLength(30);
    for (const result of rejectedValid) {
      if (outsideAlphabet.has(result.tcId)) {
        expect(result.signature, `tcId ${result.tcId}`).toEqual({ kind: "rejected", reason: "malformed" });
        expect(result.group, `tcId ${result.tcId}`).toBe("base64");
        continue;
      }
      expect(result.signature, `tcId ${result.tcId}`).toEqual({ kind: "rejected", reason: "unsupported_algorithm" });
      expect(["HS256", "PS384", "RS384", "RS512", "PS512", "ES512"], `tcId ${result.tcId}`).toContain(result.alg);
    }
  });

  // The vectors sign text such as "foo", not JWT claims, so the full verifier has no `iss` to pick
  // an issuer by and must reject every one of them.
  it("verifyWorkloadJwt rejects every vector, none of which carries claims", () => {
    const accepted = results.filter((result) => result.jwt.kind === "accepted");

    expect(accepted.map(({ tcId }) => tcId)).toEqual([]);
  });
});

describe("verifyWorkloadJwt with the Big List of Naughty Strings", () => {
  let server: JwksTestServer;
  let privateKey: CryptoKey;
  let issuer: RegisteredIssuer;
  const jwksCache = new JwksCache();

  beforeAll(async () => {
    server = await startJwksTestServer();
    const pair = await generateKeyPair("ES256");
    privateKey = pair.privateKey;
    const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" };
    server.serveJson("/jwks.json", { keys: [publicJwk] });
    issuer = { issuer: server.origin, jwksUrl: server.url("/jwks.json") };
  });

  afterAll(async () => {
    await server?.close();
  });

  function sign(claims: JWTPayload, kid = "ec-1"): Promise<string> {
    const defaults = { iss: server.origin, sub: "chatops-bot", aud: AUDIENCE, iat: NOW_SECONDS, exp: NOW_SECONDS + 300 };
    return new SignJWT({ ...defaults, ...claims }).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
  }

  function verify(token: string) {
    return verifyWorkloadJwt(token, { audience: AUDIENCE, issuers: [issuer], now: () => NOW, jwksCache });
  }

  it("verifyWorkloadJwt rejects each naughty string as a token", async () => {
    expect(naughtyStrings).toHaveLength(515);
    for (const [index, text] of naughtyStrings.entries()) {
      const outcome = await outcomeOf(verify(text));
      expect(outcome.kind, `string ${index}`).toBe("rejected");
      const jws = await outcomeOf(verifyWorkloadJws(text, { issuer, now: () => NOW, jwksCache }));
      expect(jws.kind, `string ${index}`).toBe("rejected");
    }
  });

  it("verifyWorkloadJwt rejects each naughty string as alg", async () => {
    const payload = Buffer.from(JSON.stringify({ iss: server.origin })).toString("base64url");
    for (const [index, text] of naughtyStrings.entries()) {
      const header = Buffer.from(JSON.stringify({ alg: text, kid: "ec-1" })).toString("base64url");

      const outcome = await outcomeOf(verify(`${header}.${payload}.c2lnbmF0dXJl`));

      expect(outcome, `string ${index}`).toEqual({ kind: "rejected", reason: "unsupported_algorithm" });
    }
  });

  it("verifyWorkloadJwt rejects each naughty string as kid", async () => {
    for (const [index, text] of naughtyStrings.entries()) {
      const outcome = await outcomeOf(verify(await sign({}, text)));

      expect(outcome, `string ${index}`).toEqual({ kind: "rejected", reason: "unknown_key" });
    }
    expect(server.requestCount("/jwks.json")).toBe(1);
  });

  it("verifyWorkloadJwt rejects each naughty string as iss", async () => {
    for (const [index, text] of naughtyStrings.entries()) {
      const outcome = await outcomeOf(verify(await sign({ iss: text })));

      expect(outcome, `string ${index}`).toEqual({ kind: "rejected", reason: "unknown_issuer" });
    }
  });

  it("verifyWorkloadJwt rejects each naughty string as aud", async () => {
    for (const [index, text] of naughtyStrings.entries()) {
      const outcome = await outcomeOf(verify(await sign({ aud: text })));

      expect(outcome, `string ${index}`).toEqual({ kind: "rejected", reason: "wrong_audience" });
    }
  });

  it("verifyWorkloadJwt returns each naughty string as sub unchanged", async () => {
    for (const [index, text] of naughtyStrings.entries()) {
      const verification = verify(await sign({ sub: text }));

      if (text === "") {
        expect(await outcomeOf(verification), `string ${index}`).toEqual({ kind: "rejected", reason: "missing_claim" });
      } else {
        expect((await verification).subject, `string ${index}`).toBe(text);
      }
    }
  });
});
