import { recordAudit } from "@/lib/audit/trail";
import type { ActionState } from "@/lib/db/generated/enums";
import { sqlJson, sqlOf, sqlTime, type Queryable } from "@/lib/db/sql";
import { ActionStateConflict } from "@/lib/errors";
import type { Json } from "@/lib/util/canonical-json";
import { actorRef, type ServiceContext } from "./context";
import { OPEN_STATES, canTransition } from "./state-machine";

/** The columns of an action that a transition reads. */
export interface ActionSnapshot {
  id: string;
  state: ActionState;
  version: number;
  incidentId: string;
  domainName: string;
}

/** Columns a transition may set besides the state; `null` clears a nullable column. */
export interface ActionChanges {
  requiredApprovals?: number;
  maxExecutionWindowSeconds?: number;
  effectDurationSeconds?: number | null;
  effectEndsAt?: Date;
  decisionDeadline?: Date;
  plan?: Json;
  planHash?: string;
  planRevertState?: Json | null;
}

const CHANGE_TYPES: Record<keyof ActionChanges, string> = {
  requiredApprovals: "integer",
  maxExecutionWindowSeconds: "integer",
  effectDurationSeconds: "integer",
  effectEndsAt: "timestamp(3)",
  decisionDeadline: "timestamp(3)",
  plan: "jsonb",
  planHash: "text",
  planRevertState: "jsonb",
};

function changeValue(type: string, value: ActionChanges[keyof ActionChanges]): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return sqlTime(value);
  return type === "jsonb" ? sqlJson(value) : value;
}

/** Builds the compare-and-set UPDATE: it matches only the version and state that were read. */
function updateStatement(action: ActionSnapshot, to: ActionState, now: Date, closes: boolean, reason: string | undefined, changes: ActionChanges) {
  const values: unknown[] = [action.id, action.version, action.state, to, sqlTime(now)];
  const sets = [`state = $4::"ActionState"`, "version = version + 1", `"updatedAt" = $5::timestamp(3)`];
  if (closes) sets.push(`"openKey" = NULL`);
  if (reason !== undefined) {
    values.push(reason);
    sets.push(`"stateReason" = $${values.length}::text`);
  }
  for (const column of Object.keys(CHANGE_TYPES) as (keyof ActionChanges)[]) {
    if (!(column in changes)) continue;
    const type = CHANGE_TYPES[column];
    values.push(changeValue(type, changes[column]));
    sets.push(`"${column}" = $${values.length}::${type}`);
  }
  const text = `UPDATE actions SET ${sets.join(", ")} WHERE id = $1::uuid AND version = $2::integer AND state = $3::"ActionState" RETURNING version`;
  return { text, values };
}

/**
 * Moves an action from its current state to `to` with compare-and-set on the version and
 * the state, and appends the audit event in the same transaction. Every state change of an
 * action goes through here, so the version check and the audit event cannot be skipped.
 */
export async function transitionAction(
  tx: Queryable,
  context: Pick<ServiceContext, "clock" | "actor" | "correlationId" | "requestId">,
  action: ActionSnapshot,
  to: ActionState,
  options: { data?: ActionChanges; reason?: string; payload?: Record<string, Json> } = {},
): Promise<number> {
  if (!canTransition(action.state, to)) {
    throw new ActionStateConflict(`action ${action.id} is ${action.state} and cannot become ${to}`, { actionId: action.id, state: action.state });
  }

  const now = context.clock.now();
  const { text, values } = updateStatement(action, to, now, !OPEN_STATES.includes(to), options.reason, options.data ?? {});
  const updated = await sqlOf(tx).query<{ version: number }>(text, values);
  if (updated.length !== 1) {
    throw new ActionStateConflict(`action ${action.id} was changed by another request; reload it and try again`, { actionId: action.id });
  }

  await recordAudit(tx, {
    occurredAt: now,
    actor: actorRef(context.actor),
    eventType: `action.${to}`,
    actionId: action.id,
    incidentId: action.incidentId,
    domain: action.domainName,
    correlationId: context.correlationId ?? context.requestId,
    payload: { from: action.state, to, ...(options.reason !== undefined ? { reason: options.reason } : {}), ...options.payload },
  });
  return action.version + 1;
}
