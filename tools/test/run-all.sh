#!/usr/bin/env bash
# The whole test suite, bottom to top (DESIGN.md): static checks, unit,
# integration (real infrastructure), end-to-end (the running stack), lifecycle.
# Ends with one line "ecotrack: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
RESULTS=.stack/test-results
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
export NX_DAEMON=false NX_NO_CLOUD=true
failed_steps=()

step() { # name command...
  local name=$1; shift
  printf '\n[test] ===== %s =====\n' "$name"
  if "$@"; then printf '[test] %s: ok\n' "$name"; else printf '[test] %s: FAILED\n' "$name"; failed_steps+=("$name"); fi
}
jest_layer() { npx jest -c jest.config.ts --selectProjects "$1" --runInBand --json --outputFile="$RESULTS/$1.json"; }

# The boundary rule needs Nx's project graph; without it the rule silently skips.
step lint bash -c 'npx nx show projects >/dev/null && npx eslint --max-warnings 0 .'
step typecheck npx tsc -p tsconfig.json --noEmit
step unit jest_layer unit
step integration jest_layer integration
step e2e jest_layer e2e
step lifecycle jest_layer lifecycle

node -e '
  const fs = require("fs"); let passed = 0, failed = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${f}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`\n${passed} passed, ${failed} failed`.replace(/^\n/, "\necotrack: "));
' "$RESULTS"
if ((${#failed_steps[@]})); then echo "[test] failed steps: ${failed_steps[*]}"; exit 1; fi
