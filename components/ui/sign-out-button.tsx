"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";

/** Ends the session through next-auth (which checks its CSRF token) and returns to sign-in. */
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void signOut({ callbackUrl: "/sign-in" });
      }}
      className="rounded-md border border-slate-500 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60"
    >
      {busy ? "Signing out…" : "Sign out"}
    </button>
  );
}
