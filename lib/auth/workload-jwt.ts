import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type CompactJWSHeaderParameters,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
  type LocalJWKSet,
} from "jose";

import { JwksCache, JwksFetchError, type FetchContext } from "@/lib/auth/jwks-cache";

/**
 * Signature algorithms a workload token may use. HMAC is excluded because a shared secret would
 * let Cordon mint tokens for its clients, and because accepting it invites the attack where a
 * public key is used as the HMAC secret. `none` is never accepted.
 */
export const WORKLOAD_JWT_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;
export type WorkloadJwtAlgorithm = (typeof WORKLOAD_JWT_ALGORITHMS)[number];

/** Allowed clock skew between Cordon and an issuer when checking `exp`, `nbf` and `iat`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 60;

// NOTE: an estimate. Access tokens with many claims stay well under 8 KiB, and the cap stops
// oversized input before any base64 or JSON decoding.
const MAX_TOKEN_LENGTH = 16 * 1024;

// Three base64url segments. The signature may be empty here so that `alg: none` is reported as an
// unsupported algorithm instead of a format error.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export type WorkloadAuthErrorReason =
  | "malformed"
  | "unsupported_algorithm"
  | "unknown_issuer"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_audience"
  | "missing_claim"
  | "jwks_unavailable"
  | "unknown_key";

/** Rejection of a workload credential. `reason` is a stable code for callers, and the message never contains the token. */
export class WorkloadAuthError extends Error {
  override readonly name = "WorkloadAuthError";

  constructor(
    readonly reason: WorkloadAuthErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An identity provider whose tokens Cordon accepts. Key sources are used in this order: `jwks`,
 * then `jwksUrl`, then discovery.
 */
export interface RegisteredIssuer {
  /** Exact value of the `iss` claim. */
  issuer: string;
  jwksUrl?: string;
  /** Static keys, for issuers that publish no JWKS endpoint. */
  jwks?: JSONWebKeySet;
  /** When true and `jwksUrl` is not set, read `jwks_uri` from `${issuer}/.well-known/openid-configuration`. */
  discovery?: boolean;
}

export interface VerifyWorkloadJwtOptions {
  /** Value the `aud` claim must equal, usually Cordon's API URL. */
  audience: string;
  issuers: readonly RegisteredIssuer[];
  now?: () => Date;
  fetchImpl?: typeof fetch;
  /** Defaults to one cache shared by the process. */
  jwksCache?: JwksCache;
}

/** A workload token that passed every check. The caller maps `issuer` and `subject` to a registered client. */
export interface VerifiedWorkload {
  issuer: string;
  subject: string;
  audience: string;
  expiresAt: Date;
  keyId: string | undefined;
  algorithm: WorkloadJwtAlgorithm;
  claims: JWTPayload;
}

export interface VerifyWorkloadJwsOptions {
  issuer: RegisteredIssuer;
  now?: () => Date;
  fetchImpl?: typeof fetch;
  jwksCache?: JwksCache;
}

/** A compact JWS whose signature verified with one of the issuer's keys. The payload is not interpreted. */
export interface VerifiedWorkloadJws {
  payload: Uint8Array;
  header: CompactJWSHeaderParameters;
  algorithm: WorkloadJwtAlgorithm;
  keyId: string | undefined;
}

interface ParsedHeader {
  algorithm: WorkloadJwtAlgorithm;
  keyId: string | undefined;
  header: CompactJWSHeaderParameters;
}

const sharedJwksCache = new JwksCache();
const staticKeySets = new WeakMap<JSONWebKeySet, LocalJWKSet>();

/**
 * Verifies a workload's JWT bearer token. The issuer is chosen by the unverified `iss` claim, then
 * the signature is checked with that issuer's keys and the claims are validated.
 *
 * @throws WorkloadAuthError for every invalid token and for unreachable issuer keys.
 */
export async function verifyWorkloadJwt(token: string, options: VerifyWorkloadJwtOptions): Promise<VerifiedWorkload> {
  // Header checks come first, so `alg: none` and HMAC tokens are rejected before any issuer lookup.
  parseProtectedHeader(token);

  const unverifiedIssuer = readUnverifiedIssuer(token);
  const issuer = options.issuers.find((candidate) => candidate.issuer === unverifiedIssuer);
  if (!issuer) throw new WorkloadAuthError("unknown_issuer", "the token's issuer is not registered");

  const verified = await verifyWorkloadJws(token, {
    issuer,
    now: options.now,
    fetchImpl: options.fetchImpl,
    jwksCache: options.jwksCache,
  });

  const nowSeconds = (options.now ?? currentDate)().getTime() / 1000;
  const claims = validateClaims(verified.payload, { issuer: issuer.issuer, audience: options.audience, nowSeconds });
  return {
    issuer: issuer.issuer,
    subject: claims.sub,
    audience: options.audience,
    expiresAt: new Date(claims.exp * 1000),
    keyId: verified.keyId,
    algorithm: verified.algorithm,
    claims,
  };
}

/**
 * Verifies the signature of a compact JWS with the keys of one registered issuer, which is the
 * signature stage of `verifyWorkloadJwt`. Keys come only from the issuer's configuration: the
 * `jku`, `x5u`, `jwk` and `x5c` header parameters are ignored, because a token that names its own
 * key can be signed by anyone.
 *
 * @throws WorkloadAuthError
 */
export async function verifyWorkloadJws(token: string, options: VerifyWorkloadJwsOptions): Promise<VerifiedWorkloadJws> {
  const parsed = parseProtectedHeader(token);
  const context: FetchContext = { fetchImpl: options.fetchImpl ?? fetch, now: options.now ?? currentDate };
  const cache = options.jwksCache ?? sharedJwksCache;

  const keys = await selectKeys(options.issuer, parsed.header, cache, context);
  const result = await verifyWithAnyKey(token, keys);
  return { payload: result.payload, header: result.protectedHeader, algorithm: parsed.algorithm, keyId: parsed.keyId };
}

function currentDate(): Date {
  return new Date();
}

function parseProtectedHeader(token: unknown): ParsedHeader {
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw new WorkloadAuthError("malformed", "the token is not a compact JWS");
  }

  let header: CompactJWSHeaderParameters;
  try {
    header = decodeProtectedHeader(token) as CompactJWSHeaderParameters;
  } catch {
    throw new WorkloadAuthError("malformed", "the token's protected header is not a base64url-encoded JSON object");
  }

  // Cordon implements no JWS extensions, and RFC 7515 requires rejecting a `crit` it does not
  // understand. This also rules out `b64: false` unencoded payloads.
  if (header.crit !== undefined) {
    throw new WorkloadAuthError("malformed", "the token lists critical header parameters, which are not supported");
  }
  if (typeof header.alg !== "string") throw new WorkloadAuthError("malformed", 'the token header has no "alg"');
  if (!isAllowedAlgorithm(header.alg)) {
    throw new WorkloadAuthError(
      "unsupported_algorithm",
      `the token's algorithm is not accepted; use one of ${WORKLOAD_JWT_ALGORITHMS.join(", ")}`,
    );
  }
  if (header.kid !== undefined && typeof header.kid !== "string") {
    throw new WorkloadAuthError("malformed", 'the token header "kid" is not a string');
  }

  return { algorithm: header.alg, keyId: header.kid, header };
}

function isAllowedAlgorithm(alg: string): alg is WorkloadJwtAlgorithm {
  return (WORKLOAD_JWT_ALGORITHMS as readonly string[]).includes(alg);
}

function readUnverifiedIssuer(token: string): string {
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw new WorkloadAuthError("malformed", "the token's payload is not a JSON object");
  }

  if (payload.iss === undefined) throw new WorkloadAuthError("missing_claim", 'the token has no "iss" claim');
  if (typeof payload.iss !== "string") throw new WorkloadAuthError("malformed", 'the token\'s "iss" claim is not a string');
  return payload.iss;
}

async function selectKeys(
  issuer: RegisteredIssuer,
  header: CompactJWSHeaderParameters,
  cache: JwksCache,
  context: FetchContext,
): Promise<CryptoKey[]> {
  if (issuer.jwks) {
    const keys = await matchKeys(staticKeySet(issuer.jwks), header);
    if (keys.length === 0) throw noMatchingKey();
    return keys;
  }

  const jwksUrl = await resolveJwksUrl(issuer, cache, context);
  const cachedKeys = await matchKeys(await withJwksErrors(() => cache.getKeySet(jwksUrl, context)), header);
  if (cachedKeys.length > 0) return cachedKeys;

  // An unknown kid usually means the issuer rotated its keys after the last fetch. refreshKeySet
  // returns null when the URL was fetched within the last minFetchIntervalMs.
  const refreshed = await withJwksErrors(() => cache.refreshKeySet(jwksUrl, context));
  const refreshedKeys = refreshed ? await matchKeys(refreshed, header) : [];
  if (refreshedKeys.length === 0) throw noMatchingKey();
  return refreshedKeys;
}

async function resolveJwksUrl(issuer: RegisteredIssuer, cache: JwksCache, context: FetchContext): Promise<string> {
  if (issuer.jwksUrl !== undefined) return issuer.jwksUrl;
  if (issuer.discovery === true) return withJwksErrors(() => cache.discoverJwksUri(issuer.issuer, context));
  throw new WorkloadAuthError("jwks_unavailable", "the issuer is registered without jwks, jwksUrl or discovery");
}

function staticKeySet(jwks: JSONWebKeySet): LocalJWKSet {
  const existing = staticKeySets.get(jwks);
  if (existing) return existing;

  let keySet: LocalJWKSet;
  try {
    keySet = createLocalJWKSet(jwks);
  } catch (error) {
    throw new WorkloadAuthError("jwks_unavailable", "the issuer's configured JWKS is invalid", { cause: error });
  }
  staticKeySets.set(jwks, keySet);
  return keySet;
}

async function withJwksErrors<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof JwksFetchError) {
      throw new WorkloadAuthError("jwks_unavailable", "the issuer's signing keys could not be fetched", { cause: error });
    }
    throw error;
  }
}

/**
 * Returns the keys of `keySet` that fit the header's `kid` and `alg` (jose also honours each
 * key's `use`, `key_ops` and `alg`). Several keys match when the token has no `kid`.
 */
async function matchKeys(keySet: LocalJWKSet, header: CompactJWSHeaderParameters): Promise<CryptoKey[]> {
  try {
    return [await keySet(header)];
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) return [];
    if (error instanceof errors.JWKSMultipleMatchingKeys) {
      const keys: CryptoKey[] = [];
      for await (const key of error) keys.push(key);
      return keys;
    }
    if (error instanceof errors.JOSEError || error instanceof TypeError) {
      throw new WorkloadAuthError("unknown_key", "the issuer's key for this token could not be imported", { cause: error });
    }
    throw error;
  }
}

function noMatchingKey(): WorkloadAuthError {
  return new WorkloadAuthError("unknown_key", "no key of the issuer matches the token's kid and alg");
}

async function verifyWithAnyKey(token: string, keys: CryptoKey[]) {
  let lastError: unknown = new WorkloadAuthError("unknown_key", "no key of the issuer matches the token's kid and alg");
  for (const key of keys) {
    try {
      return await compactVerify(token, key, { algorithms: [...WORKLOAD_JWT_ALGORITHMS] });
    } catch (error) {
      lastError = error;
    }
  }
  throw toWorkloadAuthError(lastError);
}

/** Maps a jose verification error to a WorkloadAuthError and returns any other error unchanged. */
function toWorkloadAuthError(error: unknown): unknown {
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new WorkloadAuthError("bad_signature", "the token's signature is invalid");
  }
  if (error instanceof errors.JWSInvalid) return new WorkloadAuthError("malformed", "the token is not a valid JWS");
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new WorkloadAuthError("unsupported_algorithm", "the token's algorithm is not accepted");
  }
  // jose raises TypeError when a key cannot serve the algorithm, for example an RSA modulus under 2048 bits.
  if (error instanceof TypeError) {
    return new WorkloadAuthError("unknown_key", "the issuer's key for this token is not usable", { cause: error });
  }
  return error;
}

interface ValidatedClaims extends JWTPayload {
  sub: string;
  exp: number;
}

/**
 * Validates the claims of a verified token: exact `iss`, `aud` equal to the audience, `exp`
 * required, `nbf` and `iat` checked, and a non-empty `sub`. Time checks allow CLOCK_TOLERANCE_SECONDS.
 */
function validateClaims(
  payload: Uint8Array,
  expected: { issuer: string; audience: string; nowSeconds: number },
): ValidatedClaims {
  const claims = parseClaimsSet(payload);
  // jose's decodeJwt picked the issuer from these same bytes. Checking the verified claims again
  // stops a difference between the two decoders from selecting one issuer's keys for another's token.
  if (claims.iss !== expected.issuer) throw new WorkloadAuthError("unknown_issuer", "the token's issuer is not registered");

  const exp = readNumericDate(claims, "exp");
  const nbf = readNumericDate(claims, "nbf");
  const iat = readNumericDate(claims, "iat");
  if (exp === undefined) throw new WorkloadAuthError("missing_claim", 'the token has no "exp" claim');
  if (claims.aud === undefined) throw new WorkloadAuthError("missing_claim", 'the token has no "aud" claim');
  if (claims.sub === undefined || claims.sub === "") throw new WorkloadAuthError("missing_claim", 'the token has no "sub" claim');
  if (typeof claims.sub !== "string") throw new WorkloadAuthError("malformed", 'the token\'s "sub" claim is not a string');

  if (!isSoleAudience(claims.aud, expected.audience)) {
    throw new WorkloadAuthError("wrong_audience", "the token was not issued for this Cordon audience");
  }
  if (exp <= expected.nowSeconds - CLOCK_TOLERANCE_SECONDS) throw new WorkloadAuthError("expired", "the token has expired");
  if (nbf !== undefined && nbf > expected.nowSeconds + CLOCK_TOLERANCE_SECONDS) {
    throw new WorkloadAuthError("not_yet_valid", 'the token\'s "nbf" is in the future');
  }
  if (iat !== undefined && iat > expected.nowSeconds + CLOCK_TOLERANCE_SECONDS) {
    throw new WorkloadAuthError("not_yet_valid", 'the token\'s "iat" is in the future');
  }

  return { ...claims, sub: claims.sub, exp };
}

function parseClaimsSet(payload: Uint8Array): JWTPayload {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    throw new WorkloadAuthError("malformed", "the token's payload is not a JSON object");
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new WorkloadAuthError("malformed", "the token's payload is not a JSON object");
  }
  return claims as JWTPayload;
}

/**
 * Accepts `aud` only when it names this audience alone, as a string or a one-element array. Any
 * other service named in a multi-audience token could replay it to Cordon.
 */
function isSoleAudience(aud: unknown, audience: string): boolean {
  if (typeof aud === "string") return aud === audience;
  return Array.isArray(aud) && aud.length === 1 && aud[0] === audience;
}

function readNumericDate(claims: JWTPayload, name: "exp" | "nbf" | "iat"): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  // JSON.parse turns 1e400 into Infinity, which would make a token that never expires.
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new WorkloadAuthError("malformed", `the token's "${name}" claim is not a finite number of seconds`);
  }
  return value;
}
