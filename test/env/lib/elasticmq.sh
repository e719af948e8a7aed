# shellcheck shell=bash
# ElasticMQ: an SQS-compatible queue server (Apache-2.0), one JVM on 127.0.0.1, in memory.
# The jars come from Maven Central (test/env/elasticmq/pom.xml) into $CACHE/bin/elasticmq-<version>.
# Queues are whatever the suites create (each with a unique name); nothing persists across a
# restart. Sourced by test/env/up and test/env/down.

ELASTICMQ_LIBS="$CACHE/bin/elasticmq-$ELASTICMQ_VERSION/libs"
ELASTICMQ_DIR="$OUT/elasticmq"
ELASTICMQ_LOG="$LOGS/elasticmq.log"

# Fetches the server jars and their runtime dependencies once per version.
elasticmq_fetch() {
  if [ -f "$ELASTICMQ_LIBS/elasticmq-server_2.13-$ELASTICMQ_VERSION.jar" ]; then
    log "elasticmq $ELASTICMQ_VERSION: cached in $ELASTICMQ_LIBS"
    return 0
  fi
  command -v mvn >/dev/null || die "Maven is not installed (expected the machine's Maven 3.8)"
  command -v java >/dev/null || die "Java is not installed (ElasticMQ needs Java 11+)"
  local tmp="$ELASTICMQ_LIBS.partial"
  rm -rf "$tmp"
  mvn -B -f "$ENV_DIR/elasticmq/pom.xml" -Dmaven.repo.local="$CACHE/maven" \
    -Delasticmq.version="$ELASTICMQ_VERSION" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$LOGS/elasticmq-fetch.log" 2>&1 || {
    tail -n 30 "$LOGS/elasticmq-fetch.log" >&2
    die "Maven could not fetch ElasticMQ $ELASTICMQ_VERSION, see $LOGS/elasticmq-fetch.log"
  }
  [ -f "$tmp/elasticmq-server_2.13-$ELASTICMQ_VERSION.jar" ] ||
    die "Maven did not fetch elasticmq-server_2.13-$ELASTICMQ_VERSION"
  mkdir -p "$(dirname "$ELASTICMQ_LIBS")"
  mv -T "$tmp" "$ELASTICMQ_LIBS"
}

# Writes the server's HOCON config: the SQS REST API on loopback, queue URLs naming that
# address, AWS's limits (strict), the account and region Lamina's ARNs use by default.
elasticmq_config() {
  mkdir -p "$ELASTICMQ_DIR"
  cat >"$ELASTICMQ_DIR/elasticmq.conf" <<CONF
# Written by test/env/up; edits are overwritten.
include classpath("application.conf")
node-address {
  protocol = http
  host = "127.0.0.1"
  port = $ELASTICMQ_PORT
  context-path = ""
}
generate-node-address = false
rest-sqs {
  enabled = true
  bind-port = $ELASTICMQ_PORT
  bind-hostname = "127.0.0.1"
  sqs-limits = strict
}
rest-stats { enabled = false }
aws {
  region = us-east-1
  accountId = 000000000000
}
CONF
}

elasticmq_ready() { port_open "$ELASTICMQ_PORT" && grep -q 'ElasticMQ server .* started' "$ELASTICMQ_LOG"; }
elasticmq_current() {
  [ "$(cat "$ELASTICMQ_DIR/running-version" 2>/dev/null)" = "$ELASTICMQ_VERSION" ]
}

elasticmq_up() {
  if pid_alive elasticmq && elasticmq_current && elasticmq_ready; then
    log "elasticmq already running (pid $(cat "$PIDS/elasticmq.pid"))"
    return 0
  fi
  stop_pid elasticmq
  port_open "$ELASTICMQ_PORT" && die "port $ELASTICMQ_PORT is taken by a process we did not start"
  mkdir -p "$LOGS" && : >"$ELASTICMQ_LOG"
  elasticmq_fetch
  elasticmq_config
  start_bg elasticmq "$ELASTICMQ_LOG" java -Xms64m -Xmx384m -XX:+UseSerialGC \
    -Djava.awt.headless=true -Dconfig.file="$ELASTICMQ_DIR/elasticmq.conf" \
    -cp "$ELASTICMQ_LIBS/*" org.elasticmq.server.Main
  echo "$ELASTICMQ_VERSION" >"$ELASTICMQ_DIR/running-version"
  wait_for "elasticmq on 127.0.0.1:$ELASTICMQ_PORT" 90 elasticmq_ready || {
    tail -n 30 "$ELASTICMQ_LOG" >&2
    die "elasticmq did not start, see $ELASTICMQ_LOG"
  }
}

elasticmq_down() { stop_pid elasticmq 20; }
