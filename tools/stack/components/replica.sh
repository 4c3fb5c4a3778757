# A streaming replica of PostgreSQL on its own port: the second site, simulated (docs/dr.md). Made
# from the primary with pg_basebackup when it has no data directory, it follows the primary's WAL
# stream, and fetches from the pgBackRest archive what the stream no longer has (after a pause).
#
#   stack.sh failover   the primary is gone: the replica is promoted and takes the primary's place
#                       (its data directory and its address), so services and OpenBao, which reach
#                       the primary by address, reconnect to it; the next `up` makes a new replica.
REPLICA_PORT="$(port POSTGRES_REPLICA)"

replica_home() { pg_paths; echo "$(dirname "$PG_HOME")/replica"; }
replica_address() { echo "$HOST:$REPLICA_PORT (streaming from $HOST:$PG_PORT)"; }
replica_sync_pid() { daemon_adopt replica "$RUN" "$(replica_home)/data/postmaster.pid" || true; }
replica_psql() { pg_as_postgres "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$(replica_home)/run" -p "$REPLICA_PORT" -U postgres -d postgres "$@"; }

# A copy of the primary as it is now, told to follow it (-R: standby.signal and primary_conninfo,
# over the primary's private socket as `postgres`), and to read the archive when the stream lags.
replica_create() {
  local home data; home="$(replica_home)"; data="$home/data"
  log "replica: copying the primary (pg_basebackup)"
  mkdir -p "$home/run"; chown -R postgres: "$home"
  # A checkpoint of the primary between the copy's start and its WAL stream's start (the backup
  # agent's first full backup, say) can recycle a segment the copy needs: then it starts over.
  local attempt
  for attempt in 1 2 3; do
    rm -rf "$data"
    pg_as_postgres "$(pg_bindir)/pg_basebackup" -D "$data" -h "$(pg_sockdir)" -p "$PG_PORT" -U postgres -X stream -R \
      >"$LOGS/replica-basebackup.log" 2>&1 && break
    (( attempt < 3 )) || { cat "$LOGS/replica-basebackup.log" >&2; die "replica: pg_basebackup failed"; }
    log "replica: the copy failed ($(tail -n 1 "$LOGS/replica-basebackup.log")); again"
    sleep 2
  done
  # A primary that was once restored still carries pgBackRest's recovery target in its auto.conf
  # (ignored there); copied to a standby it would end recovery at that old target and promote it.
  sed -i '/^recovery_target/d; /^restore_command = /d' "$data/postgresql.auto.conf"
  echo "restore_command = 'pgbackrest --config=$(pgbr_conf) --stanza=$PGBR_STANZA --pg1-path=$data archive-get %f \"%p\"'" >> "$data/postgresql.auto.conf"
}

replica_start() {
  replica_sync_pid
  if running replica; then log "replica: already running (pid $(read_pid replica)) on $HOST:$REPLICA_PORT"; return 0; fi
  check_ports_free replica "$REPLICA_PORT"
  local home; home="$(replica_home)"
  [[ -s $home/data/PG_VERSION ]] || replica_create
  touch "$home/replica.log"; chown postgres: "$home/replica.log"; ln -sfn "$home/replica.log" "$LOGS/replica.log"
  printf '[stack] replica: starting on %s:%s ...' "$HOST" "$REPLICA_PORT"
  ( daemon_close_inherited_fds
    pg_as_postgres "$(pg_bindir)/pg_ctl" -D "$home/data" -l "$home/replica.log" -w -t 120 \
      -o "-p $REPLICA_PORT -k $home/run" start >/dev/null ) </dev/null || { echo; tail -n 20 "$home/replica.log" >&2; die "replica: failed to start"; }
  replica_sync_pid
  echo " ready (pid $(read_pid replica), streaming)"
}

replica_stop() {
  replica_sync_pid
  if ! running replica; then daemon_forget replica "$RUN"; log "replica: not running"; return 0; fi
  printf '[stack] replica: stopping pid %s ...' "$(read_pid replica)"
  pg_as_postgres "$(pg_bindir)/pg_ctl" -D "$(replica_home)/data" -m fast -w -t 60 stop >/dev/null
  daemon_reap replica "$RUN"
  echo " stopped"
}

replica_kill() {
  replica_sync_pid
  pg_as_postgres "$(pg_bindir)/pg_ctl" -D "$(replica_home)/data" -m immediate -w -t 60 stop >/dev/null
  daemon_reap replica "$RUN"
}

# The primary is lost: the replica, promoted (out of recovery, a new timeline, writable), moves into
# the primary's data directory and starts on the primary's port. What it had not received is lost:
# the replica's lag at the moment of failure is the RPO of this failover.
replica_failover() {
  replica_sync_pid
  running replica || die "failover: the replica is not running"
  pg_sync_pid
  running postgres && die "failover: the primary still runs (pid $(read_pid postgres)); lose it first (stack.sh lose postgres)"
  log "failover: promoting the replica"
  pg_as_postgres "$(pg_bindir)/pg_ctl" -D "$(replica_home)/data" -w -t 60 promote >/dev/null || die "failover: promote failed"
  replica_stop
  pg_paths
  rm -rf "$PG_HOME/data"; mv "$(replica_home)/data" "$PG_HOME/data"
  # Its settings were the primary's, plus what made it a replica: that goes.
  sed -i '/^restore_command = /d; /^primary_conninfo = /d' "$PG_HOME/data/postgresql.auto.conf"
  postgres_start
  log "failover: the promoted replica is the primary on $HOST:$PG_PORT; the next up makes a new replica"
}
