# Prometheus from Debian's packages: scrapes the five services and evaluates the chart's alert rules.
PROMETHEUS_PORT="$(port PROMETHEUS)"

prometheus_address() { echo "http://$HOST:$PROMETHEUS_PORT"; }

prometheus_ready() { curl -fsS -o /dev/null "http://$HOST:$PROMETHEUS_PORT/-/ready"; }

# The committed prometheus/prometheus.yml is the compose form (targets are compose service names);
# the native form targets 127.0.0.1 on each service's port of the port table (tools/ports.env, so
# ECOTRACK_<SERVICE>_PORT moves the target with the service).
prometheus_config() {
  local rewrites=(-e "s/\"localhost:[0-9]+\"/\"$HOST:$PROMETHEUS_PORT\"/") s
  for s in "${SERVICES[@]}"; do rewrites+=(-e "s/\"$s-service:[0-9]+\"/\"$HOST:$(service_port "$s-service")\"/"); done
  sed -E "${rewrites[@]}" "$STACK_DIR/prometheus/prometheus.yml"
}

prometheus_start() {
  if running prometheus; then log "prometheus: already running (pid $(read_pid prometheus)) on $HOST:$PROMETHEUS_PORT"; return 0; fi
  check_ports_free prometheus "$PROMETHEUS_PORT"
  local dir="$STATE/prometheus"; mkdir -p "$dir/data"
  prometheus_config > "$dir/prometheus.yml"
  # The chart's alert rules, so local Prometheus evaluates the same alerts as the cluster's.
  mkdir -p "$dir/rules"; rm -f "$dir/rules"/*.yaml; cp "$ROOT"/helm/ecotrack/files/prometheus-rules/*.yaml "$dir/rules/"
  printf '[stack] prometheus: starting on %s:%s ...' "$HOST" "$PROMETHEUS_PORT"
  spawn prometheus "$dir" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="$HOST:$PROMETHEUS_PORT" --web.enable-lifecycle
  await prometheus 60 prometheus_ready
  echo " ready (pid $(read_pid prometheus))"
}
