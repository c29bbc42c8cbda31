"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export interface NavItem {
  href: string;
  label: string;
  /** Other path prefixes that belong to this item (`/actions` belongs to the queue). */
  matches?: string[];
}

function isCurrent(pathname: string, item: NavItem): boolean {
  const prefixes = [item.href, ...(item.matches ?? [])];
  return prefixes.some((prefix) => (prefix === "/" ? pathname === "/" : pathname === prefix || pathname.startsWith(`${prefix}/`)));
}

/** The console's main navigation; marks the current section with aria-current="page". */
export function ConsoleNav({ items }: { items: NavItem[] }) {
  const pathname = usePathname() ?? "/";
  return (
    <nav aria-label="Main">
      <ul className="flex flex-wrap gap-1">
        {items.map((item) => {
          const current = isCurrent(pathname, item);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={current ? "page" : undefined}
                className={`block rounded-md px-3 py-2 text-sm font-medium ${current ? "bg-slate-700 text-white" : "text-slate-200 hover:bg-slate-800 hover:text-white"}`}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
