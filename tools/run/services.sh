#!/usr/bin/env bash
# Runs the five built services as background processes on loopback.
#   services.sh up | down | status [service...]   (default: all five)
#   services.sh env <service>   the environment a service starts with (one NAME=value a line)
# Each service gets only what it needs from .stack/stack.env: its own database
# URL (under the generic DATABASE_URL), Redis, Kafka and the OTLP endpoint; from
# .stack/providers.env (written by ./ecotrack up), payment-service its Stripe
# (stripe-mock) and notification-service its email provider (Mailpit over SMTP).
# `up` restarts a running service whose environment is no longer what it would get.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${ECOTRACK_STATE_DIR:-$ROOT/.stack}
source "$ROOT/tools/lib/daemon.sh"
source "$ROOT/tools/lib/ports.sh"
PROVIDERS=$STATE/providers.env
RUN=$STATE/run
LOGS=$STATE/logs
DAEMON_TAG=services
SERVICES=(user-service product-service order-service payment-service notification-service)
# From the port table (tools/ports.env); ECOTRACK_<SERVICE>_PORT (e.g. ECOTRACK_USER_SERVICE_PORT) moves one.
declare -A PORT
for svc in "${SERVICES[@]}"; do PORT[$svc]=$(service_port "$svc"); done

say() { printf '[services] %s\n' "$*"; }
pid_of() { daemon_pid "$1" "$RUN"; }
running() { daemon_alive "$1" "$RUN"; }

not_ready_yet() { say "$1: not ready yet: $(readiness "$1")"; }
ready() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:${PORT[$1]}/health/ready"; }
# What readiness answers: why a service is not ready (which dependency, which consumer group, the last error).
readiness() { curl -s --max-time 2 "http://127.0.0.1:${PORT[$1]}/health/ready" || echo "(no answer)"; }

# The environment of a service, one NAME=value a line: an allow-list, nothing inherited
# (PATH and HOME are added at start).
# Nothing secret goes into a service's environment: it gets OpenBao's address and its
# AppRole (role id = service name; the secret id is a mode-600 file that
# tools/openbao/configure.sh writes, as a service-account token is mounted in a cluster).
# Its database login (dynamic, rotating), the Redis password and the provider keys come
# from OpenBao. DATABASE_URL names only the server and database.
service_env() {
  local svc=$1 var
  var="$(tr 'a-z-' 'A-Z_' <<<"$svc")_DATABASE_URL"
  ( unset STRIPE_API_BASE SMTP_URL EMAIL_FROM
    . "$STATE/stack.env"; if [[ -f $PROVIDERS ]]; then . "$PROVIDERS"; fi
    printf '%s\n' NODE_ENV=development HOST=127.0.0.1 "PORT=${PORT[$svc]}" "LOG_LEVEL=${LOG_LEVEL:-info}" \
      "DATABASE_URL=$(sed -E 's#://[^@/]*@#://#' <<<"${!var}")" "KAFKA_BROKERS=$KAFKA_BROKERS" \
      "OPENBAO_ADDR=$OPENBAO_ADDR" "OPENBAO_ROLE=$svc" OPENBAO_ENVIRONMENT=local \
      "OPENBAO_SECRET_ID_FILE=$STATE/openbao/approle/$svc.secret-id" \
      "OTEL_EXPORTER_OTLP_ENDPOINT=$OTEL_EXPORTER_OTLP_ENDPOINT" \
      "PRODUCT_SERVICE_URL=http://127.0.0.1:${PORT[product-service]}" \
      "JWT_JWKS_URL=http://127.0.0.1:${PORT[user-service]}/.well-known/jwks.json" \
      "SHUTDOWN_DRAIN_DELAY_MS=${SHUTDOWN_DRAIN_DELAY_MS:-1000}"
    # On loopback every client is 127.0.0.1, one IP's budget: a load test raises the limits or turns
    # them off from the shell (loadtests/README.md); left unset, the services keep their defaults.
    for var in RATE_LIMIT_ENABLED RATE_LIMIT_IP_PER_MINUTE RATE_LIMIT_USER_PER_MINUTE; do
      if [[ -n ${!var:-} ]]; then printf '%s\n' "$var=${!var}"; fi
    done
    case $svc in
      payment-service)
        if [[ -n ${STRIPE_API_BASE:-} ]]; then printf '%s\n' "STRIPE_API_BASE=$STRIPE_API_BASE"; fi ;;
      notification-service)
        if [[ -n ${SMTP_URL:-} ]]; then printf '%s\n' EMAIL_PROVIDER=smtp "SMTP_URL=$SMTP_URL" "EMAIL_FROM=$EMAIL_FROM"; fi ;;
    esac )
}

config_changed() {
  local pid; pid=$(pid_of "$1")
  [[ -r /proc/$pid/environ ]] || return 1
  ! cmp -s <(tr '\0' '\n' <"/proc/$pid/environ" | grep -v -e '^PATH=' -e '^HOME=' | sort) <(service_env "$1" | sort)
}

start() {
  local svc=$1 lines vars
  lines=$(service_env "$svc")
  mapfile -t vars <<<"$lines"
  daemon_start "$svc" "$RUN" "$LOGS/$svc.log" "$ROOT" \
    env -i PATH="$PATH" HOME="$HOME" "${vars[@]}" node "$ROOT/dist/apps/$svc/src/main.js" || exit 1
  say "$svc: started (pid $(pid_of "$svc")) on http://127.0.0.1:${PORT[$svc]}, log $LOGS/$svc.log"
}

# The service drains and exits by itself within its grace period (30 s); then, force.
stop() {
  local svc=$1
  daemon_stop "$svc" "$RUN" 30
  case $DAEMON_STOPPED in
    term) say "$svc: stopped" ;;
    kill) say "$svc: killed after the grace period" ;;
  esac
}

up() {
  local svc
  [[ -f $STATE/stack.env ]] || { say "no $STATE/stack.env: start the infrastructure first (tools/stack/stack.sh up)"; exit 1; }
  [[ -f $PROVIDERS ]] || say "no $PROVIDERS: payment-service without Stripe, notification-service without email (./ecotrack up writes it)"
  for svc in "${SERVICES[@]}"; do
    if ! running "$svc"; then start "$svc"
    elif config_changed "$svc"; then say "$svc: its environment changed, restarting"; stop "$svc"; start "$svc"
    else say "$svc: already running (pid $(pid_of "$svc"))"; fi
  done
  # Ready means every dependency answers and every Kafka consumer has joined its group (a first
  # boot of Kafka creates its group coordinator only after a while): wait for that, saying why.
  local deadline=$((SECONDS + ${SERVICES_READY_TIMEOUT:-180}))
  for svc in "${SERVICES[@]}"; do
    DAEMON_PROGRESS=not_ready_yet daemon_await "$svc" "$RUN" "$LOGS/$svc.log" $((deadline > SECONDS ? deadline - SECONDS : 0)) ready "$svc" \
      || { say "$svc: not ready: $(readiness "$svc")"; exit 1; }
    say "$svc: ready"
  done
}

down() {
  local svc
  for svc in "${SERVICES[@]}"; do stop "$svc"; done
}

status() {
  local all=0
  for svc in "${SERVICES[@]}"; do
    if running "$svc"; then
      if ready "$svc"; then say "$svc: ready (pid $(pid_of "$svc")) http://127.0.0.1:${PORT[$svc]}"
      else say "$svc: running, NOT ready (pid $(pid_of "$svc")): $(readiness "$svc")"; all=3; fi
    else say "$svc: stopped"; all=3; fi
  done
  return $all
}

action=${1:-}; shift || true
# Named services only (./ecotrack bench restarts one at a time to time its start).
if (($#)); then
  for svc in "$@"; do [[ -n ${PORT[$svc]:-} ]] || { echo "unknown service: $svc" >&2; exit 64; }; done
  SERVICES=("$@")
fi
case $action in
  up) up ;;
  down) down ;;
  status) status ;;
  env) (($# == 1)) || { echo "usage: $0 env <service>" >&2; exit 64; }; service_env "$1" ;;
  *) echo "usage: $0 up|down|status [service...] | env <service>" >&2; exit 64 ;;
esac
