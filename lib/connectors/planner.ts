import type { Planner } from "@/lib/actions/context";

const globalForPlanner = globalThis as unknown as { cordonPlanner?: Planner };

/** Installs the planner that requests from each domain's connector for the scope diff. */
export function setPlanner(planner: Planner | undefined): void {
  globalForPlanner.cordonPlanner = planner;
}

/** Returns the installed planner; undefined means plans describe the requested change only. */
export function currentPlanner(): Planner | undefined {
  return globalForPlanner.cordonPlanner;
}
