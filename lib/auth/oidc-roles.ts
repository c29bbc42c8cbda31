import type { Role } from "@/lib/db/generated/enums";

const ROLES = new Set<Role>(["approver", "analyst", "admin"]);

/**
 * Parses CORDON_OIDC_ROLE_MAP, `group=role` pairs separated by commas
 * (`sec-approvers=approver,soc=analyst`). A group may map to several roles.
 */
export function parseRoleMap(text: string): Map<string, Role[]> {
  const map = new Map<string, Role[]>();
  for (const pair of text.split(",").map((part) => part.trim()).filter(Boolean)) {
    const [group, role] = pair.split("=").map((part) => part.trim());
    if (!group || !role || !ROLES.has(role as Role)) throw new Error(`invalid role mapping ${JSON.stringify(pair)}; use group=approver|analyst|admin`);
    map.set(group, [...(map.get(group) ?? []), role as Role]);
  }
  return map;
}

/** Roles for the groups of an ID token; unknown groups grant nothing. */
export function rolesForGroups(groups: unknown, roleMap: Map<string, Role[]>): Role[] {
  const list = Array.isArray(groups) ? groups.filter((group): group is string => typeof group === "string") : typeof groups === "string" ? [groups] : [];
  const roles = new Set<Role>();
  for (const group of list) for (const role of roleMap.get(group) ?? []) roles.add(role);
  return [...roles].sort();
}
