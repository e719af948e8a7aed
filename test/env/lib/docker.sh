# shellcheck shell=bash
# Docker from Debian's docker.io. If a daemon already answers on the default socket (a developer
# machine, or one started by a service manager), it is used and left alone; otherwise we start
# dockerd ourselves, record its pid, and `down` stops exactly that pid.
# Sourced by test/env/up and test/env/down.

DOCKER_SOCK="/var/run/docker.sock"

docker_ready() { docker -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1; }

docker_up() {
  if docker_ready; then
    if pid_alive dockerd; then
      log "dockerd already running (pid $(cat "$PIDS/dockerd.pid"))"
    else
      log "using the Docker daemon already running on $DOCKER_SOCK"
    fi
    return 0
  fi
  stop_pid dockerd
  command -v dockerd >/dev/null || die "dockerd is not installed (Debian package docker.io)"
  mkdir -p "$LOGS" && : >"$LOGS/dockerd.log"
  # Unix socket only: no TCP listener. dockerd starts its own containerd as a child, which
  # stops with it. --pidfile lives in out/ so the daemon's lock does not clash with a system one.
  start_bg dockerd "$LOGS/dockerd.log" dockerd --host "unix://$DOCKER_SOCK" \
    --pidfile "$OUT/dockerd.daemon.pid"
  wait_for "dockerd on $DOCKER_SOCK" 60 docker_ready || {
    tail -n 30 "$LOGS/dockerd.log" >&2
    die "dockerd did not start, see $LOGS/dockerd.log"
  }
}

docker_down() { stop_pid dockerd 30; }
