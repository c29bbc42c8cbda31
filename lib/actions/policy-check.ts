import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { Db } from "@/lib/db/client";
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
 * Evaluates policy for one operation on one action and stores the decision with the policies
 * that made it, plus its audit event, in the caller's transaction.
 */
export async function decideAndRecord(
  tx: Db,
  context: Pick<ServiceContext, "clock" | "actor" | "policies" | "correlationId" | "requestId">,
  operation: PolicyOperation,
  target: PolicyTarget,
  checks: PolicyCheckContext = { isProposer: false, ownsProposingWorkload: false, requestedExecutionWindowSeconds: 0 },
): Promise<RecordedDecision> {
  const decision = evaluatePolicy(context.policies, {
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

  const actor = actorRef(context.actor);
  const row = await tx.policyDecision.create({
    data: {
      actionId: target.actionId,
      operation,
      principalType: actor.type,
      principalId: actor.id,
      effect: decision.effect,
      determiningPolicies: decision.determiningPolicies,
      requiredApprovals: decision.requiredApprovals,
      maxExecutionWindowSeconds: decision.maxExecutionWindowSeconds,
      reasons: [...decision.reasons, ...decision.errors],
      createdAt: context.clock.now(),
    },
  });
  await recordAudit(tx, {
    occurredAt: context.clock.now(),
    actor,
    eventType: "policy.decided",
    actionId: target.actionId,
    incidentId: target.incidentId,
    domain: target.domainName,
    correlationId: context.correlationId ?? context.requestId,
    payload: {
      decisionId: row.id,
      operation,
      effect: decision.effect,
      policies: decision.determiningPolicies,
      requiredApprovals: decision.requiredApprovals,
      maxExecutionWindowSeconds: decision.maxExecutionWindowSeconds,
      flags: decision.flags,
    },
  });
  return { ...decision, id: row.id };
}
