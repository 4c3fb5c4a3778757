# Docker mode: where a Docker engine answers, the same infrastructure comes from docker-compose.yml.

INFRA_SERVICES=(postgres redis kafka openbao alertmanager prometheus jaeger)

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
    echo "ALERTMANAGER_CONFIG=$STATE/alertmanager/alertmanager.yml"
  } | write_private "$STATE/compose.env"
  # Alertmanager's receivers all post to the host's webhook port (components/alertmanager.sh);
  # no secret in it, readable by the container's user.
  mkdir -p "$STATE/alertmanager"
  alertmanager_config "http://host.docker.internal:$(port_default ALERT_WEBHOOK)/alerts" > "$STATE/alertmanager/alertmanager.yml"
  chmod 644 "$STATE/alertmanager/alertmanager.yml"
  log "docker engine found: starting infrastructure with docker compose"
  compose up -d --wait "${INFRA_SERVICES[@]}"
  # Compose publishes the port table's ports on 127.0.0.1 (tests/repo/ports.spec.ts checks that it does);
  # the admin role there is the image's superuser.
  write_stack_env "$(port_default POSTGRES)" "$(port_default REDIS)" "$(port_default KAFKA)" "$(port_default OPENBAO)" \
    "$(port_default PROMETHEUS)" "$(port_default JAEGER)" "$(port_default OTLP_HTTP)" "$(port_default OTLP_GRPC)"
}

compose_down() { if [[ -f "$STATE/compose.env" ]]; then compose down; fi; }

compose_status() {
  [[ -f "$STATE/compose.env" ]] || { log "docker compose stack not started"; return 3; }
  compose ps
  (( $(compose ps --status running --services | wc -l) >= ${#INFRA_SERVICES[@]} )) || return 3
  return 0
}
