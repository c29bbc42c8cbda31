import path from "node:path";
import { defineConfig } from "vitest/config";

// HTTP tests of the automation API against the production server, which
// tests/api/support/global-setup.ts starts once per run: `npx vitest run --config vitest.api.config.ts`.
// The start runs `next build` first when the sources changed since the last build.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/api/**/*.test.ts"],
    globalSetup: ["tests/api/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    pool: "forks",
  },
});
