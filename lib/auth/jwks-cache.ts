import { createLocalJWKSet, errors, type JSONWebKeySet, type LocalJWKSet } from "jose";
import { z } from "zod";

/** Network and clock seams for one verification, so tests can run against a local server and a fixed time. */
export interface FetchContext {
  fetchImpl: typeof fetch;
  now: () => Date;
}

/** Limits applied to every JWKS and OpenID Provider metadata fetch, in milliseconds, bytes and keys. */
export interface JwksCacheLimits {
  /** Age after which a cached document is fetched again on its next use. */
  maxAgeMs: number;
  /** Minimum time between two fetches of the same URL, whether the earlier fetch succeeded or failed. */
  minFetchIntervalMs: number;
  /** Deadline for the whole request, body included. */
  timeoutMs: number;
  maxBytes: number;
  maxKeys: number;
}

// NOTE: maxBytes and maxKeys are estimates. Public JWKS documents with X.509 chains for a few
// RSA keys stay under 20 KiB, so 128 KiB leaves headroom without letting one issuer fill memory.
export const DEFAULT_JWKS_CACHE_LIMITS: JwksCacheLimits = {
  maxAgeMs: 10 * 60_000,
  minFetchIntervalMs: 30_000,
  timeoutMs: 5_000,
  maxBytes: 128 * 1024,
  maxKeys: 100,
};

/** Failure to fetch or parse a JWKS or an issuer's OpenID Provider metadata. The message names the URL, never a token. */
export class JwksFetchError extends Error {
  override readonly name = "JwksFetchError";
}

interface UrlState<T> {
  value?: T;
  fetchedAt?: number;
  lastFetchAt?: number;
  lastError?: JwksFetchError;
  pending?: Promise<T>;
}

const ZJwksDocument = z.looseObject({
  keys: z.array(z.looseObject({ kty: z.string() })),
});

const ZProviderMetadata = z.looseObject({
  issuer: z.string(),
  jwks_uri: z.string(),
});

/**
 * Caches JSON Web Key Sets per URL and the `jwks_uri` found by OpenID Connect discovery per issuer.
 * Keys are only ever taken from URLs the caller passes in, which come from configuration, so the
 * maps stay as small as the list of registered issuers.
 */
export class JwksCache {
  private readonly limits: JwksCacheLimits;
  private readonly keySets = new Map<string, UrlState<LocalJWKSet>>();
  private readonly jwksUris = new Map<string, UrlState<string>>();

  constructor(limits: Partial<JwksCacheLimits> = {}) {
    this.limits = { ...DEFAULT_JWKS_CACHE_LIMITS, ...limits };
  }

  /** Returns the key set served at `url`, fetching it when it is not cached or older than `maxAgeMs`. */
  async getKeySet(url: string, context: FetchContext): Promise<LocalJWKSet> {
    const keySet = await this.load(this.keySets, url, context, false, (body) => this.parseKeySet(url, body));
    if (keySet === null) throw new JwksFetchError(`JWKS at ${url} is not available`);
    return keySet;
  }

  /**
   * Fetches `url` again because a token named a key the cached set lacks, which is how a key
   * rotation shows up. Returns null without fetching when the URL was fetched less than
   * `minFetchIntervalMs` ago, so tokens with made-up `kid` values cannot make Cordon flood the issuer.
   */
  async refreshKeySet(url: string, context: FetchContext): Promise<LocalJWKSet | null> {
    return this.load(this.keySets, url, context, true, (body) => this.parseKeySet(url, body));
  }

  /**
   * Reads `jwks_uri` from `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0).
   * The document must name the same issuer, otherwise one provider could publish keys for another.
   */
  async discoverJwksUri(issuer: string, context: FetchContext): Promise<string> {
    const metadataUrl = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const jwksUri = await this.load(this.jwksUris, metadataUrl, context, false, (body) =>
      parseJwksUri(metadataUrl, issuer, body),
    );
    if (jwksUri === null) throw new JwksFetchError(`OpenID Provider metadata at ${metadataUrl} is not available`);
    return jwksUri;
  }

  private async load<T>(
    states: Map<string, UrlState<T>>,
    url: string,
    context: FetchContext,
    force: boolean,
    parse: (body: unknown) => T,
  ): Promise<T | null> {
    const state = states.get(url) ?? {};
    states.set(url, state);
    if (state.pending) return state.pending;

    const nowMs = context.now().getTime();
    const isFresh = state.fetchedAt !== undefined && nowMs - state.fetchedAt < this.limits.maxAgeMs;
    if (isFresh && !force && state.value !== undefined) return state.value;

    const fetchedRecently =
      state.lastFetchAt !== undefined && nowMs - state.lastFetchAt < this.limits.minFetchIntervalMs;
    if (fetchedRecently) {
      if (force) return null;
      if (state.lastError === undefined && state.value !== undefined) return state.value;
      // The last fetch failed within the interval: report that failure again instead of calling an
      // issuer that is already failing.
      throw state.lastError ?? new JwksFetchError(`${url} was fetched less than ${this.limits.minFetchIntervalMs} ms ago`);
    }

    state.lastFetchAt = nowMs;
    state.pending = this.fetchJson(url, context).then(parse);
    try {
      const value = await state.pending;
      state.value = value;
      state.fetchedAt = nowMs;
      state.lastError = undefined;
      return value;
    } catch (error) {
      const fetchError =
        error instanceof JwksFetchError ? error : new JwksFetchError(`${url} could not be loaded`, { cause: error });
      state.lastError = fetchError;
      throw fetchError;
    } finally {
      state.pending = undefined;
    }
  }

  private parseKeySet(url: string, body: unknown): LocalJWKSet {
    const parsed = ZJwksDocument.safeParse(body);
    if (!parsed.success) throw new JwksFetchError(`${url} did not return a JSON Web Key Set with a "keys" array`);
    if (parsed.data.keys.length > this.limits.maxKeys) {
      throw new JwksFetchError(`JWKS at ${url} has ${parsed.data.keys.length} keys, more than the limit of ${this.limits.maxKeys}`);
    }

    try {
      return createLocalJWKSet(parsed.data as JSONWebKeySet);
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new JwksFetchError(`JWKS at ${url} is invalid: ${error.message}`);
      throw error;
    }
  }

  private async fetchJson(url: string, context: FetchContext): Promise<unknown> {
    assertFetchableUrl(url);
    const { fetchImpl } = context;
    const signal = AbortSignal.timeout(this.limits.timeoutMs);

    let text: string;
    try {
      // Redirects are refused so that keys come only from the configured URL, never from wherever it points.
      const response = await fetchImpl(url, { signal, redirect: "error", headers: { accept: "application/json" } });
      if (!response.ok) {
        await response.body?.cancel();
        throw new JwksFetchError(`GET ${url} returned HTTP ${response.status}`);
      }
      text = await readBodyWithLimit(url, response, this.limits.maxBytes);
    } catch (error) {
      if (error instanceof JwksFetchError) throw error;
      if (signal.aborted) throw new JwksFetchError(`GET ${url} timed out after ${this.limits.timeoutMs} ms`);
      throw new JwksFetchError(`GET ${url} failed`, { cause: error });
    }

    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new JwksFetchError(`${url} did not return valid JSON`);
    }
  }
}

function parseJwksUri(metadataUrl: string, issuer: string, body: unknown): string {
  const parsed = ZProviderMetadata.safeParse(body);
  if (!parsed.success) throw new JwksFetchError(`${metadataUrl} has no "issuer" and "jwks_uri" strings`);
  if (parsed.data.issuer !== issuer) {
    throw new JwksFetchError(`${metadataUrl} names issuer ${JSON.stringify(parsed.data.issuer)}, expected ${JSON.stringify(issuer)}`);
  }

  assertFetchableUrl(parsed.data.jwks_uri);
  return parsed.data.jwks_uri;
}

/**
 * Rejects URLs that would let someone on the network path swap the keys: only https is allowed,
 * except plain http to a loopback host, which never leaves the machine.
 */
export function assertFetchableUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new JwksFetchError(`${JSON.stringify(url)} is not a valid URL`);
  }

  if (parsed.protocol === "https:") return;
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return;
  throw new JwksFetchError(`${url} must use https. Plain http is accepted only for loopback hosts`);
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

async function readBodyWithLimit(url: string, response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new JwksFetchError(`response from ${url} is larger than the limit of ${maxBytes} bytes`);
  const declaredLength = Number(response.headers.get("content-length"));
  if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return "";

  // Content-Length can be absent (chunked encoding) or wrong, so the limit is also enforced while reading.
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }

  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new JwksFetchError(`response from ${url} is not valid UTF-8`);
  }
}
