import type { ActionKind } from "@/lib/actions/catalogue";
import type { ConnectorAction, Plan, ScopeDiff } from "@/lib/connectors/types";
import type { Action, Db, Domain } from "@/lib/db/client";
import type { Json } from "@/lib/util/canonical-json";

export type ExecutableAction = Action & { domain: Domain };

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/** Reads an action with its domain, without a lock; null when no such action exists. */
export async function loadExecutableAction(db: Db, actionId: string): Promise<ExecutableAction | null> {
  if (!UUID.test(actionId)) return null;
  return db.action.findUnique({ where: { id: actionId }, include: { domain: true } });
}

export function toConnectorAction(action: ExecutableAction): ConnectorAction {
  return {
    id: action.id,
    kind: action.kind as ActionKind,
    target: { domain: action.domain.name, identity: action.targetIdentity, resource: action.targetResource },
    parameters: action.parameters as Record<string, Json>,
  };
}

/** Rebuilds the approved plan from the action row; revert restores its `revertState`. */
export function approvedPlan(action: ExecutableAction): Plan {
  return {
    diff: action.plan as unknown as ScopeDiff,
    hash: action.planHash,
    revertState: (action.planRevertState ?? null) as Record<string, Json> | null,
    references: [],
  };
}
