import { actorRef, type ServiceContext } from "@/lib/actions/context";
import { findSupersedingAction } from "@/lib/actions/timed-containment";
import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import { sqlOf, sqlTime } from "@/lib/db/sql";
import type { ApplyResult, Connector, Plan, ScopeDiff, VerifyResult } from "@/lib/connectors/types";
import { canonicalJson } from "@/lib/util/canonical-json";
import { callConnector } from "./call-connector";
import { executorContext, type ExecutorDeps, type JobRun } from "./context";
import { enqueueRevert, REVERT_ACTION_TASK } from "./enqueue";
import { closeInterruptedExecutions, recordApplied, recordFailure, recordVerified, startExecution, transitionFrom, type StartedExecution } from "./executions";
import { acquireActionLease } from "./lease";
import { approvedPlan, loadExecutableAction, toConnectorAction, type ExecutableAction } from "./load-action";
import { stepFailure } from "./step-failure";

export type RevertOutcome = "reverted" | "not_restored" | "failed" | "rescheduled" | "skipped";

/**
 * Runs the `revert_action` job. Once the effect duration of a succeeded, reversible action
 * has passed, the connector restores the state recorded in the approved plan. A fresh plan
 * then confirms that the objects are back in their approved `before` state, and the action
 * becomes `reverted`. An effect that was extended (effectEndsAt now later) is queued again
 * for its new end instead.
 */
export async function revertAction(deps: ExecutorDeps, actionId: string, run: JobRun): Promise<RevertOutcome> {
  const lease = await acquireActionLease(deps.leasePool, actionId);
  try {
    const action = await loadExecutableAction(deps.db, actionId);
    if (!action || action.state !== "succeeded" || !action.reversible || action.effectEndsAt === null) {
      deps.logger.info({ actionId, state: action?.state ?? null, jobId: run.jobId }, "action has no effect to revert; nothing to do");
      return "skipped";
    }

    const context = await executorContext(deps, run, REVERT_ACTION_TASK, action);
    const endsAt = action.effectEndsAt;
    if (endsAt.getTime() > context.clock.now().getTime()) {
      await deps.db.$transaction((tx) => enqueueRevert(tx, actionId, endsAt));
      context.logger.info({ effectEndsAt: endsAt.toISOString() }, "effect was extended; revert queued for its new end");
      return "rescheduled";
    }

    if (await skipSupersededRevert(context, action)) return "skipped";

    let connector: Connector;
    try {
      connector = await deps.connectorFor(action.domain);
    } catch (error) {
      return await failRevert(context, action, null, "revert", error, run);
    }
    await closeInterruptedExecutions(context, action, "revert");
    const grant = await deps.db.grant.findFirst({ where: { actionId, redeemedAt: { not: null } }, orderBy: { createdAt: "desc" }, select: { id: true } });
    const execution = await startExecution(context, action, "revert", grant?.id ?? null);
    return await revertAndConfirm(deps, context, action, connector, execution, run);
  } finally {
    await lease.release();
  }
}

/**
 * Skips the revert when a later action of the same kind on the same target succeeded and is
 * still in effect: that action was approved to keep the containment, so reverting now would
 * undo it. The effect no longer ends, and `action.revert_skipped` names the later action, in
 * one transaction. Returns whether the revert was skipped.
 */
async function skipSupersededRevert(context: ServiceContext, action: ExecutableAction): Promise<boolean> {
  const target = { kind: action.kind, domainId: action.domainId, identity: action.targetIdentity, resource: action.targetResource };
  return auditedTransaction(context.db, async (tx) => {
    const supersededBy = await findSupersedingAction(tx, target, { actionId: action.id, createdAt: action.createdAt }, context.clock.now());
    if (!supersededBy) return false;

    const cleared = await sqlOf(tx).query(
      `UPDATE actions SET "effectEndsAt" = NULL, version = version + 1, "updatedAt" = $2::timestamp(3) WHERE id = $1::uuid AND state = 'succeeded' RETURNING id`,
      [action.id, sqlTime(context.clock.now())],
    );
    if (cleared.length === 0) return false;
    await recordAudit(tx, {
      occurredAt: context.clock.now(),
      actor: actorRef(context.actor),
      eventType: "action.revert_skipped",
      actionId: action.id,
      incidentId: action.incidentId,
      domain: action.domain.name,
      correlationId: context.correlationId ?? context.requestId,
      payload: { supersededBy, reason: `action ${supersededBy} keeps this containment in effect` },
    });
    context.logger.info({ supersededBy }, "revert skipped: a later action keeps the containment in effect");
    return true;
  });
}

async function revertAndConfirm(
  deps: ExecutorDeps,
  context: ServiceContext,
  action: ExecutableAction,
  connector: Connector,
  execution: StartedExecution,
  run: JobRun,
): Promise<RevertOutcome> {
  const target = toConnectorAction(action);
  const approved = approvedPlan(action);

  let result: ApplyResult;
  try {
    result = await callConnector("revert", deps.callTimeoutMs, run.signal, (call) => connector.revert(target, approved, call), execution.idempotencyKey);
  } catch (error) {
    return failRevert(context, action, execution, "revert", error, run);
  }
  await recordApplied(context, action, execution, result, false);

  let fresh: Plan;
  try {
    fresh = await callConnector("plan", deps.callTimeoutMs, run.signal, (call) => connector.plan(target, call));
  } catch (error) {
    return failRevert(context, action, execution, "verify", error, run);
  }

  const confirmation = compareWithApproved(approved.diff, fresh);
  await recordVerified(context, action, execution, confirmation, async (tx) => {
    if (confirmation.verified) await transitionFrom(tx, context, action.id, "succeeded", "reverted", { reason: "the effect duration ended" });
  });
  if (!confirmation.verified) {
    context.logger.error({ executionId: execution.id, detail: confirmation.detail }, "revert did not restore the approved state; the action stays succeeded");
    return "not_restored";
  }
  context.logger.info({ executionId: execution.id, outcome: result.outcome }, "action reverted");
  return "reverted";
}

/** Checks that every object of the approved diff is back in its `before` state. */
function compareWithApproved(approved: ScopeDiff, fresh: Plan): VerifyResult {
  const freshBefore = new Map(fresh.diff.objects.map((object) => [`${object.type}/${object.id}`, canonicalJson(object.before)]));
  const differing = approved.objects
    .filter((object) => freshBefore.get(`${object.type}/${object.id}`) !== canonicalJson(object.before))
    .map((object) => `${object.type} ${object.displayName ?? object.id}`);
  if (differing.length > 0) {
    return { verified: false, detail: `not in the approved before state: ${differing.join(", ")}`, references: fresh.references };
  }
  return { verified: true, detail: `restored the approved before state of ${approved.objects.length} object(s)`, references: fresh.references };
}

/**
 * Records a failed revert and leaves the action succeeded, so the containment stays in place.
 * Transient failures are retried. The final failure is logged as an error, because someone
 * has to restore the access by hand.
 */
async function failRevert(context: ServiceContext, action: ExecutableAction, execution: StartedExecution | null, stage: "revert" | "verify", error: unknown, run: JobRun): Promise<RevertOutcome> {
  const failure = stepFailure(stage, error, run);
  const fields = { executionId: execution?.id ?? null, attempt: execution?.attempt ?? null, stage, transient: failure.transient, failure: failure.message };
  if (failure.unexpected) context.logger.error({ ...fields, err: error }, `${stage} of the revert failed unexpectedly`);
  await recordFailure(context, action, execution, failure);
  if (failure.retry) {
    context.logger.warn(fields, "revert failed; the job will be retried");
    throw error;
  }
  context.logger.error(fields, "revert failed; the action stays succeeded and its effect stays in place");
  return "failed";
}
