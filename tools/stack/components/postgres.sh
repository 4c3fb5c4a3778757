# PostgreSQL 15 from Debian's packages: its own cluster, run as the OS user `postgres`, one login role
# and one database per service plus the superuser ecotrack_admin (migrations and tests).
PG_PORT="$(port POSTGRES)"

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/initdb" ]] && { echo "$d"; return 0; }; done
  return 1
}

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
# pg_ctl daemonizes postgres, which writes its own pid file: record the process it names, so
# status and down treat PostgreSQL like every other component.
pg_sync_pid() {
  pg_paths
  daemon_adopt postgres "$RUN" "$PG_HOME/data/postmaster.pid" || true
}

postgres_address() { echo "$HOST:$PG_PORT"; }

postgres_start() {
  pg_paths
  local bindir data="$PG_HOME/data"; bindir="$(pg_bindir)" || die "postgres: server binaries not found (run install)"
  pg_sync_pid
  if running postgres; then log "postgres: already running (pid $(read_pid postgres)) on $HOST:$PG_PORT"; return 0; fi
  check_ports_free postgres "$PG_PORT"
  mkdir -p "$PG_HOME/run" "$RUN" "$LOGS"
  chown postgres: "$PG_HOME" "$PG_HOME/run"
  pg_as_postgres test -w "$PG_HOME" || die "postgres: user 'postgres' cannot write $PG_HOME; set ECOTRACK_STATE_DIR"
  if [[ ! -s "$data/PG_VERSION" ]]; then
    log "postgres: initdb in $data"
    # Password-less bootstrap only over the private unix socket (peer auth for 'postgres');
    # every TCP login needs scram-sha-256.
    pg_as_postgres "$bindir/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$LOGS/postgres-initdb.log" 2>&1 || die "postgres: initdb failed (see $LOGS/postgres-initdb.log)"
    cat >> "$data/postgresql.conf" <<CONF
# --- EcoTrack local stack ---
listen_addresses = '$HOST'
unix_socket_directories = '$(pg_sockdir)'
password_encryption = 'scram-sha-256'
max_connections = 200
CONF
  fi
  pg_preload_statements "$data/postgresql.conf"
  pg_archive_to_repository "$data/postgresql.conf"
  pg_keep_wal_for_replica "$data/postgresql.conf"
  printf '[stack] postgres: starting on %s:%s ...' "$HOST" "$PG_PORT"
  # The server writes its log where it can reach; $LOGS/postgres.log points there.
  touch "$PG_HOME/postgres.log"; chown postgres: "$PG_HOME/postgres.log"
  ln -sfn "$PG_HOME/postgres.log" "$LOGS/postgres.log"
  # pg_ctl daemonizes postgres (own session); -w waits until it accepts connections.
  ( daemon_close_inherited_fds
    pg_as_postgres "$bindir/pg_ctl" -D "$data" -l "$PG_HOME/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $(pg_sockdir)" start >/dev/null ) </dev/null || { echo; tail -n 20 "$PG_HOME/postgres.log" >&2; die "postgres: failed to start"; }
  pg_sync_pid
  # After a restore (components/backup.sh) the server answers read-only until it has replayed the WAL.
  local i; for i in $(seq 1 600); do
    pg_recovering || break
    pg_sync_pid; running postgres || { echo; tail -n 5 "$PG_HOME/postgres.log" >&2; die "postgres: stopped during recovery"; }
    sleep 0.5
  done
  pg_recovering && die "postgres: still recovering after 5 minutes (see $LOGS/postgres.log)"
  echo " ready (pid $(read_pid postgres))"
  postgres_bootstrap
  postgres_enable_statements
}

# pg_stat_statements (shipped with Debian's server package) records every statement's calls and
# time: the query-level view the service metrics lack. Loading it needs a server start, so the
# setting is added before every start, once, also to a data dir made before it existed.
pg_preload_statements() {
  local conf="$1"
  grep -q "^shared_preload_libraries *= *'pg_stat_statements'" "$conf" && return 0
  cat >> "$conf" <<CONF
# --- EcoTrack: per-statement statistics (docs/observability/metrics.md) ---
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
CONF
}

# Continuous archiving into the backup repository (components/backup.sh, docs/dr.md): every WAL
# segment, and at least every 30 s while anything is written, so a restore loses at most about that
# much (the RPO goal is 60 s). Until the backup component has written its configuration, archiving
# fails and PostgreSQL keeps the segments: nothing is skipped.
pg_archive_to_repository() {
  local conf="$1"
  grep -q "^archive_mode *= *on" "$conf" && return 0
  cat >> "$conf" <<CONF
# --- EcoTrack: WAL archived to the pgBackRest repository (docs/dr.md) ---
archive_mode = on
archive_command = '$(pgbr_archive_command)'
archive_timeout = 30s
CONF
}

# The replica (components/replica.sh) and its first copy need recent segments the primary would
# otherwise recycle at a checkpoint; whatever is older, the replica reads from the archive.
pg_keep_wal_for_replica() {
  local conf="$1"
  grep -q "^wal_keep_size" "$conf" && return 0
  echo "wal_keep_size = 256MB   # EcoTrack: for the streaming replica (components/replica.sh)" >> "$conf"
}

# The view in each service database (idempotent: every start checks).
postgres_enable_statements() {
  local s
  for s in postgres "${SERVICES[@]/#/ecotrack_}"; do
    echo "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_stat_statements;" | pg_psql -d "$s" >/dev/null
  done
}

# Until recovery ends (or while the server does not answer yet).
pg_recovering() { [[ "$(pg_psql -d postgres -At -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" != f ]]; }

# Once per cluster: one login role + one database per service, and a superuser admin.
postgres_bootstrap() {
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

# Without the server binaries or the OS user (a machine that never installed), only the record is left.
postgres_stop() {
  pg_bindir >/dev/null && id postgres >/dev/null 2>&1 || { stop_daemon postgres; return; }
  pg_sync_pid
  if ! running postgres; then daemon_forget postgres "$RUN"; log "postgres: not running"; return 0; fi
  local pid; pid="$(read_pid postgres)"
  printf '[stack] postgres: stopping pid %s ...' "$pid"
  pg_as_postgres "$(pg_bindir)/pg_ctl" -D "$PG_HOME/data" -m fast -w -t 60 stop >/dev/null
  local _; for _ in $(seq 1 40); do running postgres || break; sleep 0.25; done
  daemon_reap postgres "$RUN"
  echo " stopped"
}

# A crash: an immediate shutdown (no checkpoint; recovery at the next start).
postgres_kill() {
  pg_sync_pid
  pg_as_postgres "$(pg_bindir)/pg_ctl" -D "$(pg_home)/data" -m immediate -w -t 60 stop >/dev/null
  daemon_reap postgres "$RUN"
}
