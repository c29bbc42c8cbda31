import Link from "next/link";
import { sessionActor } from "@/lib/auth/session-actor";

export const dynamic = "force-dynamic";

/**
 * Renders the 403 page for a signed-in person when a page calls `forbidden()` because they
 * lack the role it needs. It lists their own roles, so they know what to ask an administrator for.
 */
export default async function Forbidden() {
  const actor = await sessionActor();
  const roles = actor?.user.roles ?? [];
  return (
    <main className="mx-auto max-w-2xl p-8">
      <section aria-labelledby="forbidden-title" className="rounded-lg border border-red-300 bg-white p-8">
        <p className="text-sm font-semibold uppercase tracking-wide text-red-800">403 Forbidden</p>
        <h1 id="forbidden-title" className="mt-2 text-2xl font-semibold">
          You do not have access to this page
        </h1>
        <p className="mt-3 text-slate-800">
          This page needs a role you do not have. Your roles: {roles.length > 0 ? roles.join(", ") : "none"}. Ask an administrator if you need access.
        </p>
        <p className="mt-6">
          <Link href="/" className="font-semibold text-blue-800 underline underline-offset-2 hover:text-blue-950">
            Back to the approval queue
          </Link>
        </p>
      </section>
    </main>
  );
}
