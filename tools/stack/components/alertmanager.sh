# Alertmanager from Debian's packages (prometheus-alertmanager, which also brings amtool): the local
# Prometheus sends its alerts here, and every receiver of the committed routing posts to one local
# webhook, where a test (tests/e2e/alerting.e2e-spec.ts) or a developer (any HTTP listener on
# ALERT_WEBHOOK's port, path /alerts) reads them.
ALERTMANAGER_PORT="$(port ALERTMANAGER)"
ALERT_WEBHOOK_PORT="$(port ALERT_WEBHOOK)"
ALERTMANAGER_BIN=/usr/bin/prometheus-alertmanager

alertmanager_address() { echo "http://$HOST:$ALERTMANAGER_PORT (receivers -> http://$HOST:$ALERT_WEBHOOK_PORT/alerts)"; }

alertmanager_install() { apt_install prometheus-alertmanager; }

alertmanager_ready() { curl -fsS -o /dev/null "http://$HOST:$ALERTMANAGER_PORT/-/ready"; }

# alertmanager_config [webhook URL]: the committed routing (deploy/observability/alertmanager.yaml),
# its routes, grouping and inhibitions as they are, with the receivers (the file's last section)
# replaced by receivers of the same names that all post to the webhook. Locally only, a group's
# first notification waits 5 s instead of 30 s (group_wait) and its changes (a resolved alert)
# 10 s instead of 5 minutes (group_interval), so that a test sees an alert fire and resolve within
# a few minutes; repeat_interval stays as committed.
alertmanager_config() {
  local url="${1:-http://$HOST:$ALERT_WEBHOOK_PORT/alerts}" file="$ROOT/deploy/observability/alertmanager.yaml"
  awk -v url="$url" '
    /^receivers:/ { receivers = 1; print; next }
    receivers && /^  - name: / { print; print "    webhook_configs:"; print "      - url: " url; print "        send_resolved: true"; next }
    receivers { next }
    /^  group_wait: / { print "  group_wait: 5s"; next }
    /^  group_interval: / { print "  group_interval: 10s"; next }
    { print }
  ' "$file"
}

alertmanager_start() {
  if running alertmanager; then log "alertmanager: already running (pid $(read_pid alertmanager)) on $HOST:$ALERTMANAGER_PORT"; return 0; fi
  check_ports_free alertmanager "$ALERTMANAGER_PORT"
  [[ -x $ALERTMANAGER_BIN ]] || die "alertmanager: $ALERTMANAGER_BIN missing (run install)"
  local dir="$STATE/alertmanager"; mkdir -p "$dir/data"
  alertmanager_config > "$dir/alertmanager.yml"
  printf '[stack] alertmanager: starting on %s:%s ...' "$HOST" "$ALERTMANAGER_PORT"
  # No cluster (one instance): --cluster.listen-address= keeps it off its default port 9094.
  spawn alertmanager "$dir" "$ALERTMANAGER_BIN" --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
    --web.listen-address="$HOST:$ALERTMANAGER_PORT" --cluster.listen-address=
  await alertmanager 60 alertmanager_ready
  echo " ready (pid $(read_pid alertmanager))"
}
