import { randomUUID } from "node:crypto";
import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { Plan } from "@/lib/connectors/types";
import { planHash } from "@/lib/connectors/plan-hash";
import type { Db } from "@/lib/db/client";
import { Prisma } from "@/lib/db/generated/client";
import { IdempotencyKeyReused, OpenActionExists, PolicyDenied, ValidationFailed } from "@/lib/errors";
import { evaluatePolicy } from "@/lib/policy/engine";
import { addSeconds } from "@/lib/time/clock";
import { formatIsoDuration } from "@/lib/time/duration";
import { hashCanonical, type Json } from "@/lib/util/canonical-json";
import { ACTION_CATALOGUE, DEFAULT_DECISION_DEADLINE_SECONDS, MAX_DECISION_DEADLINE_SECONDS } from "./catalogue";
import { actorRef, type PlanRequest, type ServiceContext } from "./context";
import { decideAndRecord, policyPrincipal, type RecordedDecision } from "./policy-check";
import { loadActionView, type ActionView } from "./read-action";
import type { ProposeActionBody } from "./schemas";
import { normaliseTargetName } from "./target-name";
import { transitionAction } from "./transition";

export interface ProposeResult {
  action: ActionView;
  decision: RecordedDecision | null;
  /** True when an earlier request with the same Idempotency-Key created the action. */
  replayed: boolean;
}

/** Key that makes one open action per kind and target unique in the database. */
export function openKeyFor(kind: string, domainId: string, identity: string, resource: string | null): string {
  return [kind, domainId, identity, resource ?? ""].map((part) => encodeURIComponent(part)).join("|");
}

/** Builds the plan when no connector computes one: the requested change itself. */
export function requestedChangePlan(request: PlanRequest): Plan {
  const diff = {
    objects: [
      {
        type: "identity",
        id: request.target.identity,
        displayName: request.target.displayName,
        before: {},
        after: { requestedChange: request.kind, ...(request.target.resource ? { resource: request.target.resource } : {}) },
      },
    ],
    blastRadius: [],
  };
  return { diff, hash: planHash(diff), revertState: null, references: [] };
}

function validateClocks(body: ProposeActionBody, risk: keyof typeof DEFAULT_DECISION_DEADLINE_SECONDS) {
  const spec = ACTION_CATALOGUE[body.kind];
  const errors: { pointer: string; message: string }[] = [];
  const deadline = body.decisionDeadline ?? DEFAULT_DECISION_DEADLINE_SECONDS[risk];
  if (deadline > MAX_DECISION_DEADLINE_SECONDS) {
    errors.push({ pointer: "/decisionDeadline", message: `decision deadline ${formatIsoDuration(deadline)} exceeds the maximum ${formatIsoDuration(MAX_DECISION_DEADLINE_SECONDS)}` });
  }
  if (body.effectDuration !== undefined && !spec.reversible) {
    errors.push({ pointer: "/effectDuration", message: `${body.kind} is not reversible, so it takes no effect duration` });
  } else if (body.effectDuration !== undefined && body.effectDuration > spec.maxEffectDurationSeconds) {
    errors.push({ pointer: "/effectDuration", message: `effect duration ${formatIsoDuration(body.effectDuration)} exceeds the maximum ${formatIsoDuration(spec.maxEffectDurationSeconds)} for ${body.kind}` });
  }
  return { deadline, errors };
}

function parseParameters(body: ProposeActionBody): Record<string, Json> {
  const result = ACTION_CATALOGUE[body.kind].parameters.safeParse(body.parameters);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => ({ pointer: `/parameters${issue.path.map((part) => `/${String(part)}`).join("")}`, message: issue.message }));
    throw new ValidationFailed(`parameters are invalid for ${body.kind}`, errors);
  }
  return result.data as Record<string, Json>;
}

async function findReplay(db: Db, clientId: string, key: string, requestHash: string): Promise<string | null> {
  const record = await db.idempotencyRecord.findUnique({ where: { clientId_key: { clientId, key } } });
  if (!record) return null;
  if (record.requestHash !== requestHash) {
    throw new IdempotencyKeyReused(`Idempotency-Key ${JSON.stringify(key)} was already used with a different request body`, { actionId: record.actionId });
  }
  return record.actionId;
}

/**
 * Evaluates policy for the proposal before Cordon looks at the domain: a request outside the
 * requester's scope must not make Cordon read the target (the plan would disclose it) or
 * reveal whether the domain or target exists. A denial is audited and raised as PolicyDenied (403).
 */
async function assertInScope(context: ServiceContext, body: ProposeActionBody, actionId: string, incident: { id: string; severity: string }): Promise<void> {
  const spec = ACTION_CATALOGUE[body.kind];
  const decision = evaluatePolicy(context.policies, {
    principal: policyPrincipal(context.actor),
    operation: "propose",
    resource: { actionId, kind: body.kind, risk: spec.risk, domain: body.target.domain, incidentSeverity: incident.severity, reversible: spec.reversible },
    context: { isProposer: false, ownsProposingWorkload: false, requestedExecutionWindowSeconds: 0 },
  });
  if (decision.effect === "allow") return;

  await auditedTransaction(context.db, async (tx) => {
    await recordAudit(tx, {
      occurredAt: context.clock.now(),
      actor: actorRef(context.actor),
      eventType: "proposal.denied",
      incidentId: incident.id,
      correlationId: context.correlationId ?? context.requestId,
      payload: { kind: body.kind, domain: body.target.domain, identity: body.target.identity, policies: decision.determiningPolicies, reasons: decision.reasons },
    });
  });
  context.logger.warn({ kind: body.kind, domain: body.target.domain, policies: decision.determiningPolicies }, "proposal denied by policy");
  throw new PolicyDenied(decision.reasons.join(" ") || "policy denies this proposal", { policies: decision.determiningPolicies });
}

/**
 * Proposes an action: validates it against the catalogue, computes the plan, evaluates
 * policy and stores the action as pending (or denied) with its audit events, in one
 * transaction. With an idempotency key, a replay of the same body returns the first result.
 */
export async function proposeAction(context: ServiceContext, body: ProposeActionBody, idempotencyKey?: string): Promise<ProposeResult> {
  const spec = ACTION_CATALOGUE[body.kind];
  const parameters = parseParameters(body);
  const { deadline, errors } = validateClocks(body, spec.risk);
  if (errors.length > 0) throw new ValidationFailed(errors[0]!.message, errors);

  const idempotencyScope = context.actor.type === "workload" ? context.actor.client.id : actorRef(context.actor).id;
  const requestHash = hashCanonical(body);
  if (idempotencyKey) {
    const replayId = await findReplay(context.db, idempotencyScope, idempotencyKey, requestHash);
    if (replayId) return { action: await loadActionView(context.db, replayId), decision: null, replayed: true };
  }

  // A workload may use the incidents it reported and those people created. Another client's
  // incident is reported as unknown, the same as a missing one.
  const incident = await context.db.incident.findFirst({
    where: {
      id: body.incidentId,
      ...(context.actor.type === "workload" ? { OR: [{ createdByClientId: context.actor.client.id }, { createdByClientId: null }] } : {}),
    },
  });
  if (!incident) {
    throw new ValidationFailed(`incident ${body.incidentId} does not exist; create it with POST /api/v1/incidents first`, [{ pointer: "/incidentId", message: "unknown incident" }]);
  }

  const actionId = randomUUID();
  await assertInScope(context, body, actionId, incident);

  const domain = await context.db.domain.findUnique({ where: { name: body.target.domain } });
  if (!domain || !domain.enabled) {
    throw new ValidationFailed(`domain ${JSON.stringify(body.target.domain)} is not registered or is disabled`, [{ pointer: "/target/domain", message: "unknown or disabled domain" }]);
  }

  const resource = body.target.resource ?? null;
  const displayName = normaliseTargetName(body.target.displayName ?? body.target.identity);
  const planRequest: PlanRequest = {
    actionId,
    kind: body.kind,
    domain: { id: domain.id, name: domain.name, kind: domain.kind },
    target: { identity: body.target.identity, resource, displayName: displayName.name },
    parameters,
  };
  const plan = context.planner ? await context.planner(planRequest) : requestedChangePlan(planRequest);
  const now = context.clock.now();
  const openKey = openKeyFor(body.kind, domain.id, body.target.identity, resource);

  try {
    const decision = await auditedTransaction(context.db, async (tx) => {
      if (idempotencyKey) {
        await tx.idempotencyRecord.create({ data: { clientId: idempotencyScope, key: idempotencyKey, requestHash, actionId, createdAt: now } });
      }
      const requester = context.actor;
      const requestedByType = requester.type;
      await tx.action.create({
        data: {
          id: actionId,
          incidentId: incident.id,
          kind: body.kind,
          domainId: domain.id,
          targetIdentity: body.target.identity,
          targetResource: resource,
          targetDisplayName: displayName.name,
          targetNameFlags: displayName.flags,
          parameters,
          justification: body.justification,
          evidence: (body.evidence ?? []) as Json as Prisma.InputJsonValue,
          state: "proposed",
          risk: spec.risk,
          reversible: spec.reversible,
          requestedByType,
          requestedByClientId: requester.type === "workload" ? requester.client.id : null,
          requestedByUserId: requester.type === "person" ? requester.user.id : null,
          maxExecutionWindowSeconds: spec.maxExecutionWindowSeconds,
          decisionDeadline: addSeconds(now, deadline),
          effectDurationSeconds: body.effectDuration ?? null,
          plan: plan.diff as unknown as Prisma.InputJsonValue,
          planHash: plan.hash,
          planRevertState: plan.revertState === null ? Prisma.DbNull : (plan.revertState as Prisma.InputJsonValue),
          openKey,
          createdAt: now,
        },
      });
      await recordAudit(tx, {
        occurredAt: now,
        actor: actorRef(context.actor),
        eventType: "action.proposed",
        actionId,
        incidentId: incident.id,
        domain: domain.name,
        correlationId: context.correlationId ?? context.requestId,
        payload: {
          kind: body.kind,
          target: { identity: body.target.identity, resource, displayName: displayName.name, flags: displayName.flags },
          planHash: plan.hash,
          decisionDeadline: addSeconds(now, deadline).toISOString(),
          effectDurationSeconds: body.effectDuration ?? null,
          references: plan.references as unknown as Json,
        },
      });

      const decision = await decideAndRecord(tx, context, "propose", {
        actionId,
        incidentId: incident.id,
        kind: body.kind,
        risk: spec.risk,
        domainName: domain.name,
        incidentSeverity: incident.severity,
        reversible: spec.reversible,
      });
      const snapshot = { id: actionId, state: "proposed" as const, version: 0, incidentId: incident.id, domainName: domain.name };
      if (decision.effect === "allow") {
        await transitionAction(tx, context, snapshot, "pending", {
          data: { requiredApprovals: decision.requiredApprovals, maxExecutionWindowSeconds: decision.maxExecutionWindowSeconds },
        });
      } else {
        await transitionAction(tx, context, snapshot, "denied", { reason: decision.reasons.join(" ") || "denied by policy" });
      }
      return decision;
    });
    return { action: await loadActionView(context.db, actionId), decision, replayed: false };
  } catch (error) {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") throw error;
    // A concurrent request won the race on the idempotency key or on the target.
    if (idempotencyKey) {
      const replayId = await findReplay(context.db, idempotencyScope, idempotencyKey, requestHash);
      if (replayId) return { action: await loadActionView(context.db, replayId), decision: null, replayed: true };
    }
    const open = await context.db.action.findUnique({ where: { openKey }, select: { id: true, state: true } });
    if (open) {
      throw new OpenActionExists(`action ${open.id} of kind ${body.kind} on this target is already ${open.state}`, { actionId: open.id, state: open.state });
    }
    throw error;
  }
}
