/**
 * Whether this process runs the demo. Kept on globalThis because Next.js bundles its own copy
 * of lib/ for pages and route handlers, and a module-level variable set by the server would
 * not be visible there.
 */
const globalForDemo = globalThis as unknown as { cordonDemoRunning?: boolean };

export function markDemoRunning(running: boolean): void {
  globalForDemo.cordonDemoRunning = running;
}

/** True once the demo started in this process; the sign-in page lists the demo accounts only then. */
export function isDemoRunning(): boolean {
  return globalForDemo.cordonDemoRunning === true;
}
