import Link from "next/link";

/**
 * Renders the page shown to a signed-in person who lacks the role a page needs. It names the
 * roles that would give access and the person's own, so they know whom to ask.
 * NOTE: the response status stays 200; Next.js sends 403 from a page only through
 * `forbidden()`, which needs `experimental.authInterrupts` in next.config.js.
 */
export function AccessDenied({ page, requiredRoles, roles }: { page: string; requiredRoles: readonly string[]; roles: readonly string[] }) {
  return (
    <section aria-labelledby="access-denied-title" className="mx-auto max-w-2xl rounded-lg border border-red-300 bg-white p-8">
      <p className="text-sm font-semibold uppercase tracking-wide text-red-800">403 Forbidden</p>
      <h1 id="access-denied-title" className="mt-2 text-2xl font-semibold">
        You do not have access to {page}
      </h1>
      <p className="mt-3 text-slate-800">
        This page requires one of the roles {requiredRoles.join(", ")}. Your roles: {roles.length > 0 ? roles.join(", ") : "none"}. Ask an administrator if you need access.
      </p>
      <p className="mt-6">
        <Link href="/" className="font-semibold text-blue-800 underline underline-offset-2 hover:text-blue-950">
          Back to the approval queue
        </Link>
      </p>
    </section>
  );
}
