import type { VariableName } from "@/lib/config/schema";
import type { PersonRole } from "@/lib/policy/types";

/**
 * Groups that the demo persons carry in their `groups` claim. The console's role map for the
 * demo issuer is built from them, so an OIDC sign-in maps to the roles of the local account.
 */
export const DEMO_ROLE_GROUPS: Record<PersonRole, string> = {
  approver: "cordon-approvers",
  analyst: "cordon-analysts",
  admin: "cordon-admins",
};

/** Label of the console's sign-in button for demo-oauth. */
export const DEMO_SSO_NAME = "Demo SSO";

/** Scopes of the console client at demo-oauth; `groups` releases the groups claim. */
export const DEMO_CONSOLE_SCOPE = "openid email profile groups";

/** A demo-oauth person without a Cordon account. */
export interface SsoOnlyPersonSpec {
  email: string;
  displayName: string;
  groups: string[];
}

/**
 * demo-oauth persons who are not demo accounts. Their groups map to no Cordon role, so their
 * sign-in shows how Cordon rejects a person the issuer knows but Cordon does not authorize.
 * The sign-in page does not list them; their passwords are in the demo-secrets folder.
 */
export const SSO_ONLY_PEOPLE: readonly SsoOnlyPersonSpec[] = [{ email: "alex.morgan@example.com", displayName: "Alex Morgan", groups: ["contractors"] }];

/** The console's OIDC client at demo-oauth for this start. */
export interface DemoConsoleSignIn {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** Returns the redirect URI next-auth uses for the `oidc` provider under the console's public URL. */
export function consoleRedirectUri(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/api/auth/callback/oidc`;
}

/** Returns CORDON_OIDC_ROLE_MAP for the demo groups: `cordon-approvers=approver,…`. */
export function demoRoleMap(): string {
  return Object.entries(DEMO_ROLE_GROUPS)
    .map(([role, group]) => `${group}=${role}`)
    .join(",");
}

/**
 * Returns the environment that points the console's OIDC sign-in at demo-oauth. The server sets
 * it before Next.js prepares, because the console parses its configuration on first use. The
 * result contains the client secret, so it must never be logged.
 */
export function demoOidcEnvironment(signIn: DemoConsoleSignIn): Partial<Record<VariableName, string>> {
  return {
    CORDON_OIDC_ISSUER: signIn.issuer,
    CORDON_OIDC_CLIENT_ID: signIn.clientId,
    CORDON_OIDC_CLIENT_SECRET: signIn.clientSecret,
    CORDON_OIDC_NAME: DEMO_SSO_NAME,
    CORDON_OIDC_GROUPS_CLAIM: "groups",
    CORDON_OIDC_ROLE_MAP: demoRoleMap(),
  };
}
