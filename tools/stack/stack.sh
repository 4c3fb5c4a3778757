#!/usr/bin/env bash
# EcoTrack local infrastructure: PostgreSQL, Redis, Kafka (KRaft), OpenBao, Alertmanager, Prometheus, Jaeger,
# the backups of PostgreSQL and OpenBao, and PostgreSQL's streaming replica.
#
#   tools/stack/stack.sh up|down|status|install|env
#   tools/stack/stack.sh start|stop|kill <component>   one component (fault tests: broker or database restarts)
#   tools/stack/stack.sh lose postgres|openbao|redis   the drills' disaster: killed, storage deleted
#   tools/stack/stack.sh failover                      the replica promoted into the lost primary's place (components/replica.sh)
#   tools/stack/stack.sh backup [full|diff|incr]       a backup now; restore [--to TIME] [--openbao] (components/backup.sh)
#
# Native mode (default): every component runs as a plain process bound to 127.0.0.1, with
# its data, logs and pid files under $ECOTRACK_STATE_DIR (default <repo>/.stack) and tool
# binaries cached under ${XDG_CACHE_HOME:-~/.cache}/ecotrack. Docker mode: where a Docker
# engine answers, the same infrastructure comes from docker-compose.yml instead.
# Either way, `up` ends by writing $STATE/stack.env (mode 600) for services and tests.
#
# Each component is a file in components/ that defines <name>_start and <name>_address, and where
# it needs them <name>_install, <name>_stop and <name>_kill (otherwise: the supervisor's TERM / KILL).
# Ports come from the port table, tools/ports.env (ECOTRACK_<COMPONENT>_PORT moves one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tools/stack/lib/common.sh"
source "$STACK_DIR/lib/stack-env.sh"
source "$STACK_DIR/lib/docker.sh"
# In start order; down stops them in reverse.
COMPONENTS=(postgres redis kafka openbao alertmanager prometheus jaeger backup replica)
for component in "${COMPONENTS[@]}"; do source "$STACK_DIR/components/$component.sh"; done

# component <name> <action>: the component's own function, or the supervisor's default.
component() {
  local c="$1" action="$2"
  if declare -F "${c}_$action" >/dev/null; then "${c}_$action"; return; fi
  case $action in
    install) ;;   # nothing beyond install_system's packages
    stop) stop_daemon "$c" ;;
    kill) daemon_kill "$c" "$RUN" ;;
  esac
}

cmd_install() {
  install_system
  local c
  for c in "${COMPONENTS[@]}"; do component "$c" install; done
  log "install: done (cache: $CACHE)"
}

cmd_up() {
  local t0=$SECONDS c
  mkdir -p "$STATE"
  if docker_available; then compose_up; return 0; fi
  cmd_install
  load_secrets
  for c in "${COMPONENTS[@]}"; do [[ $c == backup || $c == replica ]] || component "$c" start; done
  write_stack_env "$PG_PORT" "$REDIS_PORT" "$KAFKA_PORT" "$OPENBAO_PORT" "$PROMETHEUS_PORT" "$JAEGER_PORT" "$OTLP_HTTP_PORT" "$OTLP_GRPC_PORT"
  openbao_configure
  component backup start   # the repository's key is kept in the configured OpenBao
  component replica start  # last: it reads the archive the backup component set up
  log "up: all components ready in $((SECONDS - t0))s"
}

cmd_down() {
  if docker_available; then compose_down; return 0; fi
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do component "${COMPONENTS[i]}" stop; done
  log "down: done"
}

cmd_status() {
  if docker_available; then compose_status; return; fi
  mkdir -p "$RUN"
  pg_sync_pid 2>/dev/null || true
  local all=0 c
  for c in "${COMPONENTS[@]}"; do
    if running "$c"; then printf '%-12s %-8s pid %-8s %s\n' "$c" running "$(read_pid "$c")" "$("${c}_address")"
    else printf '%-12s %-8s %-12s %s\n' "$c" stopped "-" "$("${c}_address")"; all=3; fi
  done
  return $all
}

cmd_env() { echo "$STATE/stack.env"; }

# One component, native mode only: what the fault tests use to restart the broker or the database.
# `kill` is a crash: SIGKILL (PostgreSQL: an immediate shutdown, no checkpoint, recovery at start).
cmd_component() {
  local action="$1" c="${2:-}"
  [[ " ${COMPONENTS[*]} " == *" $c "* ]] || die "usage: stack.sh $action <${COMPONENTS[*]}>"
  docker_available && die "$action <component> is for the native stack (use docker compose with containers)"
  case $action in
    start) load_secrets; component "$c" start; if [[ $c == openbao && -f $STATE/stack.env ]]; then openbao_configure; fi ;;
    stop) component "$c" stop ;;
    kill) component "$c" kill; log "$c: killed" ;;
    lose) component_lose "$c" ;;
  esac
}

# The disaster of the recovery drills: the process crashes and its storage is gone (PostgreSQL's data
# directory with the WAL not yet archived, OpenBao's raft storage, Redis's files). A restore brings
# PostgreSQL and OpenBao back; Redis starts empty.
component_lose() {
  case $1 in
    postgres) component postgres kill; pg_paths; rm -rf "$PG_HOME/data" ;;
    openbao) component openbao kill; rm -rf "$STATE/openbao/data" ;;
    redis) component redis kill; rm -rf "$STATE/redis/data" ;;   # not backed up: sessions, cache, counters (docs/dr.md)
    *) die "lose: postgres, openbao or redis (Kafka's messages are re-driven from the outboxes, docs/dr.md)" ;;
  esac
  log "$1: lost (process killed, storage deleted)"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  install) cmd_install ;;
  env) cmd_env ;;
  start|stop|kill|lose) cmd_component "$1" "${2:-}" ;;
  backup) shift; load_secrets; backup_now "$@" ;;
  restore) shift; backup_restore "$@" ;;
  failover) load_secrets; replica_failover ;;
  *) echo "usage: $0 up|down|status|install|env|start|stop|kill|lose <component>|backup [full|diff|incr]|restore [--to TIME] [--openbao]|failover" >&2; exit 2 ;;
esac
