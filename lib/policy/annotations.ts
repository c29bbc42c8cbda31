import type { Annotations } from "@cedar-policy/cedar-wasm/nodejs";

/**
 * Policy annotations that Cordon reads. Any other annotation fails loading, because a
 * misspelt `@required_approvals` would otherwise be ignored and silently lower the number
 * of approvers a critical action needs.
 */
export const POLICY_ANNOTATIONS = {
  /** Required on every policy, unique across the folder; the console shows it. */
  id: "id",
  /** One sentence explaining the policy; decisions quote it in their reasons. */
  description: "description",
  /** Permits only: distinct approvers needed. Decisions take the max over determining permits. */
  requiredApprovals: "required_approvals",
  /** Permits only: cap on the execution window in seconds. Decisions take the min. */
  maxExecutionWindowSeconds: "max_execution_window_seconds",
  /** Permits only: a flag the decision carries, such as `break_glass`. */
  flag: "flag",
} as const;

const KNOWN_NAMES: ReadonlySet<string> = new Set(Object.values(POLICY_ANNOTATIONS));
const PERMIT_ONLY_NAMES: ReadonlySet<string> = new Set([
  POLICY_ANNOTATIONS.requiredApprovals,
  POLICY_ANNOTATIONS.maxExecutionWindowSeconds,
  POLICY_ANNOTATIONS.flag,
]);

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const FLAG_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_DESCRIPTION_LENGTH = 500;
// More approvers than this is a typo, not a policy; no team staffs it.
const MAX_REQUIRED_APPROVALS = 100;
const MAX_WINDOW_SECONDS = 2 ** 31 - 1;

export interface PolicyAnnotationValues {
  id: string;
  description: string | undefined;
  requiredApprovals: number | undefined;
  maxExecutionWindowSeconds: number | undefined;
  flags: string[];
}

export type AnnotationResult = { ok: true; values: PolicyAnnotationValues } | { ok: false; messages: string[] };

function parsePositiveInteger(raw: string, max: number): number | undefined {
  if (!/^[1-9][0-9]*$/.test(raw)) return undefined;
  const value = Number(raw);
  return value <= max ? value : undefined;
}

function checkNames(annotations: Annotations, effect: "permit" | "forbid"): string[] {
  const messages: string[] = [];
  for (const name of Object.keys(annotations)) {
    if (!KNOWN_NAMES.has(name)) {
      messages.push(`unknown annotation @${name}. Cordon reads only ${[...KNOWN_NAMES].map((known) => `@${known}`).join(", ")}`);
    } else if (effect === "forbid" && PERMIT_ONLY_NAMES.has(name)) {
      messages.push(`@${name} is allowed only on permit policies, because decisions read it from the permits that allowed`);
    }
  }
  return messages;
}

/** Reads and checks Cordon's annotations of one policy. */
export function readPolicyAnnotations(annotations: Annotations, effect: "permit" | "forbid"): AnnotationResult {
  const messages = checkNames(annotations, effect);

  const id = annotations[POLICY_ANNOTATIONS.id];
  if (id === undefined || id === null) {
    messages.push('missing @id annotation. Every policy needs a unique @id("...")');
  } else if (!ID_PATTERN.test(id)) {
    messages.push(`invalid @id ${JSON.stringify(id)}. Use 1 to 128 letters, digits, '_', '.', ':' or '-', starting with a letter or digit`);
  }

  const description = annotations[POLICY_ANNOTATIONS.description] ?? undefined;
  if (description !== undefined && (description.length === 0 || description.length > MAX_DESCRIPTION_LENGTH)) {
    messages.push(`invalid @description. Use 1 to ${MAX_DESCRIPTION_LENGTH} characters`);
  }

  const approvalsRaw = annotations[POLICY_ANNOTATIONS.requiredApprovals];
  const requiredApprovals = approvalsRaw == null ? undefined : parsePositiveInteger(approvalsRaw, MAX_REQUIRED_APPROVALS);
  if (approvalsRaw != null && requiredApprovals === undefined) {
    messages.push(`invalid @required_approvals ${JSON.stringify(approvalsRaw)}. Use a whole number from 1 to ${MAX_REQUIRED_APPROVALS}`);
  }

  const windowRaw = annotations[POLICY_ANNOTATIONS.maxExecutionWindowSeconds];
  const maxExecutionWindowSeconds = windowRaw == null ? undefined : parsePositiveInteger(windowRaw, MAX_WINDOW_SECONDS);
  if (windowRaw != null && maxExecutionWindowSeconds === undefined) {
    messages.push(`invalid @max_execution_window_seconds ${JSON.stringify(windowRaw)}. Use a whole number of seconds from 1 to ${MAX_WINDOW_SECONDS}`);
  }

  const flag = annotations[POLICY_ANNOTATIONS.flag];
  if (flag != null && !FLAG_PATTERN.test(flag)) {
    messages.push(`invalid @flag ${JSON.stringify(flag)}. Use lower-case letters, digits and '_', starting with a letter`);
  }

  if (messages.length > 0 || id == null) return { ok: false, messages };
  return {
    ok: true,
    values: { id, description, requiredApprovals, maxExecutionWindowSeconds, flags: flag == null ? [] : [flag] },
  };
}
