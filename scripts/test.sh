#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup (Node 22, npm ci, build), format + lint +
# typecheck, the real services of test/env, then every unit and integration test in one
# Vitest run. Ends with one line `N passed, N failed, N skipped`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
step() { printf '\n\033[1m[test]\033[0m %s\n' "$*"; }
t0=$(date +%s)

step "setup"
NODE_BIN="$(scripts/setup.sh --print-path)"
export PATH="$NODE_BIN:$PATH"

step "lint (prettier, eslint, madge) and typecheck"
npm run --silent lint
npx turbo run typecheck --output-logs=errors-only
npx tsc -p tsconfig.json # tests and scripts too

step "test environment (test/env/up)"
test/env/up
# shellcheck disable=SC1091
source test/env/out/env.sh
if [ "${CI:-}" = "true" ]; then trap 'test/env/down || true' EXIT; fi

step "vitest (unit + integration)"
mkdir -p .lamina
rc=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.lamina/test-results.json || rc=$?
step "done in $(( $(date +%s) - t0 ))s"
node scripts/test-summary.mjs .lamina/test-results.json
exit "$rc"
