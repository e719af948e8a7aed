# shellcheck shell=bash
# The observability binaries: an OpenTelemetry Collector (OTLP in, spans to a JSON-lines file),
# built from its Go modules by lib/build-go.sh (cached by version), and Prometheus + promtool,
# Debian's build of them (packages `prometheus` and `promtool` of $PROMETHEUS_DEBIAN_SUITE,
# unpacked, not installed: building Prometheus from its Go module cost a new machine 15–38 min),
# all linked into $OUT/bin ($LAMINA_TEST_BIN). Nothing runs here: each suite starts its own collector
# and Prometheus on free ports with its own config (test/observability/support), so parallel
# suites never read each other's spans or scrape each other's processes.

OTELCOL_BIN="$CACHE/bin/otelcol-v$OTELCOL_VERSION"
PROMETHEUS_BIN="$CACHE/bin/prometheus-debian-$PROMETHEUS_DEBIAN_SUITE"
DEBIAN_MIRROR="${LAMINA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

observability_cached() {
  [ -x "$OTELCOL_BIN/otelcol" ] && [ -x "$PROMETHEUS_BIN/prometheus" ] &&
    [ -x "$PROMETHEUS_BIN/promtool" ]
}

# prometheus_fetch: the suite's current `prometheus` and `promtool` packages, checked against the
# index's SHA-256, their binaries published into $PROMETHEUS_BIN with the version in VERSION.
prometheus_fetch() {
  [ -x "$PROMETHEUS_BIN/prometheus" ] && [ -x "$PROMETHEUS_BIN/promtool" ] && return 0
  local work pkg fields file sum
  work="$CACHE/src/prometheus-debian-$PROMETHEUS_DEBIAN_SUITE"
  rm -rf "$work" && mkdir -p "$work/bin" "$work/root"
  curl -fsS --retry 3 "$DEBIAN_MIRROR/dists/$PROMETHEUS_DEBIAN_SUITE/main/binary-amd64/Packages.xz" |
    xz -d >"$work/Packages" || return 1
  for pkg in prometheus promtool; do
    # The paragraph of package $pkg: its Version, Filename and SHA256.
    fields="$(awk -v p="$pkg" '$0 == "" { hit = 0 } $1 == "Package:" { hit = ($2 == p) }
      hit && ($1 == "Version:" || $1 == "Filename:" || $1 == "SHA256:") { print $2 }' "$work/Packages")"
    [ "$(wc -l <<<"$fields")" -eq 3 ] || { log "$pkg: not in $PROMETHEUS_DEBIAN_SUITE's index"; return 1; }
    file="$(sed -n 2p <<<"$fields")" sum="$(sed -n 3p <<<"$fields")"
    curl -fsS --retry 3 -o "$work/$pkg.deb" "$DEBIAN_MIRROR/$file" || return 1
    echo "$sum  $work/$pkg.deb" | sha256sum -c --quiet - || return 1
    dpkg-deb -x "$work/$pkg.deb" "$work/root" || return 1
    echo "$pkg $(head -n 1 <<<"$fields")" >>"$work/bin/VERSION"
  done
  cp "$work/root/usr/bin/prometheus" "$work/root/usr/bin/promtool" "$work/bin/"
  "$work/bin/prometheus" --version >/dev/null || return 1
  mkdir -p "$(dirname "$PROMETHEUS_BIN")"
  rm -rf "$PROMETHEUS_BIN.partial" && mv "$work/bin" "$PROMETHEUS_BIN.partial" &&
    mv -T "$PROMETHEUS_BIN.partial" "$PROMETHEUS_BIN"
  rm -rf "$work"
  log "prometheus + promtool from Debian $PROMETHEUS_DEBIAN_SUITE: $(tr '\n' ' ' <"$PROMETHEUS_BIN/VERSION")"
}

observability_up() {
  # Explicit returns: `step` runs this under `||`, where set -e does not stop a function.
  [ -x "$OTELCOL_BIN/otelcol" ] || "$ENV_DIR/lib/build-go.sh" otelcol || return 1
  prometheus_fetch || return 1
  mkdir -p "$OUT/bin"
  ln -sfn "$OTELCOL_BIN/otelcol" "$PROMETHEUS_BIN/prometheus" "$PROMETHEUS_BIN/promtool" "$OUT/bin/"
}
