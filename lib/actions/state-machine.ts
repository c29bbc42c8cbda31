import type { ActionState } from "@/lib/db/generated/enums";

/** Every transition the lifecycle allows; anything else is a bug or a race. */
export const TRANSITIONS: Record<ActionState, readonly ActionState[]> = {
  proposed: ["pending", "denied"],
  pending: ["approved", "rejected", "cancelled", "expired", "denied"],
  approved: ["executing", "expired", "denied", "pending", "failed"],
  executing: ["succeeded", "failed", "pending"],
  succeeded: ["reverted"],
  failed: [],
  denied: [],
  rejected: [],
  cancelled: [],
  expired: [],
  reverted: [],
};

/** States in which an action still occupies its target (one open action per target). */
export const OPEN_STATES: readonly ActionState[] = ["proposed", "pending", "approved", "executing"];

export function canTransition(from: ActionState, to: ActionState): boolean {
  return TRANSITIONS[from].includes(to);
}
