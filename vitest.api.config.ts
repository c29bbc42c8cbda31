import path from "node:path";
import { defineConfig } from "vitest/config";

// HTTP tests of the automation API against the production server, started once per run by
// tests/api/support/global-setup.ts: `npx vitest run --config vitest.api.config.ts`.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    include: ["tests/api/**/*.test.ts"],
    globalSetup: ["tests/api/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The start-up includes `next build` when the sources changed since the last build.
    teardownTimeout: 60_000,
    pool: "forks",
  },
});
