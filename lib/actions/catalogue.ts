import { z } from "zod";

export const RISK_LEVELS = ["low", "medium", "high", "critical"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const ACTION_KINDS = [
  "revoke_token",
  "disable_account",
  "rotate_credential",
  "remove_entitlement",
  "quarantine_workload",
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export const ZActionKind = z.enum(ACTION_KINDS);

/** One entry of the action catalogue. Windows are in seconds. */
export interface ActionKindSpec<P extends z.ZodType = z.ZodType> {
  kind: ActionKind;
  title: string;
  parameters: P;
  risk: RiskLevel;
  /** Whether a connector can restore the state recorded in the plan. */
  reversible: boolean;
  /** Execution window used when the approver picks none. */
  defaultExecutionWindowSeconds: number;
  /** Upper bound for the execution window; policy may lower it further. */
  maxExecutionWindowSeconds: number;
  /** Longest effect duration a proposal may ask for; 0 for kinds that cannot revert. */
  maxEffectDurationSeconds: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

export const ZRevokeTokenParameters = z
  .object({
    /** Which tokens to revoke; `all` revokes every active token of the identity. */
    tokenHint: z.enum(["access_token", "refresh_token", "all"]).default("all"),
    tokenIds: z.array(z.string().min(1).max(512)).max(100).optional(),
  })
  .strict();

export const ZDisableAccountParameters = z
  .object({
    terminateSessions: z.boolean().default(true),
  })
  .strict();

export const ZRotateCredentialParameters = z
  .object({
    /**
     * Destination of the new secret. `approver` shows it once, in the console, to a person who
     * approved the action. Cordon has no other destination (a vault, a CI secret store) yet, so
     * no other value is accepted.
     */
    delivery: z.enum(["approver"]).default("approver"),
  })
  .strict();

export const ZRemoveEntitlementParameters = z
  .object({
    /** The role, group or grant to remove, as the domain names it. */
    entitlement: z.string().min(1).max(256),
  })
  .strict();

export const ZQuarantineWorkloadParameters = z
  .object({
    reason: z.string().max(1000).optional(),
  })
  .strict();

export const ACTION_CATALOGUE = {
  revoke_token: {
    kind: "revoke_token",
    title: "Revoke token",
    parameters: ZRevokeTokenParameters,
    risk: "medium",
    reversible: false,
    defaultExecutionWindowSeconds: 15 * MINUTE,
    maxExecutionWindowSeconds: 1 * HOUR,
    maxEffectDurationSeconds: 0,
  },
  disable_account: {
    kind: "disable_account",
    title: "Disable account",
    parameters: ZDisableAccountParameters,
    risk: "high",
    reversible: true,
    defaultExecutionWindowSeconds: 15 * MINUTE,
    maxExecutionWindowSeconds: 1 * HOUR,
    maxEffectDurationSeconds: 7 * 24 * HOUR,
  },
  rotate_credential: {
    kind: "rotate_credential",
    title: "Rotate credential",
    parameters: ZRotateCredentialParameters,
    risk: "high",
    reversible: false,
    defaultExecutionWindowSeconds: 15 * MINUTE,
    maxExecutionWindowSeconds: 1 * HOUR,
    maxEffectDurationSeconds: 0,
  },
  remove_entitlement: {
    kind: "remove_entitlement",
    title: "Remove entitlement",
    parameters: ZRemoveEntitlementParameters,
    risk: "high",
    reversible: true,
    defaultExecutionWindowSeconds: 15 * MINUTE,
    maxExecutionWindowSeconds: 1 * HOUR,
    maxEffectDurationSeconds: 7 * 24 * HOUR,
  },
  quarantine_workload: {
    kind: "quarantine_workload",
    title: "Quarantine workload",
    parameters: ZQuarantineWorkloadParameters,
    risk: "critical",
    reversible: true,
    defaultExecutionWindowSeconds: 5 * MINUTE,
    maxExecutionWindowSeconds: 30 * MINUTE,
    maxEffectDurationSeconds: 24 * HOUR,
  },
} as const satisfies { [K in ActionKind]: ActionKindSpec };

/** How long a proposal waits for a decision before it expires, by risk. */
export const DEFAULT_DECISION_DEADLINE_SECONDS: Record<RiskLevel, number> = {
  low: 24 * HOUR,
  medium: 4 * HOUR,
  high: 1 * HOUR,
  critical: 30 * MINUTE,
};
export const MAX_DECISION_DEADLINE_SECONDS = 7 * 24 * HOUR;

export function actionKindSpec(kind: ActionKind): ActionKindSpec {
  return ACTION_CATALOGUE[kind];
}
