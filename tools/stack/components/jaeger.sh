# Jaeger v2, in memory: receives the services' traces over OTLP and answers the query API. Built with
# Go from the tools module go/jaeger (the version it pins is the cache key).
JAEGER_PORT="$(port JAEGER)"
JAEGER_GRPC_PORT="$(port JAEGER_GRPC)"     # query gRPC API (jaeger needs one)
JAEGER_HEALTH_PORT="$(port JAEGER_HEALTH)"
OTLP_GRPC_PORT="$(port OTLP_GRPC)"
OTLP_HTTP_PORT="$(port OTLP_HTTP)"
JAEGER_VERSION="$(go_tool_version "$STACK_DIR/go/jaeger" github.com/jaegertracing/jaeger)"

jaeger_address() { echo "http://$HOST:$JAEGER_PORT (OTLP grpc $OTLP_GRPC_PORT, http $OTLP_HTTP_PORT)"; }

jaeger_bin() { echo "$BIN/jaeger-$JAEGER_VERSION"; }

jaeger_install() {
  [[ -x "$(jaeger_bin)" ]] && return 0
  log "jaeger: building $JAEGER_VERSION with go (several minutes on 2 cores, once)"
  go_tool_build "$STACK_DIR/go/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger "$(jaeger_bin)" || die "jaeger: go build failed"
}

jaeger_ready() { curl -fsS -o /dev/null "http://$HOST:$JAEGER_PORT/api/services"; }

jaeger_start() {
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
  await jaeger 60 jaeger_ready
  echo " ready (pid $(read_pid jaeger))"
}
