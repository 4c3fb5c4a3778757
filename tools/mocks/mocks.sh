#!/usr/bin/env bash
# Contract-faithful vendor mocks for payment- and notification-service tests and local runs.
#   install [stripe-mock|mailpit]   build them from their committed Go tools modules (cached by version; default both);
#                      with a name, the binary's path on stdout
#   start [names...]   stripe-mock, Prism (PayPal Orders v2, Payments v2) and Mailpit (SMTP + HTTP API) on loopback
#                      ports, then the services' environment on stdout; with names (stripe-mock, mailpit,
#                      paypal-orders, paypal-payments) only those, and nothing on stdout. Running ones are kept.
#   stop [names...]    stop what `start` started (by the pids it recorded; default all), waiting until they exited
#   status [names...]  show what is running (default all); with names, exit 3 unless all of them run
# Ports: from tools/ports.env (stripe-mock serves HTTPS on the next port); STRIPE_MOCK_PORT, PAYPAL_ORDERS_PORT,
#        PAYPAL_PAYMENTS_PORT, MAILPIT_SMTP_PORT, MAILPIT_HTTP_PORT or ECOTRACK_<NAME>_PORT move one. Pids and logs: ECOTRACK_MOCKS_RUN_DIR
#        (./ecotrack up runs stripe-mock and Mailpit for the local stack with <state dir>/mocks).
set -euo pipefail

MOCKS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$MOCKS_DIR/../.." && pwd)"
source "$ROOT/tools/lib/daemon.sh"
source "$ROOT/tools/lib/go-tool.sh"
source "$ROOT/tools/lib/ports.sh"
RUN_DIR="${ECOTRACK_MOCKS_RUN_DIR:-$HOME/.cache/ecotrack/mocks}"
SPECS="${ECOTRACK_VENDOR_APIS:-$ROOT/../shared/vendor-apis}"
DAEMON_TAG=mocks

# The port table's (tools/ports.env; ECOTRACK_<NAME>_PORT moves one), unless set here by name.
STRIPE_MOCK_PORT="${STRIPE_MOCK_PORT:-$(port STRIPE_MOCK)}"
PAYPAL_ORDERS_PORT="${PAYPAL_ORDERS_PORT:-$(port PAYPAL_ORDERS)}"
PAYPAL_PAYMENTS_PORT="${PAYPAL_PAYMENTS_PORT:-$(port PAYPAL_PAYMENTS)}"
MAILPIT_SMTP_PORT="${MAILPIT_SMTP_PORT:-$(port MAILPIT_SMTP)}"
MAILPIT_HTTP_PORT="${MAILPIT_HTTP_PORT:-$(port MAILPIT)}"

log() { printf '[mocks] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The versions pinned in the tools modules' go.mod are the cache keys.
STRIPE_MOCK_VERSION="$(go_tool_version "$MOCKS_DIR/go/stripe-mock" github.com/stripe/stripe-mock)"
MAILPIT_VERSION="$(go_tool_version "$MOCKS_DIR/go/mailpit" github.com/axllent/mailpit)"
stripe_mock_bin() { echo "$GO_TOOL_BIN/stripe-mock-$STRIPE_MOCK_VERSION"; }
mailpit_bin() { echo "$GO_TOOL_BIN/mailpit-$MAILPIT_VERSION"; }

# install_tool <name> <version> <package> <out>: build once, print the binary's path.
install_tool() {
  local name="$1" version="$2" pkg="$3" out="$4"
  if [[ ! -x $out ]]; then
    log "$name: building $version with go (once; cached in $GO_TOOL_BIN)"
    go_tool_build "$MOCKS_DIR/go/$name" "$pkg" "$out" || die "$name: go build failed"
  fi
  echo "$out"
}
install_stripe_mock() { install_tool stripe-mock "$STRIPE_MOCK_VERSION" github.com/stripe/stripe-mock "$(stripe_mock_bin)"; }
# Mailpit from its Go module: SMTP and the HTTP API are complete; the web UI is an empty page (its assets are built
# with npm upstream and are not in the module), so read messages with /api/v1/messages.
install_mailpit() { install_tool mailpit "$MAILPIT_VERSION" github.com/axllent/mailpit "$(mailpit_bin)"; }

prism_bin() {
  local p="$ROOT/node_modules/@stoplight/prism-cli/dist/index.js"
  [[ -f "$p" ]] || die "Prism is missing: run npm ci (it is a devDependency)"
  echo "$p"
}

MOCKS=(stripe-mock paypal-orders paypal-payments mailpit)

alive() { daemon_alive "$1" "$RUN_DIR"; }
pid_of() { daemon_pid "$1" "$RUN_DIR"; }

# start_one <name> <ports> <command...>: detached (tools/lib/daemon.sh), pid and log under RUN_DIR.
# <ports>: space-separated, the first is the one it is reached on; a port that something else holds stops the start.
start_one() {
  local name="$1" ports="$2" port; shift 2
  if alive "$name"; then log "$name: already running (pid $(pid_of "$name"))"; return 0; fi
  for port in $ports; do
    if port_taken "$port"; then
      die "$name: port $port on 127.0.0.1 is taken by a process not recorded in $RUN_DIR (the local stack's own mocks are recorded in <state dir>/mocks: set ECOTRACK_MOCKS_RUN_DIR to that, or move the port)"
    fi
  done
  daemon_start "$name" "$RUN_DIR" "$RUN_DIR/$name.log" "$ROOT" "$@" || die "$name: did not start"
  log "$name: pid $(pid_of "$name"), http://127.0.0.1:${ports%% *} (log $RUN_DIR/$name.log)"
}

# wait_port <name> <port> <seconds> [quiet]
wait_port() {
  daemon_await "$1" "$RUN_DIR" "$RUN_DIR/$1.log" "$3" port_taken "$2" || die "$1: no answer on port $2"
  [[ ${4:-} == quiet ]] || log "$1: ready"
}

# stop_one <name>: TERM, then KILL after 10 s; returns once the process is gone.
stop_one() {
  local name="$1" pid
  pid="$(pid_of "$name")"
  daemon_stop "$name" "$RUN_DIR" 10
  case $DAEMON_STOPPED in
    term) log "$name: stopped (pid $pid)" ;;
    kill) log "$name: killed (pid $pid)" ;;
  esac
}

# select_mocks <name...>: SELECTED := the mocks named (default all), each checked.
SELECTED=()
select_mocks() {
  local n
  (( $# )) || set -- "${MOCKS[@]}"
  for n in "$@"; do [[ " ${MOCKS[*]} " == *" $n "* ]] || die "unknown mock $n: ${MOCKS[*]}"; done
  SELECTED=("$@")
}
selected() { [[ " ${SELECTED[*]} " == *" $1 "* ]]; }

# start_mock <name>: needs SM, MP and PRISM (the programs, resolved before anything starts).
start_mock() {
  case $1 in
    stripe-mock)
      start_one stripe-mock "$STRIPE_MOCK_PORT $((STRIPE_MOCK_PORT + 1))" "$SM" \
        -http-addr "127.0.0.1:$STRIPE_MOCK_PORT" -https-addr "127.0.0.1:$((STRIPE_MOCK_PORT + 1))" ;;
    mailpit)
      # Loopback only, a temporary database, no outbound lookups (reverse DNS, version check, remote CSS);
      # any SMTP credentials are accepted, so an SMTP_URL with user:pass@ works as against a real relay.
      start_one mailpit "$MAILPIT_HTTP_PORT $MAILPIT_SMTP_PORT" "$MP" --listen "127.0.0.1:$MAILPIT_HTTP_PORT" --smtp "127.0.0.1:$MAILPIT_SMTP_PORT" \
        --smtp-auth-accept-any --smtp-auth-allow-insecure --smtp-disable-rdns --disable-version-check --block-remote-css-and-fonts --quiet ;;
    paypal-orders)
      start_one paypal-orders "$PAYPAL_ORDERS_PORT" node "$PRISM" mock -h 127.0.0.1 -p "$PAYPAL_ORDERS_PORT" "$SPECS/paypal/checkout_orders_v2.json" ;;
    paypal-payments)
      start_one paypal-payments "$PAYPAL_PAYMENTS_PORT" node "$PRISM" mock -h 127.0.0.1 -p "$PAYPAL_PAYMENTS_PORT" "$SPECS/paypal/payments_payment_v2.json" ;;
  esac
}

wait_mock() {
  case $1 in
    stripe-mock) wait_port stripe-mock "$STRIPE_MOCK_PORT" 30 ;;
    mailpit) wait_port mailpit "$MAILPIT_HTTP_PORT" 30 quiet; wait_port mailpit "$MAILPIT_SMTP_PORT" 30 ;;
    # Prism needs ~25 s per PayPal spec on 2 cores.
    paypal-orders) wait_port paypal-orders "$PAYPAL_ORDERS_PORT" 180 ;;
    paypal-payments) wait_port paypal-payments "$PAYPAL_PAYMENTS_PORT" 180 ;;
  esac
}

case "${1:-}" in
  install)
    case "${2:-all}" in
      stripe-mock) install_stripe_mock ;;
      mailpit) install_mailpit ;;
      all)
        log "stripe-mock $STRIPE_MOCK_VERSION: $(install_stripe_mock)"
        log "mailpit $MAILPIT_VERSION: $(install_mailpit)"
        prism_bin >/dev/null ;;
      *) die "unknown mock ${2}: stripe-mock or mailpit" ;;
    esac ;;
  start)
    shift; select_mocks "$@"
    SM=""; MP=""; PRISM=""
    if selected stripe-mock; then SM="$(install_stripe_mock)"; fi
    if selected mailpit; then MP="$(install_mailpit)"; fi
    if selected paypal-orders || selected paypal-payments; then PRISM="$(prism_bin)"; fi
    for n in "${SELECTED[@]}"; do start_mock "$n"; done
    for n in "${SELECTED[@]}"; do wait_mock "$n"; done
    if (( $# )); then exit 0; fi
    # payment-service can use stripe-mock directly. Prism serves one spec per port and has no
    # OAuth token endpoint, so PayPal needs a front (see apps/payment-service/test/paypal-gateway.int-spec.ts).
    cat <<ENV
STRIPE_API_BASE=http://127.0.0.1:$STRIPE_MOCK_PORT
STRIPE_SECRET_KEY=sk_test_mock
EMAIL_PROVIDER=smtp
SMTP_URL=smtp://127.0.0.1:$MAILPIT_SMTP_PORT
EMAIL_FROM=noreply@ecotrack.local
# Mailpit HTTP API (messages sent to SMTP_URL): http://127.0.0.1:$MAILPIT_HTTP_PORT/api/v1/messages
# PayPal Orders v2 mock:   http://127.0.0.1:$PAYPAL_ORDERS_PORT
# PayPal Payments v2 mock: http://127.0.0.1:$PAYPAL_PAYMENTS_PORT
ENV
    ;;
  stop)
    shift; select_mocks "$@"
    for n in mailpit paypal-payments paypal-orders stripe-mock; do
      if selected "$n"; then stop_one "$n"; fi
    done ;;
  status)
    shift; select_mocks "$@"
    rc=0
    for n in "${SELECTED[@]}"; do
      if alive "$n"; then echo "$n: running (pid $(pid_of "$n"))"; else echo "$n: stopped"; rc=3; fi
    done
    if (( $# )); then exit $rc; fi ;;
  *) echo "usage: $0 install [stripe-mock|mailpit] | start|stop|status [stripe-mock|mailpit|paypal-orders|paypal-payments...]" >&2; exit 2 ;;
esac
