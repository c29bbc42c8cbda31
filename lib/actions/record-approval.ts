import { randomUUID } from "node:crypto";
import { auditedSqlTransaction, recordAudit } from "@/lib/audit/trail";
import { sqlTime, type PgTransaction } from "@/lib/db/sql";
import { enqueueExecution } from "@/lib/executor/enqueue";
import { ApprovalExpired, ActionStateConflict, Forbidden, PolicyDenied, SeparationOfDutiesViolation, ValidationFailed } from "@/lib/errors";
import { addSeconds, stoppedClock } from "@/lib/time/clock";
import { formatIsoDuration } from "@/lib/time/duration";
import { ACTION_CATALOGUE, type ActionKind } from "./catalogue";
import { actorRef, type ServiceContext } from "./context";
import { lockAction, type LockedAction } from "./lock-action";
import { decideAndRecord } from "./policy-check";
import { loadActionView, type ActionView } from "./read-action";
import type { ApprovalBody } from "./schemas";
import { transitionAction } from "./transition";

export interface ApprovalResult {
  action: ActionView;
  /** False when this person had already approved in this round (the request was a no-op). */
  recorded: boolean;
  grantId: string | null;
}

/** Separation of duties, checked in code as well as in policy (defence in depth). */
function assertIndependent(action: LockedAction, user: { id: string; email: string }, decision: ApprovalBody["decision"]): { isProposer: boolean; ownsProposingWorkload: boolean } {
  const isProposer = action.requestedByUserId === user.id;
  const ownsProposingWorkload = action.ownerEmail !== null && action.ownerEmail.toLowerCase() === user.email.toLowerCase();
  if (isProposer) throw new SeparationOfDutiesViolation("you proposed this action, so you cannot decide on it", { actionId: action.id });
  // The owner may still reject: stopping a containment step needs no independence.
  if (ownsProposingWorkload && decision === "approve") {
    throw new SeparationOfDutiesViolation("you own the workload that proposed this action, so you do not count as an independent approver", { actionId: action.id });
  }
  return { isProposer, ownsProposingWorkload };
}

function policyTarget(action: LockedAction) {
  return {
    actionId: action.id,
    incidentId: action.incidentId,
    kind: action.kind,
    risk: action.risk,
    domainName: action.domainName,
    incidentSeverity: action.incidentSeverity,
    reversible: action.reversible,
  };
}

function checkWindows(action: LockedAction, body: Extract<ApprovalBody, { decision: "approve" }>, maxWindow: number) {
  if (body.executionWindow > maxWindow) {
    throw new ValidationFailed(`execution window ${formatIsoDuration(body.executionWindow)} exceeds the maximum ${formatIsoDuration(maxWindow)} allowed by policy`, [
      { pointer: "/executionWindow", message: `at most ${formatIsoDuration(maxWindow)}` },
    ]);
  }
  if (body.effectDuration === undefined) return;
  const spec = ACTION_CATALOGUE[action.kind as ActionKind];
  if (!spec.reversible) throw new ValidationFailed(`${action.kind} is not reversible, so it takes no effect duration`, [{ pointer: "/effectDuration", message: "not reversible" }]);
  if (body.effectDuration > spec.maxEffectDurationSeconds) {
    throw new ValidationFailed(`effect duration ${formatIsoDuration(body.effectDuration)} exceeds the maximum ${formatIsoDuration(spec.maxEffectDurationSeconds)}`, [
      { pointer: "/effectDuration", message: `at most ${formatIsoDuration(spec.maxEffectDurationSeconds)}` },
    ]);
  }
}

/**
 * Records a person's approve or reject decision under the action's row lock. It checks the
 * state, the decision deadline, separation of duties and policy, then counts distinct
 * approvers of the current round. When enough have approved, it moves the action to
 * `approved`, mints its grant and queues the execution in the same transaction.
 */
export async function recordApproval(context: ServiceContext, actionId: string, body: ApprovalBody): Promise<ApprovalResult> {
  if (context.actor.type !== "person") throw new Forbidden("only a person can approve or reject an action");
  const user = context.actor.user;

  const outcome = await auditedSqlTransaction(context.db, async (tx) => {
    const action = await lockAction(tx, actionId);
    if (action.state !== "pending") {
      throw new ActionStateConflict(`action ${action.id} is ${action.state}, not pending, so it takes no decision`, { actionId: action.id, state: action.state });
    }
    const now = context.clock.now();
    // Every event of this decision carries the same time, so the timeline keeps their chain order.
    const atNow = { ...context, clock: stoppedClock(now) };
    if (now.getTime() >= action.decisionDeadline.getTime()) {
      throw new ApprovalExpired(`the decision deadline of action ${action.id} passed at ${action.decisionDeadline.toISOString()}`, { actionId: action.id, decisionDeadline: action.decisionDeadline.toISOString() });
    }
    const independence = assertIndependent(action, user, body.decision);

    const { round, alreadyDecided, approvals: earlier } = await currentRound(tx, action.id, user.id);
    if (alreadyDecided) return { recorded: false, grantId: null, denied: null };

    // Windows are checked against the maximum fixed at proposal before policy runs, so an
    // approver gets a 422 that names the limit. Policy checks the window again below.
    if (body.decision === "approve") checkWindows(action, body, action.maxExecutionWindowSeconds);
    const operation = body.decision === "approve" ? "approve" : "reject";
    const decision = await decideAndRecord(tx, atNow, operation, policyTarget(action), {
      ...independence,
      requestedExecutionWindowSeconds: body.decision === "approve" ? body.executionWindow : 0,
    });
    // A denied decision is kept (its audit event included); the caller gets PolicyDenied.
    if (decision.effect === "deny") return { recorded: false, grantId: null, denied: decision };

    await tx.query(INSERT_APPROVAL, [
      randomUUID(),
      action.id,
      user.id,
      body.decision,
      body.reason,
      body.decision === "approve" ? body.executionWindow : null,
      body.decision === "approve" ? (body.effectDuration ?? null) : null,
      decision.id,
      round,
      sqlTime(now),
    ]);
    await recordAudit(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: "approval.recorded",
      actionId: action.id,
      incidentId: action.incidentId,
      domain: action.domainName,
      correlationId: context.correlationId ?? context.requestId,
      payload: {
        decision: body.decision,
        reason: body.reason,
        round,
        via: context.actor.type === "person" ? context.actor.via : null,
        ...(body.decision === "approve" ? { executionWindow: formatIsoDuration(body.executionWindow), effectDuration: body.effectDuration === undefined ? null : formatIsoDuration(body.effectDuration) } : {}),
      },
    });

    if (body.decision === "reject") {
      await transitionAction(tx, atNow, action, "rejected", { reason: body.reason });
      return { recorded: true, grantId: null, denied: null };
    }

    // The row lock keeps other decisions out until this transaction ends, so the approvals
    // read after taking it, plus this one, are all the approvals of the round.
    const approvals = [...earlier, { approverId: user.id, executionWindowSeconds: body.executionWindow }];
    const required = Math.max(action.requiredApprovals, decision.requiredApprovals);
    if (approvals.length < required) return { recorded: true, grantId: null, denied: null };

    // The grant lives for the shortest window any approver of this round chose.
    const window = Math.min(...approvals.map((approval) => approval.executionWindowSeconds ?? body.executionWindow));
    const effectDuration = body.effectDuration ?? action.effectDurationSeconds;
    await transitionAction(tx, atNow, action, "approved", {
      data: { effectDurationSeconds: effectDuration, requiredApprovals: required },
      payload: { approvers: approvals.map((approval) => approval.approverId) },
    });
    const grant = { id: randomUUID(), expiresAt: addSeconds(now, window) };
    await tx.query(INSERT_GRANT, [grant.id, action.id, action.domainId, action.targetIdentity, action.planHash, decision.id, sqlTime(grant.expiresAt), sqlTime(now)]);
    await recordAudit(tx, {
      occurredAt: now,
      actor: { type: "system", id: "cordon" },
      eventType: "grant.minted",
      actionId: action.id,
      incidentId: action.incidentId,
      domain: action.domainName,
      correlationId: context.correlationId ?? context.requestId,
      payload: { grantId: grant.id, planHash: action.planHash, expiresAt: grant.expiresAt.toISOString(), executionWindow: formatIsoDuration(window) },
    });
    // Queued in the approving transaction: the job exists exactly when the approval commits.
    await enqueueExecution(tx, action.id);
    return { recorded: true, grantId: grant.id, denied: null };
  });

  if (outcome.denied) {
    throw new PolicyDenied(outcome.denied.reasons.join(" ") || "policy denies this decision", { actionId, policies: outcome.denied.determiningPolicies });
  }
  return { action: await loadActionView(context.db, actionId), recorded: outcome.recorded, grantId: outcome.grantId };
}

interface Round {
  round: number;
  alreadyDecided: boolean;
  /** Approvals of the round so far, oldest first. */
  approvals: { approverId: string; executionWindowSeconds: number | null }[];
}

/**
 * Reads the current approval round, whether this person already decided in it, and its
 * approvals. A drift that returns the action to pending starts a new round. Call it after
 * lockAction, because only a statement that starts after the lock reads every decision
 * committed before it.
 */
async function currentRound(tx: PgTransaction, actionId: string, approverId: string): Promise<Round> {
  const [row] = await tx.query<Round>(CURRENT_ROUND, [actionId, approverId]);
  if (!row) throw new Error("the round query returned no row");
  return row;
}

const CURRENT_ROUND = `
  WITH current AS (
    SELECT count(*)::integer AS round FROM audit_events WHERE "actionId" = $1::uuid AND "eventType" = 'action.drifted'
  )
  SELECT current.round,
         EXISTS (SELECT 1 FROM approvals WHERE "actionId" = $1::uuid AND round = current.round AND "approverId" = $2::uuid) AS "alreadyDecided",
         coalesce((SELECT json_agg(json_build_object('approverId', "approverId", 'executionWindowSeconds', "executionWindowSeconds") ORDER BY "createdAt", id)
                     FROM approvals WHERE "actionId" = $1::uuid AND round = current.round AND decision = 'approve'), '[]') AS approvals
    FROM current`;
const INSERT_APPROVAL = `
  INSERT INTO approvals (id, "actionId", "approverId", decision, reason, "executionWindowSeconds", "effectDurationSeconds",
                         "policyDecisionId", round, "createdAt")
  VALUES ($1::uuid, $2::uuid, $3::uuid, $4::"ApprovalDecision", $5::text, $6::integer, $7::integer, $8::uuid, $9::integer, $10::timestamp(3))`;

const INSERT_GRANT = `
  INSERT INTO grants (id, "actionId", "domainId", "targetIdentity", "planHash", "policyDecisionId", "expiresAt", "createdAt")
  VALUES ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::uuid, $7::timestamp(3), $8::timestamp(3))`;
