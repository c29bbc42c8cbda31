import type { ReactNode } from "react";
import Link from "next/link";
import { Providers } from "@/app/providers";
import { ConsoleNav, type NavItem } from "@/components/ui/console-nav";
import { SignOutButton } from "@/components/ui/sign-out-button";
import { toConsolePerson } from "@/lib/console/person";
import { requirePerson } from "@/lib/console/require-person";
import { isDemoRunning } from "@/lib/demo/setup/demo-status";

export const dynamic = "force-dynamic";

/** Renders the console's shell: a header with navigation and the signed-in person, then the page. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const person = toConsolePerson((await requirePerson("/")).user);
  const items: NavItem[] = [
    { href: "/", label: "Queue", matches: ["/actions"] },
    { href: "/history", label: "History" },
    ...(person.roles.includes("admin") ? [{ href: "/settings", label: "Settings" }] : []),
  ];

  return (
    <Providers>
      <a href="#main" className="skip-link">
        Skip to main content
      </a>
      <header className="bg-slate-900 text-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/" className="rounded-md px-1 text-lg font-bold tracking-tight text-white">
            Cordon
          </Link>
          <ConsoleNav items={items} />
          <div className="ml-auto flex items-center gap-4">
            <p className="text-right text-sm leading-tight">
              <span className="block font-semibold">{person.displayName}</span>
              <span className="block text-slate-300">
                <span className="sr-only">Roles: </span>
                {person.roles.length > 0 ? person.roles.join(", ") : "no role"}
              </span>
            </p>
            <SignOutButton />
          </div>
        </div>
      </header>
      {isDemoRunning() ? (
        <p role="note" className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-center text-sm text-amber-950">
          Demo mode: the identity domains are demo servers on this machine, and the demo accounts are listed on the sign-in page. Set CORDON_DEMO=off for real use.
        </p>
      ) : null}
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 focus:outline-none">
        {children}
      </main>
    </Providers>
  );
}
