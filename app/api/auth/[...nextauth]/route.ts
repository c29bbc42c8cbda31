import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/nextauth-options";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// The options are built per request: they read the configuration (the OIDC issuer) and the
// session secret that start-up puts into the environment, neither of which exists at build time.
async function handler(request: Request, context: RouteContext): Promise<Response> {
  return NextAuth(request as never, context as never, authOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET", "POST");
