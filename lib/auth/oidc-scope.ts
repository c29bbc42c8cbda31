import { type Logger, logger as rootLogger } from "@/lib/log/logger";

/** Scopes every OpenID provider supports (OpenID Connect Core 1.0 §5.4). */
export const BASE_OIDC_SCOPE = "openid email profile";

const DISCOVERY_TIMEOUT_MS = 3_000;
const CACHE_MS = 5 * 60 * 1000;

/**
 * Returns the scope of Cordon's authorization request: the base scopes, plus a scope named like
 * the groups claim (`groups`) when the issuer lists it in `scopes_supported`. Okta, Dex and the
 * demo issuer release the groups claim only for that scope. Keycloak rejects a scope it does not
 * know with `invalid_scope`, and Entra ID and Google have no such scope, so it is requested only
 * when listed.
 */
export function scopeForIssuer(scopesSupported: unknown, groupsClaim: string): string {
  const supported = Array.isArray(scopesSupported) ? scopesSupported.filter((scope): scope is string => typeof scope === "string") : [];
  const groupScopes = [...new Set(["groups", groupsClaim])].filter((scope) => supported.includes(scope) && !BASE_OIDC_SCOPE.split(" ").includes(scope));
  return [BASE_OIDC_SCOPE, ...groupScopes].join(" ");
}

interface CachedScope {
  scope: string;
  expiresAt: number;
}

// On globalThis because Next.js bundles a separate copy of lib/ for each page and route handler.
const globalForScope = globalThis as unknown as { cordonOidcScopes?: Map<string, CachedScope> };

/**
 * Returns the scope to request from `issuer`, from its discovery document (cached for five
 * minutes). When the document cannot be read it returns the base scopes without caching them;
 * the sign-in itself then fails at discovery, and the warning here gives the cause.
 */
export async function oidcSignInScope(
  oidc: { issuer: string; groupsClaim: string },
  logger: Logger = rootLogger.child({ component: "auth" }),
  now: number = Date.now(),
): Promise<string> {
  const cache = (globalForScope.cordonOidcScopes ??= new Map());
  const key = `${oidc.issuer}\n${oidc.groupsClaim}`;
  const cached = cache.get(key);
  if (cached && cached.expiresAt > now) return cached.scope;

  const url = `${oidc.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: "error", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const metadata = (await response.json()) as { scopes_supported?: unknown };
    const scope = scopeForIssuer(metadata.scopes_supported, oidc.groupsClaim);
    cache.set(key, { scope, expiresAt: now + CACHE_MS });
    return scope;
  } catch (error) {
    logger.warn({ url, err: error instanceof Error ? error.message : String(error) }, "OIDC discovery document could not be read; requesting the base scopes");
    return BASE_OIDC_SCOPE;
  }
}
