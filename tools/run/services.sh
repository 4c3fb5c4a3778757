#!/usr/bin/env bash
# Runs the five built services as background processes on loopback.
#   services.sh up | down | status
# Each service gets only what it needs from .stack/stack.env: its own database
# URL (under the generic DATABASE_URL), Redis, Kafka and the OTLP endpoint.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${ECOTRACK_STATE_DIR:-$ROOT/.stack}
RUN=$STATE/run
LOGS=$STATE/logs
SERVICES=(user-service product-service order-service payment-service notification-service)
declare -A PORT=([user-service]=3001 [product-service]=3002 [order-service]=3003 [payment-service]=3004 [notification-service]=3005)

say() { printf '[services] %s\n' "$*"; }
pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

# True when the pid file names a live process that is this service (not a reused pid).
running() {
  local pid; pid=$(pid_of "$1")
  [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "dist/apps/$1/src/main.js"
}

ready() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:${PORT[$1]}/health/ready"; }

start() {
  local svc=$1 var
  var="$(tr 'a-z-' 'A-Z_' <<<"$svc")_DATABASE_URL"
  mkdir -p "$RUN" "$LOGS"
  # shellcheck disable=SC1091
  ( set -a; . "$STATE/stack.env"; set +a
    exec env -i PATH="$PATH" HOME="$HOME" \
      NODE_ENV=development HOST=127.0.0.1 PORT="${PORT[$svc]}" LOG_LEVEL="${LOG_LEVEL:-info}" \
      DATABASE_URL="${!var}" REDIS_URL="$REDIS_URL" KAFKA_BROKERS="$KAFKA_BROKERS" \
      OTEL_EXPORTER_OTLP_ENDPOINT="$OTEL_EXPORTER_OTLP_ENDPOINT" \
      PRODUCT_SERVICE_URL="http://127.0.0.1:${PORT[product-service]}" \
      JWT_JWKS_URL="http://127.0.0.1:${PORT[user-service]}/.well-known/jwks.json" \
      SHUTDOWN_DRAIN_DELAY_MS="${SHUTDOWN_DRAIN_DELAY_MS:-1000}" \
      setsid node "$ROOT/dist/apps/$svc/src/main.js" >>"$LOGS/$svc.log" 2>&1 </dev/null &
    echo $! >"$RUN/$svc.pid" )
  say "$svc: started (pid $(pid_of "$svc")) on http://127.0.0.1:${PORT[$svc]}, log $LOGS/$svc.log"
}

up() {
  [[ -f $STATE/stack.env ]] || { say "no $STATE/stack.env: start the infrastructure first (tools/stack/stack.sh up)"; exit 1; }
  for svc in "${SERVICES[@]}"; do
    if running "$svc"; then say "$svc: already running (pid $(pid_of "$svc"))"; else start "$svc"; fi
  done
  local deadline=$((SECONDS + ${SERVICES_READY_TIMEOUT:-120}))
  for svc in "${SERVICES[@]}"; do
    until ready "$svc"; do
      running "$svc" || { say "$svc: exited during start-up; last log lines:"; tail -n 20 "$LOGS/$svc.log" >&2; exit 1; }
      (( SECONDS < deadline )) || { say "$svc: not ready in time; last log lines:"; tail -n 20 "$LOGS/$svc.log" >&2; exit 1; }
      sleep 0.5
    done
    say "$svc: ready"
  done
}

down() {
  for svc in "${SERVICES[@]}"; do
    if running "$svc"; then
      local pid; pid=$(pid_of "$svc")
      kill -TERM "$pid"
      # The service drains and exits by itself within its grace period; then, force.
      for _ in $(seq 1 300); do running "$svc" || break; sleep 0.1; done
      if running "$svc"; then kill -KILL "$pid"; say "$svc: killed after the grace period"; else say "$svc: stopped"; fi
    fi
    rm -f "$RUN/$svc.pid"
  done
}

status() {
  local all=0
  for svc in "${SERVICES[@]}"; do
    if running "$svc"; then
      if ready "$svc"; then say "$svc: ready (pid $(pid_of "$svc")) http://127.0.0.1:${PORT[$svc]}"
      else say "$svc: running, NOT ready (pid $(pid_of "$svc"))"; all=3; fi
    else say "$svc: stopped"; all=3; fi
  done
  return $all
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 64 ;;
esac
