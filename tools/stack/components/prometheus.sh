# Prometheus from Debian's packages: scrapes the five services and evaluates the chart's alert rules.
PROMETHEUS_PORT="$(port PROMETHEUS)"
# Where it sends alerts (components/alertmanager.sh)
PROMETHEUS_ALERTMANAGER_PORT="$(port ALERTMANAGER)"
# The runbook links of the committed rules, and where the runbooks are in this checkout.
UPSTREAM_RUNBOOKS=https://github.com/ecotrack/ecotrack/blob/main/docs/runbooks/

prometheus_address() { echo "http://$HOST:$PROMETHEUS_PORT"; }

prometheus_ready() { curl -fsS -o /dev/null "http://$HOST:$PROMETHEUS_PORT/-/ready"; }

# The committed prometheus/prometheus.yml is the compose form (targets are compose service names);
# the native form targets 127.0.0.1 on each service's port of the port table (tools/ports.env, so
# ECOTRACK_<SERVICE>_PORT moves the target with the service), and alerts go to the local Alertmanager.
prometheus_config() {
  local rewrites=(-e "s/\"localhost:[0-9]+\"/\"$HOST:$PROMETHEUS_PORT\"/" -e "s/\"alertmanager:[0-9]+\"/\"$HOST:$PROMETHEUS_ALERTMANAGER_PORT\"/") s
  for s in "${SERVICES[@]}"; do rewrites+=(-e "s/\"$s-service:[0-9]+\"/\"$HOST:$(service_port "$s-service")\"/"); done
  sed -E "${rewrites[@]}" "$STACK_DIR/prometheus/prometheus.yml"
  # Only the native stack has the backup agent (components/backup.sh); compose has no backups.
  cat <<YAML

  - job_name: ecotrack-backup
    static_configs:
      - targets: ["$HOST:$(port BACKUP_AGENT)"]
        labels: { service: backup }
YAML
}

prometheus_start() {
  if running prometheus; then log "prometheus: already running (pid $(read_pid prometheus)) on $HOST:$PROMETHEUS_PORT"; return 0; fi
  check_ports_free prometheus "$PROMETHEUS_PORT"
  local dir="$STATE/prometheus"; mkdir -p "$dir/data"
  prometheus_config > "$dir/prometheus.yml"
  # The chart's alert rules, so local Prometheus evaluates the same alerts as the cluster's.
  # Their runbook_url links point at this checkout's docs/runbooks/ instead of the upstream repository.
  mkdir -p "$dir/rules"; rm -f "$dir/rules"/*.yaml
  local rules
  for rules in "$ROOT"/helm/ecotrack/files/prometheus-rules/*.yaml; do
    sed "s#runbook_url: $UPSTREAM_RUNBOOKS#runbook_url: file://$ROOT/docs/runbooks/#" "$rules" > "$dir/rules/$(basename "$rules")"
  done
  printf '[stack] prometheus: starting on %s:%s ...' "$HOST" "$PROMETHEUS_PORT"
  spawn prometheus "$dir" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="$HOST:$PROMETHEUS_PORT" --web.enable-lifecycle
  await prometheus 60 prometheus_ready
  echo " ready (pid $(read_pid prometheus))"
}
