/**
 * Cordon's domain errors. Each carries a stable `code`; lib/http/problem.ts maps codes to
 * HTTP statuses in one table. Messages are safe to show: they never contain a secret.
 */
const BRAND = Symbol.for("cordon.error");

export abstract class CordonError extends Error {
  abstract readonly code: string;
  /** Extra members for the problem+json body (ids, limits); never secrets. */
  readonly details: Record<string, unknown>;
  readonly [BRAND] = true;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }

  /**
   * Recognises a Cordon error from any copy of this module. Next.js bundles instrumentation
   * and each route separately, so `instanceof` fails for an error thrown by code that
   * instrumentation installed (the connector planner).
   */
  static is(value: unknown): value is CordonError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** The request is well-formed JSON but a value is not acceptable (422). */
export class ValidationFailed extends CordonError {
  readonly code = "validation_failed";
  constructor(
    message: string,
    readonly errors: { pointer: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export class NotFound extends CordonError {
  readonly code = "not_found";
}

export class Unauthenticated extends CordonError {
  readonly code = "unauthenticated";
}

export class Forbidden extends CordonError {
  readonly code = "forbidden";
}

/** Policy-as-code denied the request; `details.policies` names the policies that decided. */
export class PolicyDenied extends CordonError {
  readonly code = "policy_denied";
}

/** The person proposed the action, or owns the workload that proposed it. */
export class SeparationOfDutiesViolation extends CordonError {
  readonly code = "separation_of_duties";
}

/** The action is not in the state the request expects, or another request changed it first. */
export class ActionStateConflict extends CordonError {
  readonly code = "action_state_conflict";
}

/**
 * The target already is in the state the proposed action requests, as its connector read it,
 * so the action would change nothing and there is nothing for a person to approve.
 */
export class ActionAlreadyInEffect extends CordonError {
  readonly code = "already_in_effect";
}

/** An open action of the same kind on the same target already exists. */
export class OpenActionExists extends CordonError {
  readonly code = "open_action_exists";
}

/** The same Idempotency-Key was used with a different request body. */
export class IdempotencyKeyReused extends CordonError {
  readonly code = "idempotency_key_reused";
}

/** The decision deadline passed before this decision arrived. */
export class ApprovalExpired extends CordonError {
  readonly code = "approval_expired";
}

/** The execution window closed before the grant was redeemed. */
export class GrantExpired extends CordonError {
  readonly code = "grant_expired";
}

export class GrantAlreadyRedeemed extends CordonError {
  readonly code = "grant_already_redeemed";
}

export class GrantNotFound extends CordonError {
  readonly code = "grant_not_found";
}

/** The plan the executor computed is not the plan the approvers approved. */
export class PlanHashMismatch extends CordonError {
  readonly code = "plan_hash_mismatch";
}

export class RateLimited extends CordonError {
  readonly code = "rate_limited";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { retryAfterSeconds });
  }
}

/** An identity domain could not be reached or timed out; the caller may retry later (503). */
export class DomainUnavailable extends CordonError {
  readonly code = "domain_unavailable";
  constructor(
    message: string,
    readonly retryAfterSeconds = 30,
  ) {
    super(message, { retryAfterSeconds });
  }
}
