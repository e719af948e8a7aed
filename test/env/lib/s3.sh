# shellcheck shell=bash
# An S3-compatible server for code from S3 (issue #16): SeaweedFS (Apache-2.0) built from its Go
# module (lib/build-go.sh seaweedfs) into $CACHE/bin/seaweedfs-<version>/weed, run as ONE process
# (`weed server -s3`: master, volume server, filer and S3 gateway) on 127.0.0.1.
# Requests must be signed (SigV4) with the one identity below, so a suite that reaches it tests
# Lamina's signing too; the suites create their own uniquely named buckets. Data lives in
# $OUT/s3 and survives a restart (down --purge removes it). Sourced by test/env/up and down.

S3_BIN="$CACHE/bin/seaweedfs-$SEAWEEDFS_VERSION/weed"
S3_DIR="$OUT/s3"
S3_LOG="$LOGS/s3.log"
# Test credentials, not secrets: the server listens on loopback only.
S3_ACCESS_KEY_ID="laminatest"
S3_SECRET_ACCESS_KEY="laminatest-secret-key"

s3_build() {
  [ -x "$S3_BIN" ] && return 0
  log "building seaweedfs $SEAWEEDFS_VERSION (cold: 20–60 min on 2 cores, by load; log: $LOGS/s3-build.log)"
  "$ENV_DIR/lib/build-go.sh" seaweedfs >"$LOGS/s3-build.log" 2>&1 || {
    tail -n 30 "$LOGS/s3-build.log" >&2
    die "the seaweedfs build failed, see $LOGS/s3-build.log"
  }
}

# The S3 gateway's identities (`-s3.config`): one key allowed everything.
s3_config() {
  mkdir -p "$S3_DIR/data"
  cat >"$S3_DIR/s3.json" <<JSON
{
  "identities": [
    {
      "name": "lamina-test",
      "credentials": [{ "accessKey": "$S3_ACCESS_KEY_ID", "secretKey": "$S3_SECRET_ACCESS_KEY" }],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }
  ]
}
JSON
  # Each bucket is a collection, and the master grows 7 volumes per collection by default: one
  # here, so unique bucket names per test do not use up the volume slots. `weed` reads
  # master.toml from its working directory.
  cat >"$S3_DIR/master.toml" <<TOML
[master.volume_growth]
copy_1 = 1
copy_2 = 2
copy_3 = 3
copy_other = 1
TOML
}

# Ready when the S3 port answers an unsigned ListBuckets as S3 does: 403 (signed calls only).
s3_ready() {
  port_open "$S3_PORT" &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$S3_PORT/")" = 403 ]
}
s3_current() { [ "$(cat "$S3_DIR/running-version" 2>/dev/null)" = "$SEAWEEDFS_VERSION" ]; }

s3_up() {
  if pid_alive s3 && s3_current && s3_ready; then
    log "s3 (seaweedfs) already running (pid $(cat "$PIDS/s3.pid"))"
    return 0
  fi
  stop_pid s3
  local p
  for p in "$S3_PORT" "$S3_MASTER_PORT" "$S3_VOLUME_PORT" "$S3_FILER_PORT"; do
    port_open "$p" && die "port $p is taken by a process we did not start"
  done
  mkdir -p "$LOGS" && : >"$S3_LOG"
  s3_build
  s3_config
  # Small volumes (the default limit is 30 GB): test zips are a few MB; as many as the disk
  # holds (-volume.max=0), files grow as written. No telemetry (it would
  # post to seaweedfs.com), no Iceberg or Lance listeners (ports 8181, 9101 by default).
  start_bg s3 "$S3_LOG" env --chdir="$S3_DIR" "$S3_BIN" server -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -dir="$S3_DIR/data" -master.port="$S3_MASTER_PORT" -master.volumeSizeLimitMB=64 \
    -master.telemetry=false -volume.port="$S3_VOLUME_PORT" -volume.max=0 \
    -filer -filer.port="$S3_FILER_PORT" -s3 -s3.port="$S3_PORT" -s3.config="$S3_DIR/s3.json" \
    -s3.port.iceberg=0 -s3.port.lance=0
  echo "$SEAWEEDFS_VERSION" >"$S3_DIR/running-version"
  wait_for "s3 (seaweedfs) on 127.0.0.1:$S3_PORT" 90 s3_ready || {
    tail -n 30 "$S3_LOG" >&2
    die "seaweedfs did not start, see $S3_LOG"
  }
}

s3_down() { stop_pid s3 20; }
