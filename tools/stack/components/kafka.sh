# Apache Kafka 4 in KRaft mode, one node (broker and only controller): its jars resolved by Maven from
# kafka/pom.xml into the cache, run with the JDK.
KAFKA_PORT="$(port KAFKA)"
KAFKA_CONTROLLER_PORT="$(port KAFKA_CONTROLLER)"
KAFKA_VERSION="${ECOTRACK_KAFKA_VERSION:-4.4.0}"   # 4.1.1 works with kafkajs 2.2.4 too

kafka_address() { echo "$HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"; }

# keyed by version and pom content, so editing the pom (e.g. the log4j binding) re-resolves
kafka_libs() { echo "$CACHE/kafka-$KAFKA_VERSION-$(sha256sum "$STACK_DIR/kafka/pom.xml" | cut -c1-8)/libs"; }

kafka_install() {
  local libs; libs="$(kafka_libs)"
  [[ -f "$libs/.complete" ]] && return 0
  log "kafka: resolving $KAFKA_VERSION jars with maven into $libs"
  rm -rf "$libs"; mkdir -p "$libs"
  mkdir -p "$LOGS"
  mvn -q -B -Dstyle.color=never -f "$STACK_DIR/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$libs" >"$LOGS/kafka-mvn.log" 2>&1 \
    || { tail -n 20 "$LOGS/kafka-mvn.log" >&2; die "kafka: maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"; }
  touch "$libs/.complete"
}

kafka_java() {
  java -Xmx256m -cp "$(kafka_libs)/*" -Dlog4j2.configurationFile="$STATE/kafka/log4j2-tools.properties" "$@"
}
# Real protocol check: an ApiVersions round trip with the broker.
kafka_ready() {
  port_taken "$KAFKA_PORT" || return 1
  kafka_java org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$HOST:$KAFKA_PORT" >/dev/null 2>&1
}

kafka_start() {
  if running kafka; then log "kafka: already running (pid $(read_pid kafka)) on $HOST:$KAFKA_PORT"; return 0; fi
  check_ports_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  [[ -f "$(kafka_libs)/.complete" ]] || die "kafka: jars for $KAFKA_VERSION not in cache (run install)"
  local dir="$STATE/kafka"; mkdir -p "$dir/data" "$LOGS"   # a fresh state dir too (start kafka alone)
  # Single-node KRaft: this process is both broker and (only) controller.
  cat > "$dir/server.properties" <<CONF
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
CONF
  cat > "$dir/log4j2.properties" <<'CONF'
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
CONF
  printf 'status = error\nrootLogger.level = error\n' > "$dir/log4j2-tools.properties"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    log "kafka: formatting storage (cluster id from secrets.env)"
    kafka_java kafka.tools.StorageTool format --cluster-id="$KAFKA_CLUSTER_ID" -c "$dir/server.properties" \
      >"$LOGS/kafka-format.log" 2>&1 || die "kafka: storage format failed (see $LOGS/kafka-format.log)"
  fi
  printf '[stack] kafka: starting %s on %s:%s (controller %s) ...' "$KAFKA_VERSION" "$HOST" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  spawn kafka "$dir" java -Xms512m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$(kafka_libs)/*" kafka.Kafka "$dir/server.properties"
  await kafka 120 kafka_ready
  echo " ready (pid $(read_pid kafka))"
}
