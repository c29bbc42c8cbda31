import type { ActionKind } from "@/lib/actions/catalogue";
import type { Json } from "@/lib/util/canonical-json";

export const DOMAIN_KINDS = ["postgresql", "oauth2", "scim"] as const;
export type DomainKind = (typeof DOMAIN_KINDS)[number];

/** The fields of an action that a connector reads to plan or apply it. */
export interface ConnectorAction {
  id: string;
  kind: ActionKind;
  target: { domain: string; identity: string; resource?: string | null };
  parameters: Record<string, Json>;
}

/** One affected object: every attribute that changes, before and after. */
export interface ScopeDiffObject {
  type: string;
  id: string;
  displayName?: string;
  before: Record<string, Json>;
  after: Record<string, Json>;
}

/** Something that depends on the target and is affected by the change. */
export interface BlastRadiusEntry {
  type: string;
  id: string;
  description: string;
  /**
   * Shown to approvers but left out of the plan hash, because it changes on its own
   * (open sessions come and go) and would otherwise make every plan look drifted.
   */
  volatile?: boolean;
}

export interface ScopeDiff {
  objects: ScopeDiffObject[];
  blastRadius: BlastRadiusEntry[];
}

/** An id the domain itself assigned (request id, event id, token jti), for correlation. */
export interface DomainReference {
  type: string;
  value: string;
}

export interface Plan {
  diff: ScopeDiff;
  /** SHA-256 over the canonical JSON of `diff`; see `planHash`. */
  hash: string;
  /** Domain state a revert restores; part of the diff's `before`, kept separately for clarity. */
  revertState: Record<string, Json> | null;
  references: DomainReference[];
  /**
   * False when the target already is in the state the action requests, so applying the plan
   * would change nothing. Absent on a plan rebuilt from storage or built without a connector,
   * and absent counts as a change.
   */
  changes?: boolean;
  /** The target's current state in words, set when `changes` is false. */
  currentState?: string;
}

/**
 * Whether applying a plan changes the target, as the connector read it from the domain. A plan
 * that changes nothing carries the target's current state, for the message that rejects it.
 */
export type PlanEffect = { changes: true } | { changes: false; currentState: string };

/** A plan as a connector returns it, read from the domain, so it always states its effect. */
export type ConnectorPlan = Plan & PlanEffect;

/** A one-time secret produced by apply (a rotated password); never stored or logged by Cordon. */
export interface DeliveredSecret {
  label: string;
  value: string;
}

export interface ApplyResult {
  outcome: "applied" | "already_in_effect";
  detail: string;
  references: DomainReference[];
  secret?: DeliveredSecret;
}

export interface VerifyResult {
  verified: boolean;
  detail: string;
  references: DomainReference[];
}

/** The grant the executor redeemed; connectors receive it to bind the call to one plan. */
export interface GrantForApply {
  id: string;
  actionId: string;
  planHash: string;
  expiresAt: Date;
}

export interface CredentialRequirement {
  privilege: string;
  reason: string;
}

export interface ConnectorCallContext {
  /** Aborts the domain call when the executor's per-call timeout passes. */
  signal: AbortSignal;
  /** Idempotency key of this execution attempt, passed to domains that accept one. */
  idempotencyKey?: string;
}

export interface Connector {
  readonly kind: DomainKind;
  readonly supportedKinds: readonly ActionKind[];
  plan(action: ConnectorAction, context: ConnectorCallContext): Promise<ConnectorPlan>;
  apply(action: ConnectorAction, grant: GrantForApply, context: ConnectorCallContext): Promise<ApplyResult>;
  verify(action: ConnectorAction, context: ConnectorCallContext): Promise<VerifyResult>;
  /** Restores the state recorded in the plan; only for reversible kinds. */
  revert(action: ConnectorAction, plan: Plan, context: ConnectorCallContext): Promise<ApplyResult>;
  describeCredentials(): CredentialRequirement[];
  close?(): Promise<void>;
}

/**
 * A failure reported by a domain. `transient` errors (timeouts, 5xx, connection resets) are
 * retried with backoff; permanent ones fail the action with `message`, which must never
 * contain a credential.
 */
export class ConnectorError extends Error {
  override readonly name = "ConnectorError";
  constructor(
    message: string,
    readonly transient: boolean,
    readonly references: DomainReference[] = [],
  ) {
    super(message);
  }
}
