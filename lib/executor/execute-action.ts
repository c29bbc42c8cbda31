import type { ServiceContext } from "@/lib/actions/context";
import type { Connector, GrantForApply } from "@/lib/connectors/types";
import { applyAndVerify } from "./apply-and-verify";
import { executorContext, type ExecutorDeps, type JobRun } from "./context";
import { EXECUTE_ACTION_TASK } from "./enqueue";
import { closeInterruptedExecutions, recordFailure, transitionFrom } from "./executions";
import { acquireActionLease } from "./lease";
import { loadExecutableAction, type ExecutableAction } from "./load-action";
import { planAndRedeem } from "./plan-and-redeem";
import { stepFailure } from "./step-failure";

export type ExecuteOutcome = "succeeded" | "failed" | "drifted" | "denied" | "expired" | "plan_failed" | "skipped";

/**
 * Runs the `execute_action` job for one action under its lease. An approved action is
 * planned again, checked for drift, its grant redeemed, then applied and verified. An action
 * found `executing` was left by a run that stopped after redeeming: its grant is spent, so
 * the run applies again (connectors apply idempotently) and verifies. Any other state means
 * the work is done or no longer wanted, and the job ends without touching the action.
 */
export async function executeAction(deps: ExecutorDeps, actionId: string, run: JobRun): Promise<ExecuteOutcome> {
  const lease = await acquireActionLease(deps.leasePool, actionId);
  try {
    const action = await loadExecutableAction(deps.db, actionId);
    if (!action) {
      deps.logger.warn({ actionId, jobId: run.jobId }, "execute_action job names an action that does not exist");
      return "skipped";
    }
    if (action.state !== "approved" && action.state !== "executing") {
      deps.logger.info({ actionId, state: action.state, jobId: run.jobId }, "action is not awaiting execution; nothing to do");
      return "skipped";
    }

    const context = await executorContext(deps, run, EXECUTE_ACTION_TASK);
    const connector = await connectorOrFailure(deps, context, action, run);
    if (!connector) return action.state === "approved" ? "plan_failed" : "failed";

    if (action.state === "approved") {
      const redeemed = await planAndRedeem(deps, context, action, connector, run);
      if ("outcome" in redeemed) return redeemed.outcome;
      return await applyAndVerify(deps, context, { ...action, state: "executing" }, connector, redeemed.grant, run);
    }

    const interrupted = await closeInterruptedExecutions(context, action, "apply");
    deps.logger.info({ actionId, jobId: run.jobId, attempt: run.attempt, interrupted }, "resuming an action left executing by an earlier run");
    return await applyAndVerify(deps, context, action, connector, await redeemedGrant(deps, action), run);
  } finally {
    await lease.release();
  }
}

/** Loads the grant an earlier run redeemed, which is what moved the action to executing. */
async function redeemedGrant(deps: ExecutorDeps, action: ExecutableAction): Promise<GrantForApply> {
  const grant = await deps.db.grant.findFirst({ where: { actionId: action.id, redeemedAt: { not: null } }, orderBy: { createdAt: "desc" } });
  if (!grant) throw new Error(`action ${action.id} is executing but has no redeemed grant`);
  return { id: grant.id, actionId: grant.actionId, planHash: grant.planHash, expiresAt: grant.expiresAt };
}

/**
 * Builds the action's connector. Invalid domain settings or a missing credential are
 * permanent: an executing action fails with the message, and an approved one keeps its
 * unredeemed grant until the expiry sweeper closes it.
 */
async function connectorOrFailure(deps: ExecutorDeps, context: ServiceContext, action: ExecutableAction, run: JobRun): Promise<Connector | null> {
  try {
    return await deps.connectorFor(action.domain);
  } catch (error) {
    const failure = stepFailure(action.state === "approved" ? "plan" : "apply", error, run);
    if (failure.unexpected) deps.logger.error({ actionId: action.id, err: error }, "building the connector failed unexpectedly");
    if (failure.retry) throw error;
    const fail = action.state === "executing" ? (tx: Parameters<typeof transitionFrom>[0]) => transitionFrom(tx, context, action.id, "executing", "failed", { reason: failure.message }) : undefined;
    await recordFailure(context, action, null, failure, fail);
    deps.logger.error({ actionId: action.id, domain: action.domain.name, failure: failure.message }, "the domain's connector cannot be built");
    return null;
  }
}
