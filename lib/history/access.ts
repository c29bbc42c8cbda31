import type { Actor } from "@/lib/actions/context";
import type { Role } from "@/lib/db/generated/enums";
import { Forbidden } from "@/lib/errors";

/** Roles that may search the action history. */
export const HISTORY_ROLES: readonly Role[] = ["analyst", "approver", "admin"];

/** Roles that may download exports: evidence for auditors is an analyst's task, not an approver's. */
export const EXPORT_ROLES: readonly Role[] = ["analyst", "admin"];

/** Roles that may read an incident's timeline. */
export const TIMELINE_ROLES: readonly Role[] = ["approver", "analyst", "admin"];

/** True when the actor is an enabled person holding at least one of `roles`. */
export function hasAnyRole(actor: Actor, roles: readonly Role[]): boolean {
  return actor.type === "person" && !actor.user.disabled && actor.user.roles.some((role) => roles.includes(role));
}

/** Throws Forbidden unless the actor is an enabled person holding one of `roles`. */
export function requireAnyRole(actor: Actor, roles: readonly Role[], operation: string): void {
  if (hasAnyRole(actor, roles)) return;
  throw new Forbidden(`${operation} requires one of the roles ${roles.join(", ")}`);
}
