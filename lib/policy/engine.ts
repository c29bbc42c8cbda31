export { loadPolicySet } from "./load-policy-set";
export { evaluatePolicy, SYSTEM_PRINCIPAL_ID } from "./evaluate-policy";
export { policySetSummary, type PolicySummary } from "./policy-set-summary";
export { POLICY_ANNOTATIONS } from "./annotations";
export * from "./types";

/**
 * Folder of the built-in policies, relative to the project root. Callers resolve it against
 * a root they know (for example `process.cwd()` of `next start`) and pass the result to
 * `loadPolicySet`. Resolving it here from `__dirname` is not possible, because Next 16's
 * Turbopack rewrites `__dirname` in bundled server code to a `/ROOT/...` path that does not exist.
 */
export const DEFAULT_POLICY_DIR_NAME = "policies";
