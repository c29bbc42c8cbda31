import type { z } from "zod";
import { planHash } from "@/lib/connectors/plan-hash";
import {
  ConnectorError,
  type ApplyResult,
  type ConnectorAction,
  type ConnectorPlan,
  type GrantForApply,
  type Plan,
  type ScopeDiff,
  type VerifyResult,
} from "@/lib/connectors/types";
import type { ScimClient } from "./client";
import type { TScimUser } from "./resources";

/** The four steps of one action kind against a SCIM service provider. */
export interface ScimActionHandler {
  plan(client: ScimClient, action: ConnectorAction, signal: AbortSignal): Promise<ConnectorPlan>;
  apply(client: ScimClient, action: ConnectorAction, grant: GrantForApply, signal: AbortSignal): Promise<ApplyResult>;
  verify(client: ScimClient, action: ConnectorAction, signal: AbortSignal): Promise<VerifyResult>;
  revert(client: ScimClient, action: ConnectorAction, plan: Plan, signal: AbortSignal): Promise<ApplyResult>;
}

export function parseParameters<T extends z.ZodType>(schema: T, action: ConnectorAction): z.output<T> {
  const parsed = schema.safeParse(action.parameters);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "parameters"}: ${issue.message}`);
    throw new ConnectorError(`Invalid parameters for ${action.kind}: ${issues.join("; ")}`, false);
  }
  return parsed.data;
}

export function parseRevertState<T extends z.ZodType>(schema: T, plan: Plan, action: ConnectorAction): z.output<T> {
  const parsed = schema.safeParse(plan.revertState);
  if (!parsed.success) throw new ConnectorError(`The plan of action ${action.id} has no usable revert state for ${action.kind}`, false);
  return parsed.data;
}

/**
 * Binds the write to the approved plan: the grant must belong to this action and the diff read
 * just now must hash to the approved plan hash. Otherwise approvers saw a different state.
 */
export function assertGrantMatches(action: ConnectorAction, grant: GrantForApply, currentDiff: ScopeDiff): void {
  if (grant.actionId !== action.id) {
    throw new ConnectorError(`Grant ${grant.id} was issued for action ${grant.actionId}, not ${action.id}`, false);
  }
  if (planHash(currentDiff) !== grant.planHash) {
    const message = `The target changed since the plan was approved (plan hash differs from grant ${grant.id}). Plan again and request a new approval.`;
    throw new ConnectorError(message, false);
  }
}

export function userLabel(user: TScimUser): string {
  return user.displayName ?? user.userName ?? user.id;
}
