import * as cedar from "@cedar-policy/cedar-wasm/nodejs";

import { ACTION_CATALOGUE, ZActionKind } from "@/lib/actions/catalogue";
import { logger } from "@/lib/log/logger";

import { toOneLine } from "./cedar-problems";
import { ZPolicyRequest, type LoadedPolicy, type PolicyDecision, type PolicyPrincipal, type PolicyRequest, type PolicySet } from "./types";

const log = logger.child({ component: "policy" });

/** Entity id of Cordon's executor, the `Cordon::System` principal. */
export const SYSTEM_PRINCIPAL_ID = "executor";

const BREAK_GLASS_FLAG = "break_glass";

function principalEntity(principal: PolicyPrincipal): cedar.EntityJson {
  switch (principal.type) {
    case "workload":
      return {
        uid: { type: "Cordon::Workload", id: principal.id },
        attrs: { owner: principal.owner, allowedKinds: principal.allowedKinds, allowedDomains: principal.allowedDomains },
        parents: [],
      };
    case "person":
      return { uid: { type: "Cordon::Person", id: principal.id }, attrs: { email: principal.email, roles: principal.roles }, parents: [] };
    case "system":
      return { uid: { type: "Cordon::System", id: SYSTEM_PRINCIPAL_ID }, attrs: {}, parents: [] };
  }
}

function resourceEntity(request: PolicyRequest): cedar.EntityJson {
  const { actionId, kind, risk, domain, incidentSeverity, reversible } = request.resource;
  return {
    uid: { type: "Cordon::ContainmentAction", id: actionId },
    attrs: { kind, risk, domain, incidentSeverity, reversible },
    parents: [],
  };
}

/** Sorts policy ids into file order; Cedar reports them in no particular order. */
function inFileOrder(policySet: PolicySet, ids: string[]): string[] {
  const position = (id: string): [string, number, number] => {
    const policy = policySet.policiesById.get(id);
    return [policy?.file ?? "", policy?.line ?? 0, policy?.column ?? 0];
  };
  return [...ids].sort((a, b) => {
    const [fileA, lineA, columnA] = position(a);
    const [fileB, lineB, columnB] = position(b);
    if (fileA !== fileB) return fileA < fileB ? -1 : 1;
    return lineA - lineB || columnA - columnB;
  });
}

function deny(reasons: string[], errors: string[] = [], determiningPolicies: string[] = []): PolicyDecision {
  return { effect: "deny", determiningPolicies, requiredApprovals: 1, maxExecutionWindowSeconds: 0, flags: [], reasons, errors };
}

function quotePolicy(verb: "Allowed" | "Denied", policy: LoadedPolicy | undefined, id: string): string {
  const description = policy?.description;
  return description === undefined ? `${verb} by policy "${id}".` : `${verb} by policy "${id}": ${description}`;
}

/** Combines the annotations of the permits that allowed into one decision. */
function allow(policySet: PolicySet, request: PolicyRequest, permitIds: string[], catalogueMaxWindow: number): PolicyDecision {
  const permits = permitIds.map((id) => policySet.policiesById.get(id));
  let requiredApprovals = 1;
  let maxExecutionWindowSeconds = catalogueMaxWindow;
  const flags = new Set<string>();
  for (const permit of permits) {
    if (permit?.requiredApprovals !== undefined) requiredApprovals = Math.max(requiredApprovals, permit.requiredApprovals);
    if (permit?.maxExecutionWindowSeconds !== undefined) maxExecutionWindowSeconds = Math.min(maxExecutionWindowSeconds, permit.maxExecutionWindowSeconds);
    for (const flag of permit?.flags ?? []) flags.add(flag);
  }
  // Break-glass is flagged for review even when a permit without @flag allowed it.
  if (request.operation === "break_glass") flags.add(BREAK_GLASS_FLAG);

  const requested = request.context.requestedExecutionWindowSeconds;
  if (request.operation === "approve" && requested > maxExecutionWindowSeconds) {
    const reason = `The requested execution window of ${requested} seconds exceeds the maximum of ${maxExecutionWindowSeconds} seconds for this action.`;
    return deny([reason], [], permitIds);
  }

  return {
    effect: "allow",
    determiningPolicies: permitIds,
    requiredApprovals,
    maxExecutionWindowSeconds,
    flags: [...flags],
    reasons: permitIds.map((id, index) => quotePolicy("Allowed", permits[index], id)),
    errors: [],
  };
}

function evaluateValidRequest(policySet: PolicySet, request: PolicyRequest): PolicyDecision {
  const kind = ZActionKind.safeParse(request.resource.kind);
  if (!kind.success) {
    return deny([`Action kind ${JSON.stringify(request.resource.kind)} is not in the action catalogue.`]);
  }

  const principal = principalEntity(request.principal);
  const resource = resourceEntity(request);
  const answer = cedar.statefulIsAuthorized({
    principal: principal.uid,
    action: { type: "Cordon::Action", id: request.operation },
    resource: resource.uid,
    context: request.context,
    entities: [principal, resource],
    preparsedPolicySetId: policySet.cedarPolicySetId,
    preparsedSchemaName: policySet.cedarSchemaName,
    validateRequest: true,
  });
  if (answer.type === "failure") {
    const errors = answer.errors.map((error) => toOneLine(error.message));
    log.warn({ operation: request.operation, actionId: request.resource.actionId, errors }, "policy evaluation failed; request denied");
    return deny(["Policy evaluation failed, so the request is denied."], errors);
  }

  const { decision, diagnostics } = answer.response;
  const determining = inFileOrder(policySet, diagnostics.reason);
  // Cedar skips a policy whose evaluation errors, so a failing forbid would let the request through.
  if (diagnostics.errors.length > 0) {
    const errors = diagnostics.errors.map(({ policyId, error }) => `policy "${policyId}" failed to evaluate: ${toOneLine(error.message)}`);
    log.warn({ operation: request.operation, actionId: request.resource.actionId, errors }, "policy raised an error; request denied");
    return deny(["A policy failed to evaluate, so the request is denied."], errors);
  }

  if (decision === "allow") return allow(policySet, request, determining, ACTION_CATALOGUE[kind.data].maxExecutionWindowSeconds);
  if (determining.length === 0) {
    return deny([`No permit policy allows a ${request.principal.type} to ${request.operation} this action.`]);
  }
  const reasons = determining.map((id) => quotePolicy("Denied", policySet.policiesById.get(id), id));
  return deny(reasons, [], determining);
}

/**
 * Evaluates the policy set for one request, synchronously, and never throws. It fails closed:
 * an invalid request, an action kind outside the catalogue or any Cedar error returns a deny
 * with the cause in `errors` or `reasons`.
 */
export function evaluatePolicy(policySet: PolicySet, request: PolicyRequest): PolicyDecision {
  const parsed = ZPolicyRequest.safeParse(request);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => `${issue.path.join(".") || "request"}: ${issue.message}`);
    return deny(["The policy request is invalid, so it is denied."], errors);
  }

  try {
    return evaluateValidRequest(policySet, parsed.data);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error({ operation: parsed.data.operation, actionId: parsed.data.resource.actionId, err: error }, "policy evaluation threw; request denied");
    return deny(["Policy evaluation failed, so the request is denied."], [toOneLine(message)]);
  }
}
