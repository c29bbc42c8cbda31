import { actorRef, type ServiceContext } from "@/lib/actions/context";
import { lockAction } from "@/lib/actions/lock-action";
import { transitionAction } from "@/lib/actions/transition";
import type { AuditEventInput } from "@/lib/audit/append";
import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { ApplyResult, DomainReference, VerifyResult } from "@/lib/connectors/types";
import type { Db, Prisma } from "@/lib/db/client";
import type { ActionState } from "@/lib/db/generated/enums";
import { ActionStateConflict } from "@/lib/errors";
import type { Json } from "@/lib/util/canonical-json";
import type { ExecutableAction } from "./load-action";

export type ExecutionOperation = "apply" | "revert";

export interface StartedExecution {
  id: string;
  operation: ExecutionOperation;
  attempt: number;
  idempotencyKey: string;
}

/** Description of a failed step, safe to store: the domain's message, which never contains a credential. */
export interface StepFailure {
  stage: "plan" | "apply" | "verify" | "revert";
  message: string;
  transient: boolean;
  references: DomainReference[];
}

export function auditInput(context: ServiceContext, action: ExecutableAction, eventType: string, payload: Record<string, Json>): AuditEventInput {
  return {
    occurredAt: context.clock.now(),
    actor: actorRef(context.actor),
    eventType,
    actionId: action.id,
    incidentId: action.incidentId,
    domain: action.domain.name,
    correlationId: context.correlationId ?? context.requestId,
    payload,
  };
}

function referencesJson(references: readonly DomainReference[]): Json {
  return references.map((reference) => ({ type: reference.type, value: reference.value }));
}

/** Moves the action from `expected` to `to` under its row lock, in the caller's transaction. */
export async function transitionFrom(
  tx: Db,
  context: ServiceContext,
  actionId: string,
  expected: ActionState,
  to: ActionState,
  options: Parameters<typeof transitionAction>[4] = {},
): Promise<void> {
  const locked = await lockAction(tx, actionId);
  if (locked.state !== expected) {
    throw new ActionStateConflict(`action ${actionId} is ${locked.state}, not ${expected}, so it cannot become ${to}`, { actionId, state: locked.state });
  }
  await transitionAction(tx, context, locked, to, options);
}

/** Creates the next attempt's executions row (status running) and its `execution.started` event. */
export async function startExecution(context: ServiceContext, action: ExecutableAction, operation: ExecutionOperation, grantId: string | null): Promise<StartedExecution> {
  return auditedTransaction(context.db, async (tx) => {
    const attempt = (await tx.execution.count({ where: { actionId: action.id, operation } })) + 1;
    const idempotencyKey = `${action.id}:${operation}:${attempt}`;
    const now = context.clock.now();
    // The unique idempotency key makes two workers that start the same attempt collide here.
    const row = await tx.execution.create({
      data: { actionId: action.id, grantId, operation, attempt, idempotencyKey, status: "running", startedAt: now, createdAt: now },
    });
    await recordAudit(tx, auditInput(context, action, "execution.started", { executionId: row.id, operation, attempt, idempotencyKey }));
    return { id: row.id, operation, attempt, idempotencyKey };
  });
}

/** Stores what apply or revert reported, with the domain's reference ids. The secret is not part of it. */
export async function recordApplied(context: ServiceContext, action: ExecutableAction, execution: StartedExecution, result: ApplyResult, secretDelivered: boolean): Promise<void> {
  await auditedTransaction(context.db, async (tx) => {
    await tx.execution.update({
      where: { id: execution.id },
      data: { outcome: result.outcome, detail: result.detail, references: referencesJson(result.references) as Prisma.InputJsonValue },
    });
    await recordAudit(
      tx,
      auditInput(context, action, "execution.applied", {
        executionId: execution.id,
        operation: execution.operation,
        attempt: execution.attempt,
        outcome: result.outcome,
        detail: result.detail,
        references: referencesJson(result.references),
        secretDelivered,
      }),
    );
  });
}

/**
 * Stores the verification outcome and closes the execution, then runs `then` in the same
 * transaction, so the action's final transition commits together with the result it rests on.
 */
export async function recordVerified(
  context: ServiceContext,
  action: ExecutableAction,
  execution: StartedExecution,
  verify: VerifyResult,
  then: (tx: Db) => Promise<void>,
): Promise<void> {
  await auditedTransaction(context.db, async (tx) => {
    await tx.execution.update({
      where: { id: execution.id },
      data: { verified: verify.verified, verificationDetail: verify.detail, status: verify.verified ? "succeeded" : "failed", finishedAt: context.clock.now() },
    });
    await recordAudit(
      tx,
      auditInput(context, action, "execution.verified", {
        executionId: execution.id,
        operation: execution.operation,
        attempt: execution.attempt,
        verified: verify.verified,
        detail: verify.detail,
        references: referencesJson(verify.references),
      }),
    );
    await then(tx);
  });
}

/** Records a failed step (closing its execution, when there is one), then runs `then` in the same transaction. */
export async function recordFailure(
  context: ServiceContext,
  action: ExecutableAction,
  execution: StartedExecution | null,
  failure: StepFailure,
  then: (tx: Db) => Promise<void> = async () => undefined,
): Promise<void> {
  await auditedTransaction(context.db, async (tx) => {
    if (execution) {
      await tx.execution.update({ where: { id: execution.id }, data: { status: "failed", error: failure.message, finishedAt: context.clock.now() } });
    }
    await recordAudit(
      tx,
      auditInput(context, action, "execution.failed", {
        executionId: execution?.id ?? null,
        operation: execution?.operation ?? null,
        attempt: execution?.attempt ?? null,
        stage: failure.stage,
        transient: failure.transient,
        error: failure.message,
        references: referencesJson(failure.references),
      }),
    );
    await then(tx);
  });
}

/**
 * Closes the attempts that a worker left `running` when it stopped (crash, kill, lost lease).
 * Whether their change reached the domain is unknown, which is why the caller applies again.
 */
export async function closeInterruptedExecutions(context: ServiceContext, action: ExecutableAction, operation: ExecutionOperation): Promise<number> {
  const running = await context.db.execution.findMany({ where: { actionId: action.id, operation, status: "running" }, orderBy: { attempt: "asc" } });
  for (const execution of running) {
    const message = `attempt ${execution.attempt} was interrupted before it was verified; the next attempt applies again`;
    await recordFailure(context, action, { id: execution.id, operation, attempt: execution.attempt, idempotencyKey: execution.idempotencyKey }, {
      stage: execution.outcome === null ? "apply" : "verify",
      message,
      transient: true,
      references: [],
    });
  }
  return running.length;
}
