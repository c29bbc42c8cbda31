import type { ServiceContext } from "@/lib/actions/context";
import type { ApplyResult, Connector, GrantForApply, VerifyResult } from "@/lib/connectors/types";
import type { Db } from "@/lib/db/client";
import { addSeconds } from "@/lib/time/clock";
import { callConnector } from "./call-connector";
import type { ExecutorDeps, JobRun } from "./context";
import { enqueueRevert } from "./enqueue";
import { recordApplied, recordFailure, recordVerified, startExecution, transitionFrom, type StartedExecution } from "./executions";
import { toConnectorAction, type ExecutableAction } from "./load-action";
import { stepFailure } from "./step-failure";

export type ApplyOutcome = "succeeded" | "failed";

/**
 * Applies an executing action through its connector and verifies the result, as a new
 * execution attempt. The action then becomes `succeeded`, with its revert queued when the
 * approvers set an effect duration, or `failed`. A transient failure throws so the job is
 * retried. The retry comes back here, and the connector's idempotent apply finds the change
 * in effect.
 */
export async function applyAndVerify(
  deps: ExecutorDeps,
  context: ServiceContext,
  action: ExecutableAction,
  connector: Connector,
  grant: GrantForApply,
  run: JobRun,
): Promise<ApplyOutcome> {
  const target = toConnectorAction(action);
  const execution = await startExecution(context, action, "apply", grant.id);

  let applied: ApplyResult;
  try {
    applied = await callConnector("apply", deps.callTimeoutMs, run.signal, (call) => connector.apply(target, grant, call), execution.idempotencyKey);
  } catch (error) {
    return failStep(context, action, execution, "apply", error, run);
  }
  const secretDelivered = await handOverSecret(deps, action, execution, applied);
  await recordApplied(context, action, execution, applied, secretDelivered);
  await deps.hooks?.afterApply?.(action.id);

  let verified: VerifyResult;
  try {
    verified = await callConnector("verify", deps.callTimeoutMs, run.signal, (call) => connector.verify(target, call));
  } catch (error) {
    return failStep(context, action, execution, "verify", error, run);
  }

  await recordVerified(context, action, execution, verified, async (tx) => {
    if (!verified.verified) {
      await transitionFrom(tx, context, action.id, "executing", "failed", { reason: `verification failed: ${verified.detail}` });
      return;
    }
    await succeed(tx, context, action);
  });
  context.logger.info({ executionId: execution.id, attempt: execution.attempt, outcome: applied.outcome, verified: verified.verified }, "execution finished");
  return verified.verified ? "succeeded" : "failed";
}

/** Moves the action to succeeded and, for a reversible action with an effect duration, queues its revert. */
async function succeed(tx: Db, context: ServiceContext, action: ExecutableAction): Promise<void> {
  const effectSeconds = action.reversible ? action.effectDurationSeconds : null;
  if (effectSeconds === null || effectSeconds <= 0) {
    await transitionFrom(tx, context, action.id, "executing", "succeeded");
    return;
  }
  const effectEndsAt = addSeconds(context.clock.now(), effectSeconds);
  await transitionFrom(tx, context, action.id, "executing", "succeeded", { data: { effectEndsAt }, payload: { effectEndsAt: effectEndsAt.toISOString() } });
  await enqueueRevert(tx, action.id, effectEndsAt);
}

/**
 * Hands a secret from apply (a rotated password) to the SecretDelivery callback. Its value
 * goes nowhere else: not into the executions row, the audit event or a log line.
 */
async function handOverSecret(deps: ExecutorDeps, action: ExecutableAction, execution: StartedExecution, applied: ApplyResult): Promise<boolean> {
  if (!applied.secret) return false;
  try {
    await deps.deliverSecret({ actionId: action.id, executionId: execution.id, secret: applied.secret });
    return true;
  } catch (error) {
    // The change is made, and failing the action now would hide that. The approver rotates again.
    deps.logger.error({ actionId: action.id, executionId: execution.id, errorName: error instanceof Error ? error.name : typeof error }, "delivering the secret produced by apply failed");
    return false;
  }
}

async function failStep(context: ServiceContext, action: ExecutableAction, execution: StartedExecution, stage: "apply" | "verify", error: unknown, run: JobRun): Promise<ApplyOutcome> {
  const failure = stepFailure(stage, error, run);
  const fields = { executionId: execution.id, attempt: execution.attempt, stage, transient: failure.transient, failure: failure.message };
  if (failure.unexpected) context.logger.error({ ...fields, err: error }, `${stage} failed unexpectedly`);

  if (failure.retry) {
    await recordFailure(context, action, execution, failure);
    context.logger.warn(fields, `${stage} failed; the job will be retried`);
    throw error;
  }
  await recordFailure(context, action, execution, failure, (tx) => transitionFrom(tx, context, action.id, "executing", "failed", { reason: failure.message }));
  context.logger.warn(fields, `${stage} failed; the action failed`);
  return "failed";
}
