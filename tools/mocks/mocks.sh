#!/usr/bin/env bash
# Contract-faithful vendor mocks for payment- and notification-service tests and local runs.
#   install [stripe-mock|mailpit]   build them from their committed Go tools modules (cached by version; default both)
#   start [names...]   stripe-mock, Prism (PayPal Orders v2, Payments v2) and Mailpit (SMTP + HTTP API) on loopback
#                      ports, then the services' environment on stdout; with names (stripe-mock, mailpit,
#                      paypal-orders, paypal-payments) only those, and nothing on stdout. Running ones are kept.
#   stop [names...]    stop what `start` started (by the pids it recorded; default all), waiting until they exited
#   status [names...]  show what is running (default all); with names, exit 3 unless all of them run
# Ports: STRIPE_MOCK_PORT (12111, HTTPS on the next port), PAYPAL_ORDERS_PORT (4010), PAYPAL_PAYMENTS_PORT (4011),
#        MAILPIT_SMTP_PORT (1025), MAILPIT_HTTP_PORT (8025). Pids and logs: ECOTRACK_MOCKS_RUN_DIR
#        (./ecotrack up runs stripe-mock and Mailpit for the local stack with <state dir>/mocks).
set -euo pipefail

MOCKS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$MOCKS_DIR/../.." && pwd)"
source "$ROOT/tools/lib/detach.sh"
BIN="${ECOTRACK_BIN_CACHE:-$HOME/.cache/ecotrack/bin}"
RUN_DIR="${ECOTRACK_MOCKS_RUN_DIR:-$HOME/.cache/ecotrack/mocks}"
SPECS="${ECOTRACK_VENDOR_APIS:-$ROOT/../shared/vendor-apis}"

STRIPE_MOCK_PORT="${STRIPE_MOCK_PORT:-12111}"
PAYPAL_ORDERS_PORT="${PAYPAL_ORDERS_PORT:-4010}"
PAYPAL_PAYMENTS_PORT="${PAYPAL_PAYMENTS_PORT:-4011}"
MAILPIT_SMTP_PORT="${MAILPIT_SMTP_PORT:-1025}"
MAILPIT_HTTP_PORT="${MAILPIT_HTTP_PORT:-8025}"

log() { printf '[mocks] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# go_tool_version <module dir> <module path>: the version pinned in a tools module's go.mod is the cache key.
go_tool_version() {
  local version
  version="$(awk -v m="$2" '$1==m {print $2; exit}' "$MOCKS_DIR/go/$1/go.mod")"
  [[ -n "$version" ]] || die "no $2 version in go/$1/go.mod"
  echo "$version"
}
STRIPE_MOCK_VERSION="$(go_tool_version stripe-mock github.com/stripe/stripe-mock)"
MAILPIT_VERSION="$(go_tool_version mailpit github.com/axllent/mailpit)"
stripe_mock_bin() { echo "$BIN/stripe-mock-$STRIPE_MOCK_VERSION"; }
mailpit_bin() { echo "$BIN/mailpit-$MAILPIT_VERSION"; }

# go_tool_install <name> <module dir> <package> <version> <out>: build once, print the binary's path.
go_tool_install() {
  local name="$1" dir="$2" pkg="$3" version="$4" out="$5" tmp
  [[ -x "$out" ]] && { echo "$out"; return 0; }
  command -v go >/dev/null || die "go is needed to build $name $version (not cached in $BIN)"
  log "$name: building $version with go (once; cached in $BIN)"
  # Built from a copy so `go` never rewrites the committed go.mod/go.sum.
  tmp="$(mktemp -d)"; cp "$MOCKS_DIR/go/$dir"/go.* "$tmp/"
  mkdir -p "$BIN"
  if ( cd "$tmp" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w' -o "$out.tmp.$$" "$pkg" ) \
       >"$tmp/build.log" 2>&1; then
    mv -f "$out.tmp.$$" "$out"; rm -rf "$tmp"; echo "$out"; return 0
  fi
  cat "$tmp/build.log" >&2; rm -rf "$tmp" "$out.tmp.$$"
  die "$name: go build failed"
}

install_stripe_mock() { go_tool_install stripe-mock stripe-mock github.com/stripe/stripe-mock "$STRIPE_MOCK_VERSION" "$(stripe_mock_bin)"; }
# Mailpit from its Go module: SMTP and the HTTP API are complete; the web UI is an empty page (its assets are built
# with npm upstream and are not in the module), so read messages with /api/v1/messages.
install_mailpit() { go_tool_install mailpit mailpit github.com/axllent/mailpit "$MAILPIT_VERSION" "$(mailpit_bin)"; }

prism_bin() {
  local p="$ROOT/node_modules/@stoplight/prism-cli/dist/index.js"
  [[ -f "$p" ]] || die "Prism is missing: run npm ci (it is a devDependency)"
  echo "$p"
}

MOCKS=(stripe-mock paypal-orders paypal-payments mailpit)

# What each mock's command line contains: a pid file naming any other process (a pid reused
# after a reboot) is stale, and that process is never signalled.
marker() { case $1 in stripe-mock) echo stripe-mock ;; mailpit) echo mailpit ;; *) echo prism-cli ;; esac; }
pid_of() { cat "$RUN_DIR/$1.pid" 2>/dev/null || true; }
alive() {
  local pid; pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$(marker "$1")"
}
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_one <name> <ports> <command...>: background process in its own session (a terminal's
# Ctrl-C does not reach it), pid and log under RUN_DIR. <ports>: space-separated, the first is
# the one it is reached on; a port that something else holds stops the start.
start_one() {
  local name="$1" ports="$2" port; shift 2
  mkdir -p "$RUN_DIR"
  if alive "$name"; then log "$name: already running (pid $(pid_of "$name"))"; return 0; fi
  for port in $ports; do
    if port_taken "$port"; then
      die "$name: port $port on 127.0.0.1 is taken by a process not recorded in $RUN_DIR (the local stack's own mocks are recorded in <state dir>/mocks: set ECOTRACK_MOCKS_RUN_DIR to that, or move the port)"
    fi
  done
  ( close_inherited_fds; exec nohup setsid "$@" ) >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  log "$name: pid $!, http://127.0.0.1:${ports%% *} (log $RUN_DIR/$name.log)"
}

# wait_port <name> <port> [seconds] [quiet]
wait_port() {
  local name="$1" port="$2" deadline=$((SECONDS + ${3:-120}))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    alive "$name" || { tail -20 "$RUN_DIR/$name.log" >&2; die "$name exited"; }
    (( SECONDS < deadline )) || die "$name: no answer on port $port"
    sleep 0.5
  done
  [[ ${4:-} == quiet ]] || log "$name: ready"
}

# stop_one <name>: TERM, then KILL after 10 s; returns once the process is gone.
stop_one() {
  local name="$1" pid _
  [[ -f "$RUN_DIR/$name.pid" ]] || return 0
  pid="$(pid_of "$name")"
  if alive "$name"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; log "$name: killed (pid $pid)"; else log "$name: stopped (pid $pid)"; fi
  fi
  rm -f "$RUN_DIR/$name.pid"
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
      stripe-mock) install_stripe_mock >/dev/null ;;
      mailpit) install_mailpit >/dev/null ;;
      all) install_stripe_mock >/dev/null; install_mailpit >/dev/null; prism_bin >/dev/null ;;
      *) die "unknown mock ${2}: stripe-mock or mailpit" ;;
    esac
    [[ "${2:-all}" == mailpit ]] || log "stripe-mock $STRIPE_MOCK_VERSION: $(stripe_mock_bin)"
    [[ "${2:-all}" == stripe-mock ]] || log "mailpit $MAILPIT_VERSION: $(mailpit_bin)" ;;
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
