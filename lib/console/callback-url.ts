/**
 * Returns `value` as a path on this site, or `/` when it points anywhere else. The sign-in
 * page redirects there after sign-in, so accepting another origin, a protocol-relative
 * `//host` or a backslash form `/\host` would make it an open redirect (CWE-601). next-auth
 * sends absolute URLs, so an absolute URL on `origin` is reduced to its path.
 */
export function safeCallbackPath(value: unknown, origin?: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return "/";
  let path = value;
  if (origin && !value.startsWith("/")) {
    try {
      const url = new URL(value);
      if (url.origin !== new URL(origin).origin) return "/";
      path = `${url.pathname}${url.search}${url.hash}`;
    } catch {
      return "/";
    }
  }
  if (!path.startsWith("/") || path.startsWith("//")) return "/";
  if (/[\u0000-\u001F\u007F\\]/.test(path)) return "/";
  if (path === "/sign-in" || path.startsWith("/sign-in?") || path.startsWith("/api/")) return "/";
  return path;
}
