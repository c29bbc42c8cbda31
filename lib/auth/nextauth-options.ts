import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import type { TokenSet } from "openid-client";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { getPrisma } from "@/lib/db/client";
import { logger } from "@/lib/log/logger";
import { systemClock } from "@/lib/time/clock";
import { linkOidcUser, OIDC_REJECTION_CODES } from "./link-oidc-user";
import { signInWithPassword } from "./local-sign-in";
import { claimsMissingFromIdToken, mergeUserinfoClaims } from "./oidc-claims";
import { parseRoleMap } from "./oidc-roles";
import { BASE_OIDC_SCOPE } from "./oidc-scope";

const ZCredentials = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(256) });
const log = logger.child({ component: "auth" });

/** Sessions last one working shift; approvals need a fresh sign-in after that. */
const SESSION_SECONDS = 8 * 60 * 60;

/** Path the sign-in callback sends a rejected OIDC sign-in to, with the reason as next-auth's `error`. */
const SIGN_IN_PATH = "/sign-in";

type OidcProfile = Record<string, unknown> & { sub: string };

function oidcProvider(): OAuthConfig<OidcProfile>[] {
  const config = getConfig();
  if (!config.oidc) return [];
  const { issuer, clientId, clientSecret, name, groupsClaim } = config.oidc;
  return [
    {
      id: "oidc",
      name,
      type: "oauth",
      // openid-client 5 reads discovery, token and JWKS over http too, which the demo's loopback issuer needs.
      wellKnown: `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId,
      clientSecret,
      // The ID token is validated (signature, iss, aud, exp, nonce) and supplies the claims.
      idToken: true,
      // PKCE (RFC 7636) and nonce protect the code and the ID token; some issuers, such as the demo's, require PKCE.
      checks: ["pkce", "state", "nonce"],
      // The sign-in page replaces the scope with one that adds the groups scope when the issuer lists it.
      authorization: { params: { scope: BASE_OIDC_SCOPE } },
      userinfo: {
        // Some issuers put email or groups only in the userinfo response, not in the ID token.
        async request({ tokens, client }) {
          // next-auth 4 types the tokens as plain parameters, but passes openid-client's TokenSet.
          const tokenSet = tokens as unknown as TokenSet;
          const idClaims = tokenSet.claims() as Record<string, unknown>;
          if (claimsMissingFromIdToken(idClaims, groupsClaim).length === 0 || !tokenSet.access_token || !client.issuer.metadata.userinfo_endpoint) {
            return idClaims;
          }
          const userinfo = (await client.userinfo(tokenSet)) as Record<string, unknown>;
          return mergeUserinfoClaims(idClaims, userinfo);
        },
      },
      profile(profile) {
        return { id: String(profile.sub), email: typeof profile.email === "string" ? profile.email : null, name: typeof profile.name === "string" ? profile.name : null };
      },
    },
  ];
}

/** Signs an OIDC identity in; returns the Cordon user id, or the sign-in page's path with the rejection. */
async function signInOidcProfile(profile: Record<string, unknown>): Promise<{ userId: string } | { redirect: string }> {
  const config = getConfig();
  if (!config.oidc) return { redirect: `${SIGN_IN_PATH}?error=Configuration` };
  const settings = { issuer: config.oidc.issuer, groupsClaim: config.oidc.groupsClaim, roleMap: parseRoleMap(config.oidc.roleMap) };
  const result = await linkOidcUser(getPrisma(), profile, settings, systemClock.now(), log);
  if (!result.ok) return { redirect: `${SIGN_IN_PATH}?error=${OIDC_REJECTION_CODES[result.reason]}` };
  log.info({ userId: result.user.id, roles: result.user.roles }, "signed in through OIDC");
  return { userId: result.user.id };
}

/** Routes next-auth's messages to pino. Only codes and error messages are logged: metadata can contain tokens. */
const nextAuthLogger: NextAuthOptions["logger"] = {
  error(code, metadata) {
    const error = metadata instanceof Error ? metadata : metadata.error;
    const description = metadata instanceof Error ? undefined : metadata.error_description;
    log.error({ code, error: error?.message, ...(typeof description === "string" ? { description } : {}) }, "next-auth error");
  },
  warn(code) {
    log.warn({ code }, "next-auth warning");
  },
  debug() {},
};

export function authOptions(): NextAuthOptions {
  return {
    secret: process.env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_SECONDS },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    logger: nextAuthLogger,
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials) {
          const parsed = ZCredentials.safeParse(credentials);
          if (!parsed.success) return null;
          const result = await signInWithPassword(getPrisma(), parsed.data.email, parsed.data.password, systemClock.now(), log);
          if (!result.ok) return null;
          return { id: result.user.id, email: result.user.email, name: result.user.displayName };
        },
      }),
      ...oidcProvider(),
    ],
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider !== "oidc") return true;
        const outcome = await signInOidcProfile((profile ?? {}) as Record<string, unknown>);
        if ("redirect" in outcome) return outcome.redirect;
        account.cordonUserId = outcome.userId;
        return true;
      },
      async jwt({ token, user, account }) {
        if (account?.provider === "oidc") {
          // next-auth's default `sub` is the issuer's subject; a session must carry the Cordon user id instead.
          if (typeof account.cordonUserId !== "string") throw new Error("OIDC sign-in finished without a Cordon user");
          token.sub = account.cordonUserId;
        } else if (user) {
          token.sub = user.id;
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, user: { ...session.user, id: token.sub } };
      },
    },
  };
}
