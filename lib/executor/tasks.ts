import type { JobHelpers, TaskList } from "graphile-worker";
import { z } from "zod";
import type { ExecutorDeps, JobRun } from "./context";
import { EXECUTE_ACTION_TASK, REVERT_ACTION_TASK } from "./enqueue";
import { executeAction } from "./execute-action";
import { revertAction } from "./revert-action";

const ZActionJobPayload = z.object({ actionId: z.uuid() }).strict();

function jobRun(helpers: JobHelpers): JobRun {
  return {
    jobId: helpers.job.id,
    attempt: helpers.job.attempts,
    maxAttempts: helpers.job.max_attempts,
    ...(helpers.abortSignal ? { signal: helpers.abortSignal } : {}),
  };
}

/** Returns the action id of a job, or null for a payload that can never run: it is logged and dropped, because a retry would fail the same way. */
function parsePayload(deps: ExecutorDeps, payload: unknown, helpers: JobHelpers): string | null {
  const parsed = ZActionJobPayload.safeParse(payload);
  if (parsed.success) return parsed.data.actionId;
  deps.logger.error({ jobId: helpers.job.id, task: helpers.job.task_identifier }, "job payload is not { actionId: <uuid> }; the job is dropped");
  return null;
}

/** Builds the executor's graphile-worker task handlers. */
export function executorTasks(deps: ExecutorDeps): TaskList {
  return {
    [EXECUTE_ACTION_TASK]: async (payload, helpers) => {
      const actionId = parsePayload(deps, payload, helpers);
      if (actionId === null) return;
      const run = jobRun(helpers);
      const outcome = await executeAction(deps, actionId, run);
      deps.logger.info({ actionId, jobId: run.jobId, attempt: run.attempt, outcome }, "execute_action job finished");
    },
    [REVERT_ACTION_TASK]: async (payload, helpers) => {
      const actionId = parsePayload(deps, payload, helpers);
      if (actionId === null) return;
      const run = jobRun(helpers);
      const outcome = await revertAction(deps, actionId, run);
      deps.logger.info({ actionId, jobId: run.jobId, attempt: run.attempt, outcome }, "revert_action job finished");
    },
  };
}
