import { getConfig } from "@/lib/config";
import { projectPath } from "@/lib/config/root";
import { DEFAULT_POLICY_DIR_NAME, loadPolicySet, type PolicySet } from "./engine";

const globalForPolicies = globalThis as unknown as { cordonPolicies?: Promise<PolicySet> };

/** Folder of the active policies: CORDON_POLICY_DIR, or the policies/ folder shipped with Cordon. */
export function activePolicyDir(): string {
  return getConfig().policyDir ?? projectPath(DEFAULT_POLICY_DIR_NAME);
}

/** The policy set of this process, loaded once; an invalid folder fails with the file and line. */
export function currentPolicySet(): Promise<PolicySet> {
  globalForPolicies.cordonPolicies ??= loadPolicySet(activePolicyDir());
  return globalForPolicies.cordonPolicies;
}
