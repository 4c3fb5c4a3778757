#!/usr/bin/env bash
# The whole test suite, bottom to top (DESIGN.md): static checks, unit, offline
# Kubernetes validation (with the alert rules' unit tests and the Alertmanager config), the collector configs, the chart on a real API server, integration (real infrastructure), the contracts
# (Pact: consumers, then every provider verified, the negative proofs and the promotion gate), end-to-end (the
# running stack), the images' journey, schema fuzzing (the running stack), the benchmark's smoke, saga (the order saga and its fault
# matrix), disaster recovery (point-in-time restore, the drill), a search of every log for secret values, lifecycle. Ends with one line "ecotrack: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RESULTS=.stack/test-results
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
# What this run created: the personal-data search looks at accounts, outbox rows and Kafka messages since then.
RUN_STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# The run's own output is a log too: the last step searches it for secrets.
exec > >(tee "$RESULTS/run-all.log") 2>&1
export NX_DAEMON=false NX_NO_CLOUD=true
failed_steps=()

step() { # name command...
  local name=$1; shift
  printf '\n[test] ===== %s =====\n' "$name"
  if "$@"; then echo ok >"$RESULTS/$name.status"; printf '[test] %s: ok\n' "$name"
  else echo failed >"$RESULTS/$name.status"; printf '[test] %s: FAILED\n' "$name"; failed_steps+=("$name"); fi
}
jest_layer() { npx jest -c jest.config.ts --selectProjects "$1" --runInBand --json --outputFile="$RESULTS/$1.json"; }
k8s() { bash tools/k8s/validate.sh | tee "$RESULTS/k8s.out"; return "${PIPESTATUS[0]}"; }
fuzz() { bash tests/fuzz/schema-fuzz.sh | tee "$RESULTS/fuzz.out"; return "${PIPESTATUS[0]}"; }
# kube-apiserver v1.32.2 and kubectl from their Go module (built once, cached), etcd from Debian.
apiserver() { bash tools/k8s/apiserver.sh build && jest_layer apiserver; }
pact_provider() {
  local rc=0
  rm -f dist/contracts/verified-*.txt
  jest_layer pact-provider || rc=$?
  node tools/contracts/pacts.js verified || rc=1
  return $rc
}
# The five images (podman, a local Node 20 base), then the journey through their containers.
images() {
  bash tools/images/build.sh || return 1
  local rc=0
  bash tools/images/run.sh journey --json --outputFile="$RESULTS/images.json" || rc=$?
  bash tools/images/run.sh down || rc=1
  return $rc
}

# The boundary rule needs Nx's project graph; without it the rule silently skips.
step lint bash -c 'npx nx show projects >/dev/null && npx eslint --max-warnings 0 .'
step typecheck npm run --silent typecheck
step unit jest_layer unit
# Helm chart, policies and GitOps, validated offline (helm lint, kubeconform, helm-unittest, gator, kube-score).
step k8s k8s
# Every OpenTelemetry collector configuration (compose, the chart's values) through the collector's own
# `validate`, built from its Go modules (tools/otelcol, cached).
step otelcol bash tools/otelcol/validate.sh
# Server-side apply of every render, the Argo CD objects and the Gatekeeper policies on a real API server.
step apiserver apiserver
step integration jest_layer integration
# Contracts (Pact, tests/contracts): each consumer's expectations, which must be the committed
# contracts/; then every pact verified against its real provider, the breaking changes a
# provider could make shown failing, and promote.sh refusing a release that breaks a consumer.
step pact-consumer jest_layer pact-consumer
step contracts-committed node tools/contracts/pacts.js check
step pact-provider pact_provider
step e2e jest_layer e2e
# Real images: each with only its own dependencies, run read-only as uid 10001 against the stack.
step images images
# schemathesis against the five services' OpenAPI documents, while the stack still runs (saga stops it).
step fuzz fuzz
# The benchmark's short run (tools/bench, results in .stack/bench/smoke/): every measurement gives a
# number, no timing is asserted. While the stack still runs; it restarts each service to time its start.
step bench-smoke ./ecotrack bench --smoke
step saga jest_layer saga
# Disaster recovery: a point-in-time restore between two orders, and the drill (PostgreSQL and
# OpenBao lost under order load, restored; RPO and RTO printed, the saga's invariants checked).
step dr jest_layer dr
# No secret value (passwords, tokens, secret ids, every KV secret) in any log of the runs above, and
# no email or display name of an account this run created in clear in any log, outbox row or Kafka
# message; before lifecycle, which takes OpenBao (and the KV it reads the secrets from) down.
step secrets-in-logs node tests/logs/no-secrets-in-logs.js .stack --since "$RUN_STARTED"
step lifecycle jest_layer lifecycle

# One total: Jest's tests, the k8s checks, the fuzzed operations, and each other step as one check.
node - "$RESULTS" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
let passed = 0, failed = 0;
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.status'))) {
  const name = file.replace(/\.status$/, '');
  const ok = fs.readFileSync(`${dir}/${file}`, 'utf8').trim() === 'ok';
  const jest = `${dir}/${name}.json`;
  const k8s = /^(?:k8s|fuzz): (\d+) passed, (\d+) failed$/m.exec(fs.existsSync(`${dir}/${name}.out`) ? fs.readFileSync(`${dir}/${name}.out`, 'utf8') : '');
  if (fs.existsSync(jest)) {
    const r = JSON.parse(fs.readFileSync(jest, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites + (ok || r.numFailedTests ? 0 : 1);
  } else if (k8s) {
    passed += Number(k8s[1]);
    failed += Number(k8s[2]) + (ok || Number(k8s[2]) ? 0 : 1);
  } else if (ok) passed += 1;
  else failed += 1;
}
// The run's last line, in the plain form CI reads a run's count from.
console.log(`\necotrack: ${passed} passed, ${failed} failed`);
JS
if ((${#failed_steps[@]})); then echo "[test] failed steps: ${failed_steps[*]}"; exit 1; fi
