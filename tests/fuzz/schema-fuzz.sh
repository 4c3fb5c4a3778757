#!/usr/bin/env bash
# Schema fuzzing: schemathesis against the OpenAPI document of each of the five running services
# (/docs/openapi.json of the local stack), its examples, coverage and fuzzing phases, positive and
# negative data. Checks: no 5xx, every status code, content type, header and body as the document
# says. Fails on any finding and prints schemathesis' report (each finding with a curl to replay it).
#
#   bash tests/fuzz/schema-fuzz.sh [service...]      (default: all five)
#
# ECOTRACK_FUZZ_SECONDS   time budget per service (default 150); the services run side by side
# ECOTRACK_FUZZ_SEED      replay a run (schemathesis prints the seed it used)
#
# Rate limits stay on, as in production: every operation documents its 429, the fuzzer checks
# that each 429 it meets is the documented problem and then waits as Retry-After says
# (--rate-limit auto). Several customers spread the per-user budget (see hooks.py).
#
# schemathesis comes from PyPI, pinned with everything it needs (requirements.txt), into a venv
# cached under ~/.cache/ecotrack: installed once, reused while requirements.txt is unchanged.
# Ends with one line: `fuzz: N passed, N failed` (one check per operation).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/fuzz
STATE=${ECOTRACK_STATE_DIR:-$ROOT/.stack}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack
SECONDS_PER_SERVICE=${ECOTRACK_FUZZ_SECONDS:-150}
REPORTS=$STATE/test-results/fuzz
SERVICES=("${@:-user-service product-service order-service payment-service notification-service}")
read -r -a SERVICES <<<"${SERVICES[*]}"
# Where the stack runs them: the port table, tools/ports.env (ECOTRACK_<SERVICE>_PORT moves one).
source "$ROOT/tools/lib/ports.sh"
declare -A PORT
for svc in user-service "${SERVICES[@]}"; do PORT[$svc]=$(service_port "$svc"); done

say() { printf '[fuzz] %s\n' "$*"; }

# The venv is named by the hash of requirements.txt: a changed pin gets a fresh one. A venv
# records its own path in its scripts, so it is built in place; .complete marks a finished install.
install() {
  local key; key=$(sha256sum "$HERE/requirements.txt" | cut -c1-12)
  VENV=$CACHE/schemathesis-$key
  [[ -f $VENV/.complete ]] && return 0
  say "installing $(grep '^schemathesis==' "$HERE/requirements.txt") and its pinned dependencies into $VENV (once)"
  command -v python3 >/dev/null || { say "python3 is required"; return 1; }
  rm -rf "$VENV"
  { python3 -m venv "$VENV" \
      && "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-virtualenv -r "$HERE/requirements.txt" \
      && "$VENV/bin/st" --version; } || { rm -rf "$VENV"; say "could not install schemathesis"; return 1; }
  touch "$VENV/.complete"
}

fuzz_service() { # service -> runs schemathesis, its output in $REPORTS/<service>.log
  local svc=$1 url="http://127.0.0.1:${PORT[$1]}"
  local seed=()
  [[ -n ${ECOTRACK_FUZZ_SEED:-} ]] && seed=(--seed "$ECOTRACK_FUZZ_SEED")
  # cd: hypothesis keeps nothing in the work tree (database off), reports go to $REPORTS.
  (cd "$REPORTS" && SCHEMATHESIS_HOOKS=hooks PYTHONPATH=$HERE "$VENV/bin/st" run "$url/docs/openapi.json" \
    --url "$url" \
    --phases examples,coverage,fuzzing \
    --mode all \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-time "$SECONDS_PER_SERVICE" \
    --workers 1 \
    --rate-limit auto \
    --request-timeout 30 \
    --generation-with-security-parameters false \
    --generation-database none \
    --suppress-health-check all \
    --continue-on-failure \
    --no-color \
    --report junit --report-junit-path "$REPORTS/$svc.xml" \
    "${seed[@]}") >"$REPORTS/$svc.log" 2>&1
}

main() {
  install
  rm -rf "$REPORTS"; mkdir -p "$REPORTS"
  local svc
  for svc in "${SERVICES[@]}"; do
    if ! curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:${PORT[$svc]}/health/ready"; then
      say "$svc is not ready: ./ecotrack up"; "$ROOT/ecotrack" up; break
    fi
  done
  say "making the fuzzer's users (3 customers and an admin)"
  ECOTRACK_FUZZ_IDENTITIES=$(USER_SERVICE_URL="http://127.0.0.1:${PORT[user-service]}" node "$HERE/identities.js" 3)
  export ECOTRACK_FUZZ_IDENTITIES USER_SERVICE_URL="http://127.0.0.1:${PORT[user-service]}"

  say "fuzzing ${SERVICES[*]} for up to ${SECONDS_PER_SERVICE} s each, side by side"
  local pids=() i failed=0
  for svc in "${SERVICES[@]}"; do fuzz_service "$svc" & pids+=($!); done
  for i in "${!SERVICES[@]}"; do
    svc=${SERVICES[$i]}
    # A clean service's report stays in its file: schemathesis closes it with a pytest-style
    # "=== No issues found in N s ===" line, which CI would read as a test runner that ran nothing.
    if wait "${pids[$i]}"; then say "$svc: no findings (report: $REPORTS/$svc.log)"; continue; fi
    say "$svc: FINDINGS (or schemathesis failed)"; failed=1
    printf '\n[fuzz] ----- %s -----\n' "$svc"
    cat "$REPORTS/$svc.log"
  done
  python3 "$HERE/summary.py" "$REPORTS" "${SERVICES[@]}"
  return $failed
}

main
