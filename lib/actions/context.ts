import type { Plan } from "@/lib/connectors/types";
import type { PrismaClient, User, WorkloadClient } from "@/lib/db/client";
import type { Logger } from "@/lib/log/logger";
import type { PolicySet } from "@/lib/policy/engine";
import type { Clock } from "@/lib/time/clock";

/** Who is acting: automation, a person (console session or personal token), or Cordon itself. */
export type Actor =
  | { type: "workload"; client: WorkloadClient }
  | { type: "person"; user: User; via: "session" | "token" }
  | { type: "system"; id: string };

/** What a planner needs to compute the scope diff of a proposed action. */
export interface PlanRequest {
  actionId: string;
  kind: string;
  domain: { id: string; name: string; kind: string };
  target: { identity: string; resource: string | null; displayName: string };
  parameters: Record<string, unknown>;
}

/** Computes the scope diff for a proposal; the connectors provide one per domain kind. */
export type Planner = (request: PlanRequest) => Promise<Plan>;

/** Everything a lifecycle verb needs besides its input. */
export interface ServiceContext {
  db: PrismaClient;
  clock: Clock;
  actor: Actor;
  requestId: string;
  /** W3C trace id when the caller sent one. */
  correlationId?: string;
  logger: Logger;
  policies: PolicySet;
  /** Scope diff provider; without one the plan describes the requested change only. */
  planner?: Planner;
}

export function actorRef(actor: Actor): { type: "person" | "workload" | "system"; id: string } {
  switch (actor.type) {
    case "workload":
      return { type: "workload", id: actor.client.id };
    case "person":
      return { type: "person", id: actor.user.id };
    case "system":
      return { type: "system", id: actor.id };
  }
}
