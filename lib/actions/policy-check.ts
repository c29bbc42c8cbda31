import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit/trail";
import { sqlOf, sqlTime, type Queryable } from "@/lib/db/sql";
import { evaluatePolicy, type PolicyDecision, type PolicyOperation, type PolicyPrincipal } from "@/lib/policy/engine";
import { actorRef, type Actor, type ServiceContext } from "./context";

export function policyPrincipal(actor: Actor): PolicyPrincipal {
  switch (actor.type) {
    case "workload":
      return {
        type: "workload",
        id: actor.client.id,
        owner: actor.client.ownerEmail,
        allowedKinds: actor.client.allowedKinds,
        allowedDomains: actor.client.allowedDomains,
      };
    case "person":
      return { type: "person", id: actor.user.id, email: actor.user.email, roles: actor.user.roles };
    case "system":
      return { type: "system" };
  }
}

export interface PolicyTarget {
  actionId: string;
  incidentId: string;
  kind: string;
  risk: "low" | "medium" | "high" | "critical";
  domainName: string;
  incidentSeverity: string;
  reversible: boolean;
}

export interface PolicyCheckContext {
  isProposer: boolean;
  ownsProposingWorkload: boolean;
  requestedExecutionWindowSeconds: number;
}

export interface RecordedDecision extends PolicyDecision {
  id: string;
}

/**
 * Reason for a decision that its operation alone does not show. `requester_recheck` is the
 * check, just before execution, that the proposing workload may still propose the action.
 */
export type DecisionPurpose = "requester_recheck";

type DecisionContext = Pick<ServiceContext, "clock" | "actor" | "policies" | "correlationId" | "requestId">;

const NO_CHECKS: PolicyCheckContext = { isProposer: false, ownsProposingWorkload: false, requestedExecutionWindowSeconds: 0 };

/** Evaluates policy for one operation on one action, without storing anything. */
export function decide(context: DecisionContext, operation: PolicyOperation, target: PolicyTarget, checks: PolicyCheckContext = NO_CHECKS): PolicyDecision {
  return evaluatePolicy(context.policies, {
    principal: policyPrincipal(context.actor),
    operation,
    resource: {
      actionId: target.actionId,
      kind: target.kind,
      risk: target.risk,
      domain: target.domainName,
      incidentSeverity: target.incidentSeverity,
      reversible: target.reversible,
    },
    context: checks,
  });
}

const INSERT_DECISION = `
  INSERT INTO policy_decisions (id, "actionId", operation, "principalType", "principalId", effect, "determiningPolicies",
                                "requiredApprovals", "maxExecutionWindowSeconds", reasons, "createdAt")
  VALUES ($1::uuid, $2::uuid, $3::text, $4::"ActorType", $5::text, $6::"PolicyEffect", $7::text[], $8::integer, $9::integer, $10::text[], $11::timestamp(3))`;

/** Stores a decision made by `decide` with the policies that made it, plus its audit event, in the caller's transaction. */
export async function recordDecision(
  tx: Queryable,
  context: DecisionContext,
  operation: PolicyOperation,
  target: PolicyTarget,
  decision: PolicyDecision,
  purpose?: DecisionPurpose,
): Promise<RecordedDecision> {
  const id = randomUUID();
  const actor = actorRef(context.actor);
  const now = context.clock.now();
  await sqlOf(tx).query(INSERT_DECISION, [
    id,
    target.actionId,
    operation,
    actor.type,
    actor.id,
    decision.effect,
    decision.determiningPolicies,
    decision.requiredApprovals,
    decision.maxExecutionWindowSeconds,
    [...decision.reasons, ...decision.errors],
    sqlTime(now),
  ]);
  await recordAudit(tx, {
    occurredAt: now,
    actor,
    eventType: "policy.decided",
    actionId: target.actionId,
    incidentId: target.incidentId,
    domain: target.domainName,
    correlationId: context.correlationId ?? context.requestId,
    payload: {
      decisionId: id,
      operation,
      effect: decision.effect,
      policies: decision.determiningPolicies,
      requiredApprovals: decision.requiredApprovals,
      maxExecutionWindowSeconds: decision.maxExecutionWindowSeconds,
      flags: decision.flags,
      ...(purpose ? { purpose } : {}),
    },
  });
  return { ...decision, id };
}

/**
 * Evaluates policy for one operation on one action and stores the decision with the policies
 * that made it, plus its audit event, in the caller's transaction.
 */
export async function decideAndRecord(
  tx: Queryable,
  context: DecisionContext,
  operation: PolicyOperation,
  target: PolicyTarget,
  checks: PolicyCheckContext = NO_CHECKS,
  purpose?: DecisionPurpose,
): Promise<RecordedDecision> {
  return recordDecision(tx, context, operation, target, decide(context, operation, target, checks), purpose);
}
