import { sqlOf, type Queryable } from "@/lib/db/sql";
import type { ActionState, RiskLevel } from "@/lib/db/generated/enums";
import { NotFound } from "@/lib/errors";

export interface LockedAction {
  id: string;
  state: ActionState;
  version: number;
  kind: string;
  risk: RiskLevel;
  reversible: boolean;
  incidentId: string;
  incidentSeverity: string;
  domainId: string;
  domainName: string;
  targetIdentity: string;
  planHash: string;
  requiredApprovals: number;
  maxExecutionWindowSeconds: number;
  decisionDeadline: Date;
  effectDurationSeconds: number | null;
  requestedByClientId: string | null;
  requestedByUserId: string | null;
  ownerEmail: string | null;
}

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

const LOCK_ACTION = `
    SELECT a.id, a.state, a.version, a.kind::text AS kind, a.risk, a.reversible,
           a."incidentId", i.severity::text AS "incidentSeverity", a."domainId", d.name AS "domainName",
           a."targetIdentity", a."planHash", a."requiredApprovals", a."maxExecutionWindowSeconds",
           a."decisionDeadline", a."effectDurationSeconds", a."requestedByClientId", a."requestedByUserId",
           c."ownerEmail"
      FROM actions a
      JOIN incidents i ON i.id = a."incidentId"
      JOIN domains d ON d.id = a."domainId"
      LEFT JOIN workload_clients c ON c.id = a."requestedByClientId"
     WHERE a.id = $1::uuid
       FOR UPDATE OF a`;

/**
 * Reads an action and locks its row until the transaction ends (SELECT … FOR UPDATE), so
 * concurrent decisions on one action run one after the other and see each other's result.
 */
export async function lockAction(tx: Queryable, actionId: string): Promise<LockedAction> {
  if (!UUID.test(actionId)) throw new NotFound(`action ${actionId} not found`, { actionId });
  const rows = await sqlOf(tx).query<LockedAction>(LOCK_ACTION, [actionId]);
  const action = rows[0];
  if (!action) throw new NotFound(`action ${actionId} not found`, { actionId });
  return action;
}
