"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useId, useRef, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { ErrorBlock } from "@/components/ui/blocks";
import { SIGN_IN_FAILED } from "./messages";


interface Props {
  callbackPath: string;
  oidcName: string | null;
  /** Scope of the OIDC authorization request, from the issuer's discovery document. */
  oidcScope: string | null;
  initialError: string | null;
}

/** Email and password form, plus the single sign-on button when an OIDC issuer is configured. */
export function SignInForm({ callbackPath, oidcName, oidcScope, initialError }: Props) {
  const router = useRouter();
  const emailId = useId();
  const passwordId = useId();
  const emailRef = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const result = await signIn("credentials", { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? ""), redirect: false, callbackUrl: callbackPath });
      if (!result || result.error || !result.ok) {
        setError(SIGN_IN_FAILED);
        emailRef.current?.focus();
        return;
      }
      router.replace(callbackPath);
      router.refresh();
    } catch {
      setError("The sign-in service could not be reached. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col gap-6">
      {error ? <ErrorBlock title="Sign-in failed" message={error} /> : null}
      <form onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
        <div className="flex flex-col gap-1">
          <label htmlFor={emailId} className="font-medium">
            Email
          </label>
          <input ref={emailRef} id={emailId} name="email" type="email" autoComplete="username" required maxLength={320} className="rounded-md border border-slate-400 px-3 py-2" />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={passwordId} className="font-medium">
            Password
          </label>
          <input id={passwordId} name="password" type="password" autoComplete="current-password" required maxLength={256} className="rounded-md border border-slate-400 px-3 py-2" />
        </div>
        <Button type="submit" variant="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {oidcName ? (
        <div className="flex flex-col gap-3 border-t border-slate-200 pt-6">
          <Button onClick={() => void signIn("oidc", { callbackUrl: callbackPath }, oidcScope ? { scope: oidcScope } : undefined)}>Sign in with {oidcName}</Button>
        </div>
      ) : null}
    </div>
  );
}
