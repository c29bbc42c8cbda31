#!/usr/bin/env bash
# `npm test`: type check, unit and integration tests against a real PostgreSQL, then the
# end-to-end tests in Chromium against the production build served by `npm start`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== type check"
npx tsc --noEmit

echo "== unit and integration tests (vitest)"
npx vitest run

echo "== HTTP tests of the automation API against the production server (vitest)"
npx vitest run --config vitest.api.config.ts

echo "== end-to-end tests (Playwright)"
npx playwright test
