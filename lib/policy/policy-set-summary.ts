import type { PolicySet } from "./types";

/** One row of the settings page's policy list. */
export interface PolicySummary {
  id: string;
  /** File name inside the policy folder. */
  file: string;
  /** 1-based line where the policy starts. */
  line: number;
  effect: "permit" | "forbid";
  description: string | undefined;
  requiredApprovals: number | undefined;
  maxExecutionWindowSeconds: number | undefined;
  flags: string[];
  /** The policy's text exactly as written in the file. */
  source: string;
}

/** Lists the loaded policies in file order, for display. */
export function policySetSummary(policySet: PolicySet): PolicySummary[] {
  return policySet.policies.map((policy) => ({
    id: policy.id,
    file: policy.file,
    line: policy.line,
    effect: policy.effect,
    description: policy.description,
    requiredApprovals: policy.requiredApprovals,
    maxExecutionWindowSeconds: policy.maxExecutionWindowSeconds,
    flags: [...policy.flags],
    source: policy.source,
  }));
}
