import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { sessionActor } from "@/lib/auth/session-actor";
import { safeCallbackPath } from "@/lib/console/callback-url";
import { demoAccounts } from "@/lib/console/demo-accounts";
import { oidcProviderName } from "@/lib/console/sign-in-providers";
import { getConfig } from "@/lib/config";
import { oidcSignInScope } from "@/lib/auth/oidc-scope";
import { DemoAccountList } from "./demo-account-list";
import { OIDC_SIGN_IN_FAILED, OIDC_SIGN_IN_MESSAGES, SIGN_IN_FAILED } from "./messages";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in · Cordon" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Maps next-auth's `?error=<code>` to a message. Password failures get the one generic
 * message. Single sign-on rejections by Cordon (no mapped role, a disabled account) name the
 * reason. Other single sign-on failures (a refused consent, an unreachable issuer) get one
 * message without detail, because the server logs the cause.
 */
function errorMessage(code: string | undefined): string | null {
  if (!code) return null;
  if (code === "CredentialsSignin") return SIGN_IN_FAILED;
  if (code === "SessionRequired") return "Sign in to continue.";
  if (Object.hasOwn(OIDC_SIGN_IN_MESSAGES, code)) return OIDC_SIGN_IN_MESSAGES[code] ?? OIDC_SIGN_IN_FAILED;
  return OIDC_SIGN_IN_FAILED;
}

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackPath = safeCallbackPath(first(params.callbackUrl), getConfig().publicUrl);
  if (await sessionActor()) redirect(callbackPath);

  const accounts = await demoAccounts();
  const oidc = getConfig().oidc;
  const oidcScope = oidc ? await oidcSignInScope(oidc) : null;
  return (
    <main id="main" className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-8 px-4 py-12">
      <div>
        <p className="text-lg font-bold tracking-tight">Cordon</p>
        <h1 className="mt-2 text-2xl font-semibold">Sign in</h1>
        <p className="mt-1 text-slate-700">Approval console for delegated identity incident response.</p>
      </div>
      <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <SignInForm callbackPath={callbackPath} oidcName={oidcProviderName()} oidcScope={oidcScope} initialError={errorMessage(first(params.error))} />
      </div>
      {accounts.length > 0 ? <DemoAccountList accounts={accounts} /> : null}
    </main>
  );
}
