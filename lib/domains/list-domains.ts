import type { Domain } from "@/lib/db/client";
import { requireAdministrator, type AdminContext } from "@/lib/users/admin-context";

/** One identity domain as the operator sees it: settings and the credential reference, never a secret. */
export type DomainSummary = Pick<Domain, "id" | "name" | "kind" | "settings" | "credentialRef" | "enabled" | "createdAt">;

/** Lists every identity domain, ordered by name. */
export async function listDomains(context: AdminContext): Promise<DomainSummary[]> {
  requireAdministrator(context.actor, "listing domains");
  return context.db.domain.findMany({
    orderBy: { name: "asc" },
    select: { id: true, name: true, kind: true, settings: true, credentialRef: true, enabled: true, createdAt: true },
  });
}
