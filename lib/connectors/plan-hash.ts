import { hashCanonical } from "@/lib/util/canonical-json";
import type { ScopeDiff } from "./types";

/**
 * Computes the stable hash approvers bind a grant to: SHA-256 over the canonical JSON of the
 * diff, without blast radius entries marked volatile.
 */
export function planHash(diff: ScopeDiff): string {
  return hashCanonical({ ...diff, blastRadius: diff.blastRadius.filter((entry) => !entry.volatile) });
}
