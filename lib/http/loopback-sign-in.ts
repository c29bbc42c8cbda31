const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Returns where to send a request for the sign-in page that reached Cordon under another
 * loopback name than its public URL (http://127.0.0.1:3000 when the public URL is
 * http://localhost:3000, say), or null to serve it as it is. OIDC sign-in keeps its state in
 * a cookie of the host the browser used, and the identity provider returns to the public URL,
 * so a sign-in started under the other name fails with a missing state cookie. Other hosts are
 * left alone: behind a reverse proxy, Host differs from the public URL by design.
 */
export function loopbackSignInRedirect(requestUrl: string, host: string | undefined, publicUrl: string | undefined): string | null {
  if (!host || !publicUrl) return null;
  let requested: URL;
  let canonical: URL;
  try {
    requested = new URL(requestUrl, `http://${host}`);
    canonical = new URL(publicUrl);
  } catch {
    return null;
  }
  if (requested.pathname !== "/sign-in" || requested.host === canonical.host) return null;
  if (!LOOPBACK_HOSTS.has(requested.hostname) || !LOOPBACK_HOSTS.has(canonical.hostname) || requested.port !== canonical.port) return null;
  return new URL(`${requested.pathname}${requested.search}`, canonical).toString();
}
