import type { Actor, ServiceContext } from "@/lib/actions/context";
import { Forbidden } from "@/lib/errors";

/**
 * Context of an administration verb (register a client, create a person, add a domain): the
 * database, the clock, the actor and the request id for logs and audit events. Policies and the
 * planner of ServiceContext play no part in administration.
 */
export type AdminContext = Pick<ServiceContext, "db" | "clock" | "actor" | "requestId" | "logger">;

/** The actor of the operator CLI, recorded as the audit event's `system` actor `cli`. */
export const CLI_ACTOR: Extract<Actor, { type: "system" }> = { type: "system", id: "cli" };

/**
 * Throws Forbidden unless the actor may administer Cordon: a system actor (the CLI, which
 * already has the database credentials) or an enabled person with the `admin` role.
 * Workloads never administer, so a leaked API key cannot register another client.
 */
export function requireAdministrator(actor: Actor, operation: string): void {
  if (actor.type === "system") return;
  if (actor.type === "person" && !actor.user.disabled && actor.user.roles.includes("admin")) return;
  throw new Forbidden(`${operation} requires the admin role`);
}
