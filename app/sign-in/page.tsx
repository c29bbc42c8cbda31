import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { sessionActor } from "@/lib/auth/session-actor";
import { safeCallbackPath } from "@/lib/console/callback-url";
import { demoAccounts } from "@/lib/console/demo-accounts";
import { oidcProviderName } from "@/lib/console/sign-in-providers";
import { getConfig } from "@/lib/config";
import { DemoAccountList } from "./demo-account-list";
import { SIGN_IN_FAILED } from "./messages";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in · Cordon" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Maps next-auth's `?error=<code>` to a message. Password failures get the one generic
 * message. Single sign-on failures (no mapped role, a refused consent) get another one
 * without detail, because the server logs the cause.
 */
function errorMessage(code: string | undefined): string | null {
  if (!code) return null;
  if (code === "CredentialsSignin") return SIGN_IN_FAILED;
  if (code === "SessionRequired") return "Sign in to continue.";
  return "Single sign-on did not sign you in. Your account may have no Cordon role; ask an administrator.";
}

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackPath = safeCallbackPath(first(params.callbackUrl), getConfig().publicUrl);
  if (await sessionActor()) redirect(callbackPath);

  const accounts = await demoAccounts();
  return (
    <main id="main" className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-8 px-4 py-12">
      <div>
        <p className="text-lg font-bold tracking-tight">Cordon</p>
        <h1 className="mt-2 text-2xl font-semibold">Sign in</h1>
        <p className="mt-1 text-slate-700">Approval console for delegated identity incident response.</p>
      </div>
      <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <SignInForm callbackPath={callbackPath} oidcName={oidcProviderName()} initialError={errorMessage(first(params.error))} />
      </div>
      {accounts.length > 0 ? <DemoAccountList accounts={accounts} /> : null}
    </main>
  );
}
