# shellcheck shell=bash
# Apache Kafka in KRaft mode: one JVM that is both broker and controller, on 127.0.0.1.
# The jars come from Maven Central (test/env/kafka/pom.xml) into $CACHE/kafka-<version>/libs.
# Sourced by test/env/up and test/env/down.

KAFKA_LIBS="$CACHE/bin/kafka-$KAFKA_VERSION/libs"
KAFKA_DIR="$OUT/kafka"
KAFKA_LOG="$LOGS/kafka.log"
# One log directory per version: storage formatted by one release is not handed to another.
KAFKA_DATA="$KAFKA_DIR/data-$KAFKA_VERSION"

# Fetches the broker jars and their runtime dependencies once per version.
kafka_fetch() {
  if [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    log "kafka $KAFKA_VERSION: cached in $KAFKA_LIBS"
    return 0
  fi
  command -v mvn >/dev/null || die "Maven is not installed (expected the machine's Maven 3.8)"
  command -v java >/dev/null || die "Java is not installed (Kafka needs Java 17)"
  local tmp="$KAFKA_LIBS.partial"
  rm -rf "$tmp"
  mvn -B -f "$ENV_DIR/kafka/pom.xml" -Dmaven.repo.local="$CACHE/maven" \
    -Dkafka.version="$KAFKA_VERSION" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$LOGS/kafka-fetch.log" 2>&1 || {
    tail -n 30 "$LOGS/kafka-fetch.log" >&2
    die "Maven could not fetch Kafka $KAFKA_VERSION, see $LOGS/kafka-fetch.log"
  }
  [ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ] || die "Maven did not fetch kafka_2.13-$KAFKA_VERSION"
  mv -T "$tmp" "$KAFKA_LIBS"
}

# Writes server.properties. A static single voter (controller.quorum.voters) works on 3.9 and
# 4.x alike and is formatted without --standalone.
kafka_config() {
  mkdir -p "$KAFKA_DIR"
  cat >"$KAFKA_DIR/server.properties" <<PROPS
# Written by test/env/up; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests join and leave groups constantly: don't wait for more members before the first rebalance.
group.initial.rebalance.delay.ms=0
# Small, short-lived test data.
log.retention.hours=1
log.segment.bytes=16777216
PROPS
}

# Formats the storage directory on first start (kept across restarts, like a real broker).
kafka_format() {
  if [ -f "$KAFKA_DATA/meta.properties" ]; then
    return 0
  fi
  local id
  # A cluster id is 16 random bytes, base64url without padding — and, as Kafka's own Uuid.randomUuid
  # makes sure, not starting with "-": the tool's argument parser reads such an id as an option
  # (1 start in 64 failed so).
  id=-
  while [ "${id#-}" != "$id" ]; do
    id="$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format -t "$id" \
    -c "$KAFKA_DIR/server.properties" >>"$KAFKA_LOG" 2>&1 ||
    die "kafka storage format failed, see $KAFKA_LOG"
  log "formatted kafka storage (cluster id $id)"
}

kafka_ready() { port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_LOG"; }
# The running broker is the pinned version (a version bump restarts it).
kafka_current() { [ "$(cat "$KAFKA_DIR/running-version" 2>/dev/null)" = "$KAFKA_VERSION" ]; }

# kafka_start: starts the broker without waiting for it (the JVM takes 10-20 s on two cores, so
# `up` brings up the control plane meanwhile); kafka_wait then waits for readiness.
kafka_start() {
  if pid_alive kafka && kafka_current && kafka_ready; then
    log "kafka already running (pid $(cat "$PIDS/kafka.pid"))"
    return 0
  fi
  stop_pid kafka
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by a process we did not start"
  mkdir -p "$LOGS" && : >"$KAFKA_LOG"
  kafka_fetch
  kafka_config
  kafka_format
  # slf4j-simple's level; kafka.logs.dir keeps stray files in out/.
  start_bg kafka "$KAFKA_LOG" java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dkafka.logs.dir="$KAFKA_DIR" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  echo "$KAFKA_VERSION" >"$KAFKA_DIR/running-version"
}

kafka_wait() {
  wait_for "kafka on 127.0.0.1:$KAFKA_PORT" 120 kafka_ready || {
    tail -n 30 "$KAFKA_LOG" >&2
    die "kafka did not start, see $KAFKA_LOG"
  }
}

kafka_up() {
  kafka_start
  kafka_wait
}

kafka_down() { stop_pid kafka 30; }
