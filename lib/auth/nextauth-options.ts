import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { getPrisma } from "@/lib/db/client";
import { logger } from "@/lib/log/logger";
import { systemClock } from "@/lib/time/clock";
import { signInWithPassword } from "./local-sign-in";
import { parseRoleMap, rolesForGroups } from "./oidc-roles";

const ZCredentials = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(256) });
const log = logger.child({ component: "auth" });

/** Sessions last one working shift; approvals need a fresh sign-in after that. */
const SESSION_SECONDS = 8 * 60 * 60;

function oidcProvider(): NextAuthOptions["providers"] {
  const config = getConfig();
  if (!config.oidc) return [];
  const { issuer, clientId, clientSecret, name } = config.oidc;
  return [
    {
      id: "oidc",
      name,
      type: "oauth",
      wellKnown: `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId,
      clientSecret,
      idToken: true,
      checks: ["pkce", "state", "nonce"],
      authorization: { params: { scope: "openid email profile" } },
      profile(profile: Record<string, unknown>) {
        return { id: String(profile.sub), email: typeof profile.email === "string" ? profile.email : null, name: typeof profile.name === "string" ? profile.name : null };
      },
    },
  ];
}

/** Links an OIDC identity to a Cordon user, with roles from the groups claim on every sign-in. */
async function linkOidcUser(profile: Record<string, unknown>): Promise<string | null> {
  const config = getConfig();
  if (!config.oidc) return null;
  const email = typeof profile.email === "string" ? profile.email.trim().toLowerCase() : "";
  const roles = rolesForGroups(profile[config.oidc.groupsClaim], parseRoleMap(config.oidc.roleMap));
  const subject = `${config.oidc.issuer}|${String(profile.sub)}`;
  if (!email || roles.length === 0) {
    log.warn({ subject, hasEmail: Boolean(email), roles }, "OIDC sign-in rejected: no email or no mapped role");
    return null;
  }
  const prisma = getPrisma();
  const existing = await prisma.user.findFirst({ where: { OR: [{ oidcSubject: subject }, { email }] } });
  if (existing?.disabled) return null;
  const displayName = typeof profile.name === "string" && profile.name ? profile.name : email;
  const user = existing
    ? await prisma.user.update({ where: { id: existing.id }, data: { roles, oidcSubject: subject, lastSignInAt: systemClock.now() } })
    : await prisma.user.create({ data: { email, displayName, roles, oidcSubject: subject, lastSignInAt: systemClock.now() } });
  log.info({ userId: user.id, roles }, "signed in through OIDC");
  return user.id;
}

export function authOptions(): NextAuthOptions {
  return {
    secret: process.env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_SECONDS },
    pages: { signIn: "/sign-in", error: "/sign-in" },
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
        const userId = await linkOidcUser((profile ?? {}) as Record<string, unknown>);
        if (!userId) return false;
        account.cordonUserId = userId;
        return true;
      },
      async jwt({ token, user, account }) {
        if (account?.provider === "oidc" && typeof account.cordonUserId === "string") token.sub = account.cordonUserId;
        else if (user) token.sub = user.id;
        return token;
      },
      async session({ session, token }) {
        return { ...session, user: { ...session.user, id: token.sub } };
      },
    },
  };
}
