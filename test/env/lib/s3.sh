# shellcheck shell=bash
# An S3-compatible server for code from S3 (issue #16): lamina-s3, our small main over rclone's
# gofakes3 (MIT; ../s3/main.go, docs/adr/0045), built by lib/build-go.sh s3 into
# $CACHE/bin/gofakes3-<version>-<revision>/lamina-s3 and run as one process on 127.0.0.1:$S3_PORT.
# Requests must be signed (SigV4) with the one identity below, so a suite that reaches it tests
# Lamina's signing too; a wrong key or secret is refused (403). The suites create their own uniquely
# named buckets. Objects live in the server's memory: a restart (or `down`) starts it empty.
# Sourced by test/env/up and down.

S3_BIN="$CACHE/bin/gofakes3-$GOFAKES3_VERSION-$S3_MAIN_REVISION/lamina-s3"
S3_DIR="$OUT/s3"
S3_LOG="$LOGS/s3.log"
# Test credentials, not secrets: the server listens on loopback only.
S3_ACCESS_KEY_ID="laminatest"
S3_SECRET_ACCESS_KEY="laminatest-secret-key"

s3_build() {
  [ -x "$S3_BIN" ] && return 0
  log "building lamina-s3 (gofakes3 $GOFAKES3_VERSION; cold: a few minutes; log: $LOGS/s3-build.log)"
  "$ENV_DIR/lib/build-go.sh" s3 >"$LOGS/s3-build.log" 2>&1 || {
    tail -n 30 "$LOGS/s3-build.log" >&2
    die "the lamina-s3 build failed, see $LOGS/s3-build.log"
  }
}

# Ready when the S3 port answers an unsigned ListBuckets as S3 does: 403 (signed calls only).
s3_ready() {
  port_open "$S3_PORT" &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$S3_PORT/")" = 403 ]
}
s3_current() { [ "$(cat "$S3_DIR/running-version" 2>/dev/null)" = "$GOFAKES3_VERSION-$S3_MAIN_REVISION" ]; }

s3_up() {
  if pid_alive s3 && s3_current && s3_ready; then
    log "s3 (lamina-s3) already running (pid $(cat "$PIDS/s3.pid"))"
    return 0
  fi
  stop_pid s3
  port_open "$S3_PORT" && die "port $S3_PORT is taken by a process we did not start"
  mkdir -p "$LOGS" "$S3_DIR" && : >"$S3_LOG"
  s3_build
  start_bg s3 "$S3_LOG" env LAMINA_S3_ACCESS_KEY_ID="$S3_ACCESS_KEY_ID" \
    LAMINA_S3_SECRET_ACCESS_KEY="$S3_SECRET_ACCESS_KEY" "$S3_BIN" -listen "127.0.0.1:$S3_PORT"
  echo "$GOFAKES3_VERSION-$S3_MAIN_REVISION" >"$S3_DIR/running-version"
  wait_for "s3 (lamina-s3) on 127.0.0.1:$S3_PORT" 30 s3_ready || {
    tail -n 30 "$S3_LOG" >&2
    die "lamina-s3 did not start, see $S3_LOG"
  }
}

s3_down() { stop_pid s3 20; }
