import type { PlanEffect } from "./types";

/**
 * Builds a plan's effect. `describeCurrentState` runs only for a plan that changes nothing,
 * and returns the target's state in words, such as `SCIM user "alice" is already inactive`.
 */
export function planEffect(changes: boolean, describeCurrentState: () => string): PlanEffect {
  return changes ? { changes: true } : { changes: false, currentState: describeCurrentState() };
}
