import type { ServiceContext } from "@/lib/actions/context";
import { ConnectorError, type Connector, type GrantForApply } from "@/lib/connectors/types";
import type { Db } from "@/lib/db/client";
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

    const context = await executorContext(deps, run, EXECUTE_ACTION_TASK, action);
    if (action.state === "executing") {
      const interrupted = await closeInterruptedExecutions(context, action, "apply");
      context.logger.info({ interrupted }, "resuming an action left executing by an earlier run");
    }
    const connector = await connectorOrFailure(deps, context, action, run);
    if (!connector) return action.state === "approved" ? "plan_failed" : "failed";

    if (action.state === "approved") {
      const redeemed = await planAndRedeem(deps, context, action, connector, run);
      if ("outcome" in redeemed) return redeemed.outcome;
      return await applyAndVerify(deps, context, { ...action, state: "executing" }, connector, redeemed.grant, run);
    }
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
 * unredeemed grant until the expiry sweeper closes it. An approved action on a domain that
 * an administrator disabled since is not started either. An executing one is finished,
 * because its grant was redeemed while the domain was enabled.
 */
async function connectorOrFailure(deps: ExecutorDeps, context: ServiceContext, action: ExecutableAction, run: JobRun): Promise<Connector | null> {
  try {
    if (action.state === "approved" && !action.domain.enabled) {
      throw new ConnectorError(`domain ${action.domain.name} is disabled, so approved actions on it are not executed`, false);
    }
    return await deps.connectorFor(action.domain);
  } catch (error) {
    const failure = stepFailure(action.state === "approved" ? "plan" : "apply", error, run);
    if (failure.unexpected) context.logger.error({ err: error }, "building the connector failed unexpectedly");
    if (failure.retry) throw error;

    const failAction = (tx: Db) => transitionFrom(tx, context, action.id, "executing", "failed", { reason: failure.message });
    await recordFailure(context, action, null, failure, action.state === "executing" ? failAction : undefined);
    context.logger.error({ domain: action.domain.name, failure: failure.message }, "the domain's connector cannot be built");
    return null;
  }
}
