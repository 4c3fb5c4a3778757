# Redis from Debian's packages: a password (generated), append-only file on.
REDIS_PORT="$(port REDIS)"

redis_address() { echo "$HOST:$REDIS_PORT"; }

redis_ping() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$HOST" -p "$REDIS_PORT" ping | grep -qx PONG; }

redis_start() {
  if running redis; then log "redis: already running (pid $(read_pid redis)) on $HOST:$REDIS_PORT"; return 0; fi
  check_ports_free redis "$REDIS_PORT"
  mkdir -p "$STATE/redis/data"
  # The config holds the password: generated, mode 600, state dir only.
  write_private "$STATE/redis/redis.conf" <<CONF
bind $HOST
port $REDIS_PORT
protected-mode yes
daemonize no
requirepass $REDIS_PASSWORD
dir $STATE/redis/data
appendonly yes
save 60 1000
logfile ""
CONF
  printf '[stack] redis: starting on %s:%s ...' "$HOST" "$REDIS_PORT"
  spawn redis "$STATE/redis/data" redis-server "$STATE/redis/redis.conf"
  await redis 30 redis_ping
  echo " ready (pid $(read_pid redis))"
}
