# shellcheck shell=bash
# shellcheck disable=SC2034 # sourced: the variables are used by the files that source this
# Shared helpers for test/env/up, test/env/down and the build recipes. Sourced, never run.
#
# Everything here is loopback-only and pidfile-based: a process we start is recorded in
# $OUT/pids/<name>.pid and stopped by that pid, never by name.

# Repository paths: ENV_DIR is test/env, OUT holds all run-time state (ignored by git).
ENV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ENV_DIR/out"
PIDS="$OUT/pids"
LOGS="$OUT/logs"

# Caches live outside the clone so a fresh clone on the same machine reuses them.
CACHE="${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}"

# shellcheck source=test/env/versions.sh
source "$ENV_DIR/versions.sh"

# log MSG...: one progress line on stderr, prefixed so it stands out in CI logs.
log() { printf '[test-env] %s\n' "$*" >&2; }
die() { printf '[test-env] ERROR: %s\n' "$*" >&2; exit 1; }

# step NAME CMD...: runs CMD and prints how long it took (and whether it failed).
step() {
  local name="$1"; shift
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  log "▶ $name"
  "$@" || rc=$?
  t1=$(date +%s.%N)
  if [ "$rc" -eq 0 ]; then
    log "✔ $name ($(elapsed "$t0" "$t1"))"
  else
    log "✘ $name failed with exit $rc after $(elapsed "$t0" "$t1")"
  fi
  return "$rc"
}

# elapsed T0 T1: seconds between two `date +%s.%N` readings, one decimal.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fs", b - a }'; }

# pid_alive NAME: true when $PIDS/NAME.pid names a live process.
pid_alive() {
  local f="$PIDS/$1.pid" pid
  [ -s "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# start_bg NAME LOGFILE CMD...: starts CMD detached in its own session, records its pid.
# The process does not inherit our stdin/stdout or lock files, so callers (and CI) never wait
# on it.
start_bg() {
  local name="$1" logfile="$2"; shift 2
  mkdir -p "$PIDS" "$(dirname "$logfile")"
  # 8>&- 9>&-: the lock descriptors of up and build-go.sh must not outlive them in a daemon.
  setsid "$@" </dev/null >>"$logfile" 2>&1 8>&- 9>&- &
  echo $! >"$PIDS/$name.pid"
}

# stop_pid NAME [TIMEOUT_S]: SIGTERM the recorded pid, wait, then SIGKILL; drops the pidfile.
stop_pid() {
  local name="$1" timeout="${2:-20}" f="$PIDS/$1.pid" pid i
  [ -s "$f" ] || { rm -f "$f"; return 0; }
  pid="$(cat "$f")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "  $name (pid $pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    log "  stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

# wait_for DESC TIMEOUT_S CMD...: polls CMD every 0.2 s until it succeeds or time runs out.
wait_for() {
  local desc="$1" timeout="$2"; shift 2
  local deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "timed out after ${timeout}s waiting for $desc"
      return 1
    fi
    sleep 0.2
  done
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
