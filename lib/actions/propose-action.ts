import { randomUUID } from "node:crypto";
import { auditedSqlTransaction, auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { Plan } from "@/lib/connectors/types";
import { planHash } from "@/lib/connectors/plan-hash";
import { isUniqueViolation, pooledSql, sqlJson, sqlTime, type Sql } from "@/lib/db/sql";
import { zodErrors } from "@/lib/http/problem";
import { ActionAlreadyInEffect, IdempotencyKeyReused, OpenActionExists, PolicyDenied, ValidationFailed } from "@/lib/errors";
import type { PolicyDecision } from "@/lib/policy/engine";
import { addSeconds, stoppedClock } from "@/lib/time/clock";
import { formatIsoDuration } from "@/lib/time/duration";
import { hashCanonical, type Json } from "@/lib/util/canonical-json";
import { ACTION_CATALOGUE, DEFAULT_DECISION_DEADLINE_SECONDS, MAX_DECISION_DEADLINE_SECONDS } from "./catalogue";
import { actorRef, type PlanRequest, type ServiceContext } from "./context";
import { decide, recordDecision, type PolicyTarget, type RecordedDecision } from "./policy-check";
import { loadActionView, type ActionView } from "./read-action";
import type { ProposeActionBody } from "./schemas";
import { normaliseTargetName } from "./target-name";
import { findPendingRevert, type PendingRevert } from "./timed-containment";
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
    throw new ValidationFailed(`parameters are invalid for ${body.kind}`, zodErrors(result.error, "/parameters"));
  }
  return result.data as Record<string, Json>;
}

async function findReplay(sql: Sql, clientId: string, key: string, requestHash: string): Promise<string | null> {
  const [record] = await sql.query<{ requestHash: string; actionId: string }>(`SELECT "requestHash", "actionId" FROM idempotency_records WHERE "clientId" = $1::uuid AND key = $2::text`, [
    clientId,
    key,
  ]);
  if (!record) return null;
  if (record.requestHash !== requestHash) {
    throw new IdempotencyKeyReused(`Idempotency-Key ${JSON.stringify(key)} was already used with a different request body`, { actionId: record.actionId });
  }
  return record.actionId;
}

/**
 * Evaluates policy for the proposal before Cordon looks at the domain: a request outside the
 * requester's scope must not make Cordon read the target (the plan would disclose it) or
 * reveal whether the domain or target exists. A denial is audited and raised as PolicyDenied
 * (403). An allow is returned, to be stored with the action.
 */
async function assertInScope(context: ServiceContext, target: PolicyTarget, body: ProposeActionBody): Promise<PolicyDecision> {
  const decision = decide(context, "propose", target);
  if (decision.effect === "allow") return decision;

  await auditedTransaction(context.db, async (tx) => {
    await recordAudit(tx, {
      occurredAt: context.clock.now(),
      actor: actorRef(context.actor),
      eventType: "proposal.denied",
      incidentId: target.incidentId,
      correlationId: context.correlationId ?? context.requestId,
      payload: { kind: body.kind, domain: body.target.domain, identity: body.target.identity, policies: decision.determiningPolicies, reasons: decision.reasons },
    });
  });
  context.logger.warn({ kind: body.kind, domain: body.target.domain, policies: decision.determiningPolicies }, "proposal denied by policy");
  throw new PolicyDenied(decision.reasons.join(" ") || "policy denies this proposal", { policies: decision.determiningPolicies });
}

/**
 * Rejects a proposal whose plan changes nothing with ActionAlreadyInEffect (409), because the
 * target already is in the requested state and no person should be asked to approve it. The
 * attempt is audited on the incident, because containment that automation requested but found
 * in place belongs in the incident record. Nothing else is written.
 */
async function rejectUnchangedTarget(context: ServiceContext, target: PolicyTarget, request: PlanRequest, plan: Plan): Promise<never> {
  const currentState = plan.currentState ?? "it already is in the requested state";
  const { identity, resource, displayName } = request.target;

  await auditedTransaction(context.db, async (tx) => {
    await recordAudit(tx, {
      occurredAt: context.clock.now(),
      actor: actorRef(context.actor),
      eventType: "proposal.already_in_effect",
      incidentId: target.incidentId,
      domain: request.domain.name,
      correlationId: context.correlationId ?? context.requestId,
      payload: { kind: request.kind, target: { identity, resource, displayName }, currentState, planHash: plan.hash },
    });
  });
  context.logger.warn({ kind: request.kind, domain: request.domain.name, identity }, "proposal rejected because the target already is in the requested state");

  const targetName = resource === null ? `identity ${JSON.stringify(identity)}` : `identity ${JSON.stringify(identity)} and resource ${JSON.stringify(resource)}`;
  const message = `${request.kind} would change nothing for ${targetName} in domain ${request.domain.name}, because ${currentState}. Nothing needs approving.`;
  throw new ActionAlreadyInEffect(message, { domain: request.domain.name });
}

/**
 * Tells approvers that an earlier time-limited action contains this target until its revert,
 * and that approving this one keeps the containment: the earlier revert is skipped once this
 * action succeeds. The entry is volatile, so the executor's fresh plan, which lacks it, still
 * matches the approved hash.
 */
function withPendingRevertWarning(plan: Plan, pending: PendingRevert): Plan {
  const warning = {
    type: "pending_revert",
    id: pending.actionId,
    description: `Action ${pending.actionId} contains this target only until ${pending.effectEndsAt.toISOString()}, when it is reverted. Once this action succeeds, that revert is skipped and the containment stays in place.`,
    volatile: true,
  };
  return { ...plan, diff: { ...plan.diff, blastRadius: [warning, ...plan.diff.blastRadius] } };
}

// Reads the incident and the domain in one statement. A workload may use the incidents it
// reported and those people created ($2 is null for a person). Another client's incident is
// reported as unknown, the same as a missing one. The domain is used only once policy allowed
// the proposal.
const FIND_INCIDENT_AND_DOMAIN = `
  SELECT i.id AS "incidentId", i.severity::text AS "incidentSeverity",
         d.id AS "domainId", d.name AS "domainName", d.kind::text AS "domainKind", d.enabled AS "domainEnabled"
    FROM (SELECT 1) AS one
    LEFT JOIN incidents i ON i.id = $1::uuid AND ($2::uuid IS NULL OR i."createdByClientId" = $2::uuid OR i."createdByClientId" IS NULL)
    LEFT JOIN domains d ON d.name = $3::text`;

interface IncidentAndDomain {
  incidentId: string | null;
  incidentSeverity: string | null;
  domainId: string | null;
  domainName: string | null;
  domainKind: string | null;
  domainEnabled: boolean | null;
}

const INSERT_ACTION = `
  INSERT INTO actions (id, "incidentId", kind, "domainId", "targetIdentity", "targetResource", "targetDisplayName", "targetNameFlags",
                       parameters, justification, evidence, state, risk, reversible, "requestedByType", "requestedByClientId",
                       "requestedByUserId", "maxExecutionWindowSeconds", "decisionDeadline", "effectDurationSeconds", plan, "planHash",
                       "planRevertState", "openKey", "createdAt", "updatedAt")
  VALUES ($1::uuid, $2::uuid, $3::"ActionKind", $4::uuid, $5::text, $6::text, $7::text, $8::text[],
          $9::jsonb, $10::text, $11::jsonb, 'proposed', $12::"RiskLevel", $13::boolean, $14::"ActorType", $15::uuid,
          $16::uuid, $17::integer, $18::timestamp(3), $19::integer, $20::jsonb, $21::text,
          $22::jsonb, $23::text, $24::timestamp(3), $24::timestamp(3))`;

/**
 * Proposes an action: validates it against the catalogue, computes the plan, evaluates
 * policy and stores the action as pending (or denied) with its audit events, in one
 * transaction. A plan that changes nothing is rejected with ActionAlreadyInEffect before that
 * transaction. With an idempotency key, a replay of the same body returns the first result.
 */
export async function proposeAction(context: ServiceContext, body: ProposeActionBody, idempotencyKey?: string): Promise<ProposeResult> {
  const spec = ACTION_CATALOGUE[body.kind];
  const parameters = parseParameters(body);
  const { deadline, errors } = validateClocks(body, spec.risk);
  if (errors.length > 0) throw new ValidationFailed(errors[0]!.message, errors);

  const sql = pooledSql(context.db);
  const idempotencyScope = context.actor.type === "workload" ? context.actor.client.id : actorRef(context.actor).id;
  const requestHash = hashCanonical(body);
  if (idempotencyKey) {
    const replayId = await findReplay(sql, idempotencyScope, idempotencyKey, requestHash);
    if (replayId) return { action: await loadActionView(context.db, replayId), decision: null, replayed: true };
  }

  const [found] = await sql.query<IncidentAndDomain>(FIND_INCIDENT_AND_DOMAIN, [body.incidentId, context.actor.type === "workload" ? context.actor.client.id : null, body.target.domain]);
  const incident = found?.incidentId ? { id: found.incidentId, severity: found.incidentSeverity ?? "" } : null;
  if (!incident) {
    throw new ValidationFailed(`incident ${body.incidentId} does not exist; create it with POST /api/v1/incidents first`, [{ pointer: "/incidentId", message: "unknown incident" }]);
  }

  const actionId = randomUUID();
  const target: PolicyTarget = {
    actionId,
    incidentId: incident.id,
    kind: body.kind,
    risk: spec.risk,
    domainName: body.target.domain,
    incidentSeverity: incident.severity,
    reversible: spec.reversible,
  };
  const decision = await assertInScope(context, target, body);

  const domain = found?.domainId && found.domainEnabled ? { id: found.domainId, name: found.domainName ?? "", kind: found.domainKind ?? "" } : null;
  if (!domain) {
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
  const planned = context.planner ? await context.planner(planRequest) : requestedChangePlan(planRequest);
  const pendingRevert = await findPendingRevert(context.db, { kind: body.kind, domainId: domain.id, identity: body.target.identity, resource });
  if (planned.changes === false && !pendingRevert) await rejectUnchangedTarget(context, target, planRequest, planned);
  const plan = pendingRevert ? withPendingRevertWarning(planned, pendingRevert) : planned;

  const now = context.clock.now();
  const decisionDeadline = addSeconds(now, deadline);
  const openKey = openKeyFor(body.kind, domain.id, body.target.identity, resource);

  try {
    const recorded = await auditedSqlTransaction(context.db, async (tx) => {
      if (idempotencyKey) {
        await tx.query(`INSERT INTO idempotency_records ("clientId", key, "requestHash", "actionId", "createdAt") VALUES ($1::uuid, $2::text, $3::text, $4::uuid, $5::timestamp(3))`, [
          idempotencyScope,
          idempotencyKey,
          requestHash,
          actionId,
          sqlTime(now),
        ]);
      }
      const requester = context.actor;
      await tx.query(INSERT_ACTION, [
        actionId,
        incident.id,
        body.kind,
        domain.id,
        body.target.identity,
        resource,
        displayName.name,
        displayName.flags,
        sqlJson(parameters),
        body.justification,
        sqlJson(body.evidence ?? []),
        spec.risk,
        spec.reversible,
        requester.type,
        requester.type === "workload" ? requester.client.id : null,
        requester.type === "person" ? requester.user.id : null,
        spec.maxExecutionWindowSeconds,
        sqlTime(decisionDeadline),
        body.effectDuration ?? null,
        sqlJson(plan.diff),
        plan.hash,
        plan.revertState === null ? null : sqlJson(plan.revertState),
        openKey,
        sqlTime(now),
      ]);
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
          decisionDeadline: decisionDeadline.toISOString(),
          effectDurationSeconds: body.effectDuration ?? null,
          references: plan.references as unknown as Json,
        },
      });

      // The decision assertInScope made is the one stored: the request it evaluated is this one.
      // Every event of this proposal carries the same time, so the timeline keeps their chain order.
      const atNow = { ...context, clock: stoppedClock(now) };
      const stored = await recordDecision(tx, atNow, "propose", target, decision);
      const snapshot = { id: actionId, state: "proposed" as const, version: 0, incidentId: incident.id, domainName: domain.name };
      await transitionAction(tx, atNow, snapshot, "pending", {
        data: { requiredApprovals: stored.requiredApprovals, maxExecutionWindowSeconds: stored.maxExecutionWindowSeconds },
      });
      return stored;
    });
    return { action: await loadActionView(context.db, actionId), decision: recorded, replayed: false };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A concurrent request won the race on the idempotency key or on the target.
    if (idempotencyKey) {
      const replayId = await findReplay(sql, idempotencyScope, idempotencyKey, requestHash);
      if (replayId) return { action: await loadActionView(context.db, replayId), decision: null, replayed: true };
    }
    const [open] = await sql.query<{ id: string; state: string }>(`SELECT id, state::text AS state FROM actions WHERE "openKey" = $1::text`, [openKey]);
    if (open) {
      throw new OpenActionExists(`action ${open.id} of kind ${body.kind} on this target is already ${open.state}`, { actionId: open.id, state: open.state });
    }
    throw error;
  }
}
