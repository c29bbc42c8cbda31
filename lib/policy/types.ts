import { z } from "zod";

import { RISK_LEVELS } from "@/lib/actions/catalogue";

/** Roles that the default policies read. */
export const PERSON_ROLES = ["approver", "analyst", "admin"] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export const POLICY_OPERATIONS = ["propose", "approve", "reject", "execute", "break_glass"] as const;
export type PolicyOperation = (typeof POLICY_OPERATIONS)[number];

// Caps keep a single evaluation cheap; real ids, kinds and domains are far shorter.
const MAX_ID_LENGTH = 1024;
const MAX_SET_SIZE = 1000;
const MAX_WINDOW_SECONDS = 2 ** 31 - 1;

const ZEntityId = z.string().min(1).max(MAX_ID_LENGTH);
const ZAttributeString = z.string().max(MAX_ID_LENGTH);

export const ZPolicyPrincipal = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("workload"),
      id: ZEntityId,
      /** Email of the person responsible for the workload. */
      owner: ZAttributeString,
      allowedKinds: z.array(ZAttributeString).max(MAX_SET_SIZE),
      allowedDomains: z.array(ZAttributeString).max(MAX_SET_SIZE),
    })
    .strict(),
  z
    .object({
      type: z.literal("person"),
      id: ZEntityId,
      email: ZAttributeString,
      /**
       * Role names; the default policies read those in PERSON_ROLES. Other names pass
       * through and grant nothing unless a policy names them.
       */
      roles: z.array(ZAttributeString).max(MAX_SET_SIZE),
    })
    .strict(),
  z.object({ type: z.literal("system") }).strict(),
]);
export type PolicyPrincipal = z.infer<typeof ZPolicyPrincipal>;

export const ZPolicyResource = z
  .object({
    actionId: ZEntityId,
    /** Catalogue kind. A kind outside the catalogue is denied before Cedar runs. */
    kind: ZAttributeString,
    risk: z.enum(RISK_LEVELS),
    /** Id of the identity domain the action changes. */
    domain: ZAttributeString,
    incidentSeverity: ZAttributeString,
    reversible: z.boolean(),
  })
  .strict();
export type PolicyResource = z.infer<typeof ZPolicyResource>;

/**
 * Request context. Every member is required, because a missing `isProposer` that
 * defaulted to false would let a proposer approve their own action.
 */
export const ZPolicyContext = z
  .object({
    isProposer: z.boolean(),
    ownsProposingWorkload: z.boolean(),
    /** Execution window the approver requests, in seconds, or 0 for other operations. */
    requestedExecutionWindowSeconds: z.number().int().min(0).max(MAX_WINDOW_SECONDS),
  })
  .strict();
export type PolicyContext = z.infer<typeof ZPolicyContext>;

export const ZPolicyRequest = z
  .object({
    principal: ZPolicyPrincipal,
    operation: z.enum(POLICY_OPERATIONS),
    resource: ZPolicyResource,
    context: ZPolicyContext,
  })
  .strict();
export type PolicyRequest = z.infer<typeof ZPolicyRequest>;

/** The verdict of the policies for one request at the moment it is made. */
export interface PolicyDecision {
  effect: "allow" | "deny";
  /**
   * `@id` values of the permits that allowed, or of the forbids that denied. A deny for an
   * execution window above the maximum lists the permits that set that maximum.
   */
  determiningPolicies: string[];
  /** Distinct approvers needed: the maximum of `@required_approvals` over the determining permits, or 1 when none sets it. */
  requiredApprovals: number;
  /**
   * Maximum execution window in seconds, the minimum of `@max_execution_window_seconds` over
   * the determining permits and the catalogue's maximum for the kind. 0 on deny.
   */
  maxExecutionWindowSeconds: number;
  /** Values of `@flag` on the determining permits, plus `break_glass` for every allowed break-glass. */
  flags: string[];
  /** Human-readable explanation of the decision, one sentence each. */
  reasons: string[];
  /** Request validation or Cedar evaluation errors. Any error makes the decision deny. */
  errors: string[];
}

/** One policy as it was loaded, for evaluation and for the settings page. */
export interface LoadedPolicy {
  /** Value of the policy's `@id` annotation, unique across the folder. */
  id: string;
  /** File name inside the policy folder. */
  file: string;
  /** 1-based line and column where the policy starts in its file. */
  line: number;
  column: number;
  effect: "permit" | "forbid";
  /** The policy's text exactly as written in the file, annotations included. */
  source: string;
  description: string | undefined;
  requiredApprovals: number | undefined;
  maxExecutionWindowSeconds: number | undefined;
  flags: string[];
}

/**
 * A validated, ready-to-evaluate folder of Cedar policies. Build it with `loadPolicySet`.
 * It is immutable, so a reload builds a new one and callers swap the reference.
 */
export interface PolicySet {
  readonly dir: string;
  readonly schemaFile: string;
  readonly policies: readonly LoadedPolicy[];
  readonly policiesById: ReadonlyMap<string, LoadedPolicy>;
  /** Cedar validator warnings (for example a policy that can never match), one line each. */
  readonly warnings: readonly string[];
  /** Keys of the policy set and schema that cedar-wasm keeps parsed in its cache. */
  readonly cedarPolicySetId: string;
  readonly cedarSchemaName: string;
}

/** One problem found while loading a policy folder. */
export interface PolicyLoadProblem {
  file: string;
  /** 1-based; undefined when Cedar reports no source location. */
  line: number | undefined;
  column: number | undefined;
  message: string;
}

/**
 * A policy folder that cannot be loaded. The message is one line naming the file, the line
 * and column and Cedar's message for the first problem. `problems` lists all of them.
 */
export class PolicyLoadError extends Error {
  override readonly name = "PolicyLoadError";
  constructor(readonly problems: PolicyLoadProblem[]) {
    super(formatLoadErrorMessage(problems));
  }
}

export function formatLoadProblem(problem: PolicyLoadProblem): string {
  let location = problem.file;
  if (problem.line !== undefined) location += `:${problem.line}`;
  if (problem.line !== undefined && problem.column !== undefined) location += `:${problem.column}`;
  return `${location}: ${problem.message}`;
}

function formatLoadErrorMessage(problems: PolicyLoadProblem[]): string {
  const first = problems[0];
  if (first === undefined) return "policy folder could not be loaded";
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : "";
  return `${formatLoadProblem(first)}${more}`;
}
