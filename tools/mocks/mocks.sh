#!/usr/bin/env bash
# Contract-faithful vendor mocks for payment-service tests and local runs.
#   install   build stripe-mock from the committed Go tools module (cached by version)
#   start     stripe-mock and Prism (PayPal Orders v2, Payments v2) on loopback ports
#   stop      stop what `start` started (by the pids it recorded)
#   status    show what is running
# Ports: STRIPE_MOCK_PORT (12111), PAYPAL_ORDERS_PORT (4010), PAYPAL_PAYMENTS_PORT (4011).
set -euo pipefail

MOCKS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$MOCKS_DIR/../.." && pwd)"
BIN="${ECOTRACK_BIN_CACHE:-$HOME/.cache/ecotrack/bin}"
RUN_DIR="${ECOTRACK_MOCKS_RUN_DIR:-$HOME/.cache/ecotrack/mocks}"
SPECS="${ECOTRACK_VENDOR_APIS:-$ROOT/../shared/vendor-apis}"

STRIPE_MOCK_PORT="${STRIPE_MOCK_PORT:-12111}"
PAYPAL_ORDERS_PORT="${PAYPAL_ORDERS_PORT:-4010}"
PAYPAL_PAYMENTS_PORT="${PAYPAL_PAYMENTS_PORT:-4011}"

log() { printf '[mocks] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The version pinned in the tools module's go.mod is the cache key.
STRIPE_MOCK_VERSION="$(awk '$1=="github.com/stripe/stripe-mock" {print $2; exit}' "$MOCKS_DIR/go/stripe-mock/go.mod")"
[[ -n "$STRIPE_MOCK_VERSION" ]] || die "no github.com/stripe/stripe-mock version in go/stripe-mock/go.mod"
stripe_mock_bin() { echo "$BIN/stripe-mock-$STRIPE_MOCK_VERSION"; }

install_stripe_mock() {
  local out tmp
  out="$(stripe_mock_bin)"
  [[ -x "$out" ]] && { echo "$out"; return 0; }
  command -v go >/dev/null || die "go is needed to build stripe-mock $STRIPE_MOCK_VERSION (not cached in $BIN)"
  log "stripe-mock: building $STRIPE_MOCK_VERSION with go (once; cached in $BIN)"
  # Built from a copy so `go` never rewrites the committed go.mod/go.sum.
  tmp="$(mktemp -d)"; cp "$MOCKS_DIR/go/stripe-mock"/go.* "$tmp/"
  mkdir -p "$BIN"
  if ( cd "$tmp" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w' -o "$out.tmp.$$" github.com/stripe/stripe-mock ) \
       >"$tmp/build.log" 2>&1; then
    mv -f "$out.tmp.$$" "$out"; rm -rf "$tmp"; echo "$out"; return 0
  fi
  cat "$tmp/build.log" >&2; rm -rf "$tmp" "$out.tmp.$$"
  die "stripe-mock: go build failed"
}

prism_bin() {
  local p="$ROOT/node_modules/@stoplight/prism-cli/dist/index.js"
  [[ -f "$p" ]] || die "Prism is missing: run npm ci (it is a devDependency)"
  echo "$p"
}

# start_one <name> <port> <command...>: background process, pid and log under RUN_DIR.
start_one() {
  local name="$1" port="$2"; shift 2
  mkdir -p "$RUN_DIR"
  if [[ -f "$RUN_DIR/$name.pid" ]] && kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
    log "$name: already running (pid $(cat "$RUN_DIR/$name.pid"))"; return 0
  fi
  nohup "$@" >"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  log "$name: pid $!, http://127.0.0.1:$port (log $RUN_DIR/$name.log)"
}

wait_port() {
  local name="$1" port="$2" deadline=$((SECONDS + ${3:-120}))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null || { tail -20 "$RUN_DIR/$name.log" >&2; die "$name exited"; }
    (( SECONDS < deadline )) || die "$name: no answer on port $port"
    sleep 0.5
  done
  log "$name: ready"
}

stop_one() {
  local name="$1" pid
  [[ -f "$RUN_DIR/$name.pid" ]] || return 0
  pid="$(cat "$RUN_DIR/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then kill "$pid" && log "$name: stopped (pid $pid)"; fi
  rm -f "$RUN_DIR/$name.pid"
}

case "${1:-}" in
  install)
    install_stripe_mock >/dev/null
    prism_bin >/dev/null
    log "stripe-mock $STRIPE_MOCK_VERSION: $(stripe_mock_bin)" ;;
  start)
    sm="$(install_stripe_mock)"; prism="$(prism_bin)"
    start_one stripe-mock "$STRIPE_MOCK_PORT" "$sm" -http-addr "127.0.0.1:$STRIPE_MOCK_PORT" -https-addr "127.0.0.1:$((STRIPE_MOCK_PORT + 1))"
    start_one paypal-orders "$PAYPAL_ORDERS_PORT" node "$prism" mock -h 127.0.0.1 -p "$PAYPAL_ORDERS_PORT" "$SPECS/paypal/checkout_orders_v2.json"
    start_one paypal-payments "$PAYPAL_PAYMENTS_PORT" node "$prism" mock -h 127.0.0.1 -p "$PAYPAL_PAYMENTS_PORT" "$SPECS/paypal/payments_payment_v2.json"
    wait_port stripe-mock "$STRIPE_MOCK_PORT" 30
    # Prism needs ~25 s per PayPal spec on 2 cores.
    wait_port paypal-orders "$PAYPAL_ORDERS_PORT" 180
    wait_port paypal-payments "$PAYPAL_PAYMENTS_PORT" 180
    # payment-service can use stripe-mock directly. Prism serves one spec per port and has no
    # OAuth token endpoint, so PayPal needs a front (see apps/payment-service/test/paypal-gateway.int-spec.ts).
    cat <<ENV
STRIPE_API_BASE=http://127.0.0.1:$STRIPE_MOCK_PORT
STRIPE_SECRET_KEY=sk_test_mock
# PayPal Orders v2 mock:   http://127.0.0.1:$PAYPAL_ORDERS_PORT
# PayPal Payments v2 mock: http://127.0.0.1:$PAYPAL_PAYMENTS_PORT
ENV
    ;;
  stop)
    stop_one paypal-payments; stop_one paypal-orders; stop_one stripe-mock ;;
  status)
    for n in stripe-mock paypal-orders paypal-payments; do
      if [[ -f "$RUN_DIR/$n.pid" ]] && kill -0 "$(cat "$RUN_DIR/$n.pid")" 2>/dev/null; then echo "$n: running (pid $(cat "$RUN_DIR/$n.pid"))"; else echo "$n: stopped"; fi
    done ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
