import { lockAction } from "@/lib/actions/lock-action";
import { decideAndRecord } from "@/lib/actions/policy-check";
import { transitionAction } from "@/lib/actions/transition";
import type { ServiceContext } from "@/lib/actions/context";
import { auditedSqlTransaction, recordAudit } from "@/lib/audit/trail";
import type { WorkloadClient } from "@/lib/db/client";
import { jsonTime, sqlTime } from "@/lib/db/sql";
import { stoppedClock } from "@/lib/time/clock";
import { ActionStateConflict, GrantAlreadyRedeemed, GrantExpired, GrantNotFound, PlanHashMismatch, PolicyDenied } from "@/lib/errors";

export interface RedeemedGrant {
  id: string;
  actionId: string;
  planHash: string;
  expiresAt: Date;
  redeemedAt: Date;
}

// The newest grant and the proposing workload, whose current scope execution is checked against.
const LATEST_GRANT_AND_REQUESTER = `
  SELECT g.id AS "grantId", g."planHash", g."expiresAt", g."redeemedAt",
         (SELECT row_to_json(c) FROM workload_clients c WHERE c.id = $2::uuid) AS requester
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      SELECT id, "planHash", "expiresAt", "redeemedAt" FROM grants WHERE "actionId" = $1::uuid ORDER BY "createdAt" DESC, id DESC LIMIT 1
    ) g ON true`;

interface GrantAndRequester {
  grantId: string | null;
  planHash: string | null;
  expiresAt: Date | null;
  redeemedAt: Date | null;
  requester: (Omit<WorkloadClient, "floodFlaggedAt" | "createdAt" | "updatedAt"> & { floodFlaggedAt: string | null; createdAt: string; updatedAt: string }) | null;
}

function reviveClient(client: NonNullable<GrantAndRequester["requester"]>): WorkloadClient {
  return { ...client, floodFlaggedAt: jsonTime(client.floodFlaggedAt), createdAt: jsonTime(client.createdAt), updatedAt: jsonTime(client.updatedAt) };
}

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
    // Read after the lock, so a redemption committed before it is seen.
    const [row] = await tx.query<GrantAndRequester>(LATEST_GRANT_AND_REQUESTER, [actionId, action.requestedByClientId]);
    const grant = row?.grantId && row.expiresAt ? { id: row.grantId, planHash: row.planHash ?? "", expiresAt: row.expiresAt, redeemedAt: row.redeemedAt } : null;
    const requester = row?.requester ? reviveClient(row.requester) : null;
    if (!grant) throw new GrantNotFound(`action ${actionId} has no grant; it must be approved first`, { actionId });
    if (grant.redeemedAt) throw new GrantAlreadyRedeemed(`the grant of action ${actionId} was already redeemed at ${grant.redeemedAt.toISOString()}`, { actionId, grantId: grant.id });
    if (action.state !== "approved") throw new ActionStateConflict(`action ${actionId} is ${action.state}, not approved`, { actionId, state: action.state });

    const now = context.clock.now();
    // Every event of this redemption carries the same time, so the timeline keeps their chain order.
    const atNow = { ...context, clock: stoppedClock(now) };
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
    const decision = await decideAndRecord(tx, atNow, "execute", target);
    // The proposing workload must still be enabled and still be allowed to propose this:
    // a client whose scope was narrowed or which was disabled after a compromise must not
    // have its earlier proposals executed.
    const scope = requester ? await decideAndRecord(tx, { ...atNow, actor: { type: "workload", client: requester } }, "propose", target, undefined, "requester_recheck") : null;
    const denial =
      decision.effect === "deny"
        ? decision
        : requester && !requester.enabled
          ? { reasons: [`the proposing client ${requester.name} is disabled.`], determiningPolicies: [] as string[] }
          : scope?.effect === "deny"
            ? scope
            : null;
    if (denial) {
      await transitionAction(tx, atNow, action, "denied", { reason: `policy denies execution: ${denial.reasons.join(" ")}`.trim() });
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
    await transitionAction(tx, atNow, action, "executing");
    return { grant: { id: grant.id, actionId, planHash, expiresAt: grant.expiresAt, redeemedAt: now }, denied: null };
  });

  if (outcome.denied) throw new PolicyDenied(`policy now denies executing action ${actionId}`, { actionId, policies: outcome.denied.policies });
  return outcome.grant;
}
