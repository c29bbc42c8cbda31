import { ConnectorError } from "@/lib/connectors/types";
import { isLastAttempt, type JobRun } from "./context";
import type { StepFailure } from "./executions";

export interface ClassifiedFailure extends StepFailure {
  /** True when the job should throw so graphile-worker retries it with backoff. */
  retry: boolean;
  /** True for errors that are not ConnectorErrors: bugs, database failures. */
  unexpected: boolean;
}

/**
 * Classifies an error of one connector step. Transient domain errors are retried until the
 * job's last attempt. Permanent ones are final at once, and their message (the domain's
 * words, which connectors keep free of credentials) is what the action records. Any other
 * error is retried like a transient one, but only a generic message is stored, because its
 * text was not written to be shown.
 */
export function stepFailure(stage: StepFailure["stage"], error: unknown, run: JobRun): ClassifiedFailure {
  const last = isLastAttempt(run);
  if (error instanceof ConnectorError) {
    const retry = error.transient && !last;
    const message = error.transient && last ? `${error.message} (gave up after ${run.attempt} attempts)` : error.message;
    return { stage, message, transient: error.transient, references: error.references, retry, unexpected: false };
  }
  return {
    stage,
    message: `${stage} failed with an unexpected error in job ${run.jobId}, attempt ${run.attempt}; the worker log has the details`,
    transient: true,
    references: [],
    retry: !last,
    unexpected: true,
  };
}
