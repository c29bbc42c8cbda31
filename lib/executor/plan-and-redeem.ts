import type { ServiceContext } from "@/lib/actions/context";
import { lockAction } from "@/lib/actions/lock-action";
import { transitionAction } from "@/lib/actions/transition";
import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import { planHash } from "@/lib/connectors/plan-hash";
import type { Connector, GrantForApply, Plan } from "@/lib/connectors/types";
import { ActionStateConflict, GrantExpired, PolicyDenied } from "@/lib/errors";
import { redeemGrant } from "@/lib/grants/redeem-grant";
import type { Json } from "@/lib/util/canonical-json";
import { callConnector } from "./call-connector";
import type { ExecutorDeps, JobRun } from "./context";
import { auditInput, recordFailure } from "./executions";
import { toConnectorAction, type ExecutableAction } from "./load-action";
import { stepFailure } from "./step-failure";

/** Result of planning and redeeming: the redeemed grant, or the outcome that ended the run before apply. */
export type RedeemOutcome =
  | { grant: GrantForApply }
  | { outcome: "drifted" | "denied" | "expired" | "skipped" | "plan_failed" };

/**
 * Plans again, compares the fresh plan with the approved one and redeems the grant. A
 * different plan hash means the target changed since approval: the action returns to the
 * approvers with the fresh diff and its grant is never redeemed, because redeemGrant accepts
 * only the plan hash the grant was minted for.
 */
export async function planAndRedeem(deps: ExecutorDeps, context: ServiceContext, action: ExecutableAction, connector: Connector, run: JobRun): Promise<RedeemOutcome> {
  let plan: Plan;
  try {
    plan = await callConnector("plan", deps.callTimeoutMs, run.signal, (call) => connector.plan(toConnectorAction(action), call));
  } catch (error) {
    return { outcome: await recordPlanFailure(context, action, run, error) };
  }

  const freshHash = planHash(plan.diff);
  if (freshHash !== action.planHash) {
    const drifted = await returnToApprovers(context, action, plan, freshHash);
    return { outcome: drifted ? "drifted" : "skipped" };
  }

  try {
    const grant = await redeemGrant(context, action.id, freshHash, deps.workerId);
    return { grant: { id: grant.id, actionId: grant.actionId, planHash: grant.planHash, expiresAt: grant.expiresAt } };
  } catch (error) {
    // redeemGrant has already moved the action to denied, with its audit event.
    if (error instanceof PolicyDenied) return { outcome: "denied" };
    if (error instanceof GrantExpired) return { outcome: await expireAction(context, action, error.message) };
    // Another process changed the action first (a cancel, the expiry sweeper).
    if (error instanceof ActionStateConflict) return { outcome: "skipped" };
    throw error;
  }
}

/**
 * Without a plan there is nothing to compare, so nothing is redeemed: a transient failure is
 * retried, and a permanent one (the target vanished after approval) fails the action with the
 * domain's message, in the transaction that records `execution.failed`.
 */
async function recordPlanFailure(context: ServiceContext, action: ExecutableAction, run: JobRun, error: unknown): Promise<"plan_failed"> {
  const failure = stepFailure("plan", error, run);
  if (failure.unexpected) context.logger.error({ err: error }, "planning before execution failed unexpectedly");
  if (failure.retry) throw error;
  await recordFailure(context, action, null, failure, async (tx) => {
    const locked = await lockAction(tx, action.id);
    if (locked.state === "approved") await transitionAction(tx, context, locked, "failed", { reason: failure.message });
  });
  context.logger.error({ failure: failure.message }, "planning before execution failed permanently; the action failed");
  return "plan_failed";
}

/**
 * Stores the fresh plan on the action, records `action.drifted` with the fresh diff and
 * returns the action to pending. Approvals are counted per round (the number of
 * `action.drifted` events), so the approvers must approve the fresh plan. The decision
 * deadline restarts with the length it had at proposal, so the approvers have time to decide.
 */
async function returnToApprovers(context: ServiceContext, action: ExecutableAction, plan: Plan, freshHash: string): Promise<boolean> {
  return auditedTransaction(context.db, async (tx) => {
    const locked = await lockAction(tx, action.id);
    if (locked.state !== "approved" || locked.planHash !== action.planHash) return false;

    const now = context.clock.now();
    const deadlineLength = action.decisionDeadline.getTime() - action.createdAt.getTime();
    const decisionDeadline = new Date(Math.max(locked.decisionDeadline.getTime(), now.getTime() + deadlineLength));
    await recordAudit(
      tx,
      auditInput(context, action, "action.drifted", {
        approvedPlanHash: action.planHash,
        planHash: freshHash,
        diff: plan.diff as unknown as Json,
        references: plan.references as unknown as Json,
      }),
    );
    await transitionAction(tx, context, locked, "pending", {
      reason: "the target changed after approval; the fresh plan needs a new approval",
      data: {
        plan: plan.diff as unknown as Json,
        planHash: freshHash,
        planRevertState: plan.revertState,
        decisionDeadline,
      },
    });
    return true;
  });
}

async function expireAction(context: ServiceContext, action: ExecutableAction, reason: string): Promise<"expired" | "skipped"> {
  return auditedTransaction(context.db, async (tx) => {
    const locked = await lockAction(tx, action.id);
    if (locked.state !== "approved") return "skipped";
    await transitionAction(tx, context, locked, "expired", { reason });
    return "expired";
  });
}
