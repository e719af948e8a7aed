# shellcheck shell=bash
# The observability binaries: an OpenTelemetry Collector (OTLP in, spans to a JSON-lines file) and
# Prometheus + promtool, built from their Go modules by lib/build-go.sh (cached by version) and
# linked into $OUT/bin ($LAMINA_TEST_BIN). Nothing runs here: each suite starts its own collector
# and Prometheus on free ports with its own config (test/observability/support), so parallel
# suites never read each other's spans or scrape each other's processes.

OTELCOL_BIN="$CACHE/bin/otelcol-v$OTELCOL_VERSION"
PROMETHEUS_BIN="$CACHE/bin/prometheus-v$PROMETHEUS_VERSION"

observability_cached() {
  [ -x "$OTELCOL_BIN/otelcol" ] && [ -x "$PROMETHEUS_BIN/prometheus" ] &&
    [ -x "$PROMETHEUS_BIN/promtool" ]
}

observability_up() {
  if ! observability_cached; then
    # Explicit returns: `step` runs this under `||`, where set -e does not stop a function.
    "$ENV_DIR/lib/build-go.sh" otelcol || return 1
    "$ENV_DIR/lib/build-go.sh" prometheus || return 1
  fi
  mkdir -p "$OUT/bin"
  ln -sfn "$OTELCOL_BIN/otelcol" "$PROMETHEUS_BIN/prometheus" "$PROMETHEUS_BIN/promtool" "$OUT/bin/"
}
