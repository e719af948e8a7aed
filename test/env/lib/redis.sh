# shellcheck shell=bash
# Two Redis servers from Debian's redis-server, both on 127.0.0.1 with pidfiles under out/:
#   redis          throwaway: no persistence at all (BullMQ queues of ordinary tests)
#   redis-durable  AOF with appendfsync always (the data-loss tests of later issues)
# Both use maxmemory-policy noeviction, which BullMQ requires. Sourced by up and down.

REDIS_DIR="$OUT/redis"

# redis_start NAME PORT EXTRA_ARGS...: starts one daemonized instance unless it answers already.
redis_start() {
  local name="$1" port="$2"; shift 2
  if pid_alive "$name" && redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
    log "$name already running on 127.0.0.1:$port (pid $(cat "$PIDS/$name.pid"))"
    return 0
  fi
  stop_pid "$name"
  port_open "$port" && die "port $port is taken by a process we did not start"
  mkdir -p "$REDIS_DIR/$name" "$PIDS" "$LOGS"
  # --daemonize with --pidfile: redis writes its own pid once it is listening.
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes \
    --daemonize yes --pidfile "$PIDS/$name.pid" --logfile "$LOGS/$name.log" \
    --dir "$REDIS_DIR/$name" --maxmemory-policy noeviction "$@" </dev/null 8>&- 9>&-
  wait_for "$name on 127.0.0.1:$port" 20 \
    sh -c "redis-cli -h 127.0.0.1 -p $port ping | grep -q PONG" || die "$name did not start"
  wait_for "$name pidfile" 5 test -s "$PIDS/$name.pid" || die "$name wrote no pidfile"
}

redis_up() {
  redis_start redis "$REDIS_PORT" --save '' --appendonly no
  redis_start redis-durable "$REDIS_DURABLE_PORT" --save '' \
    --appendonly yes --appendfsync always
}

redis_down() {
  stop_pid redis-durable
  stop_pid redis
}
