import { NextResponse, type NextRequest } from "next/server";

// next-auth's session cookie names: `__Secure-` is used when NEXTAUTH_URL is https.
const SESSION_COOKIES = ["next-auth.session-token", "__Secure-next-auth.session-token"];

/**
 * Sends page requests without a session cookie to the sign-in page before anything renders.
 * It only checks that the cookie exists: pages and route handlers verify the session
 * themselves, so a forged or expired cookie gets past this check and is rejected there.
 */
export function proxy(request: NextRequest) {
  const cookies = request.cookies;
  // Large sessions are split into `.0`, `.1`… chunks.
  const signedIn = SESSION_COOKIES.some((name) => cookies.has(name) || cookies.has(`${name}.0`));
  if (signedIn) return NextResponse.next();

  const target = new URL("/sign-in", request.url);
  target.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.redirect(target);
}

export const config = {
  // Every page except sign-in. API routes return 401 themselves, and assets need no session.
  matcher: ["/((?!api/|_next/|sign-in|favicon\\.ico|robots\\.txt|.*\\.(?:png|svg|ico|jpg|webp|css|js|map|txt)$).*)"],
};
