import { lockAction } from "@/lib/actions/lock-action";
import { decideAndRecord } from "@/lib/actions/policy-check";
import { transitionAction } from "@/lib/actions/transition";
import type { ServiceContext } from "@/lib/actions/context";
import { auditedSqlTransaction, recordAudit } from "@/lib/audit/trail";
import type { WorkloadClient } from "@/lib/db/client";
import { sqlTime } from "@/lib/db/sql";
import { ActionStateConflict, GrantAlreadyRedeemed, GrantExpired, GrantNotFound, PlanHashMismatch, PolicyDenied } from "@/lib/errors";

export interface RedeemedGrant {
  id: string;
  actionId: string;
  planHash: string;
  expiresAt: Date;
  redeemedAt: Date;
}

const LATEST_GRANT = `
  SELECT id, "planHash", "expiresAt", "redeemedAt" FROM grants WHERE "actionId" = $1::uuid ORDER BY "createdAt" DESC, id DESC LIMIT 1`;

// node-postgres cannot parse an array of an enum, so allowedKinds is read as text[].
const SELECT_CLIENT = `
  SELECT id, name, "ownerEmail", "allowedKinds"::text[] AS "allowedKinds", "allowedDomains", "rateLimitPerMinute", enabled,
         "jwtIssuer", "jwksUrl", "jwtSubject", "floodFlaggedAt", "createdAt", "updatedAt"
    FROM workload_clients WHERE id = $1::uuid`;

type Outcome = { grant: RedeemedGrant; denied: null } | { grant: null; denied: { reasons: string[]; policies: string[] } };

/**
 * Consumes the action's grant, once: it must exist, be unredeemed, be inside its execution
 * window and be bound to `planHash`, the hash of the plan the executor is about to apply.
 * Policy is evaluated again first, so a policy change since approval stops the action
 * (the action becomes `denied`). On success the action moves to `executing`.
 */
export async function redeemGrant(context: ServiceContext, actionId: string, planHash: string, redeemedBy: string): Promise<RedeemedGrant> {
  const outcome = await auditedSqlTransaction(context.db, async (tx): Promise<Outcome> => {
    const action = await lockAction(tx, actionId);
    const [grant] = await tx.query<{ id: string; planHash: string; expiresAt: Date; redeemedAt: Date | null }>(LATEST_GRANT, [actionId]);
    if (!grant) throw new GrantNotFound(`action ${actionId} has no grant; it must be approved first`, { actionId });
    if (grant.redeemedAt) throw new GrantAlreadyRedeemed(`the grant of action ${actionId} was already redeemed at ${grant.redeemedAt.toISOString()}`, { actionId, grantId: grant.id });
    if (action.state !== "approved") throw new ActionStateConflict(`action ${actionId} is ${action.state}, not approved`, { actionId, state: action.state });

    const now = context.clock.now();
    if (now.getTime() >= grant.expiresAt.getTime()) {
      throw new GrantExpired(`the execution window of action ${actionId} closed at ${grant.expiresAt.toISOString()}`, { actionId, grantId: grant.id, expiresAt: grant.expiresAt.toISOString() });
    }
    if (grant.planHash !== planHash || action.planHash !== planHash) {
      throw new PlanHashMismatch(`the plan to execute does not match the plan approved for action ${actionId}`, { actionId, grantId: grant.id });
    }

    const target = {
      actionId,
      incidentId: action.incidentId,
      kind: action.kind,
      risk: action.risk,
      domainName: action.domainName,
      incidentSeverity: action.incidentSeverity,
      reversible: action.reversible,
    };
    const decision = await decideAndRecord(tx, context, "execute", target);
    // The proposing workload must still be enabled and still be allowed to propose this:
    // a client whose scope was narrowed or which was disabled after a compromise must not
    // have its earlier proposals executed.
    const [requester] = action.requestedByClientId ? await tx.query<WorkloadClient>(SELECT_CLIENT, [action.requestedByClientId]) : [];
    const scope = requester ? await decideAndRecord(tx, { ...context, actor: { type: "workload", client: requester } }, "propose", target) : null;
    const denial =
      decision.effect === "deny"
        ? decision
        : requester && !requester.enabled
          ? { reasons: [`the proposing client ${requester.name} is disabled.`], determiningPolicies: [] as string[] }
          : scope?.effect === "deny"
            ? scope
            : null;
    if (denial) {
      await transitionAction(tx, context, action, "denied", { reason: `policy denies execution: ${denial.reasons.join(" ")}`.trim() });
      return { grant: null, denied: { reasons: denial.reasons, policies: denial.determiningPolicies } };
    }

    const redeemed = await tx.query(`UPDATE grants SET "redeemedAt" = $2::timestamp(3), "redeemedBy" = $3::text WHERE id = $1::uuid AND "redeemedAt" IS NULL RETURNING id`, [
      grant.id,
      sqlTime(now),
      redeemedBy,
    ]);
    if (redeemed.length !== 1) throw new GrantAlreadyRedeemed(`the grant of action ${actionId} was already redeemed`, { actionId, grantId: grant.id });
    await recordAudit(tx, {
      occurredAt: now,
      actor: { type: "system", id: redeemedBy },
      eventType: "grant.redeemed",
      actionId,
      incidentId: action.incidentId,
      domain: action.domainName,
      correlationId: context.correlationId ?? context.requestId,
      payload: { grantId: grant.id, planHash },
    });
    await transitionAction(tx, context, action, "executing");
    return { grant: { id: grant.id, actionId, planHash, expiresAt: grant.expiresAt, redeemedAt: now }, denied: null };
  });

  if (outcome.denied) throw new PolicyDenied(`policy now denies executing action ${actionId}`, { actionId, policies: outcome.denied.policies });
  return outcome.grant;
}
