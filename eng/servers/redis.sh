# Sourced by eng/test.sh: starts redis-server on loopback for the Redis tests.
# Tests that need an instance of their own (restart under load, memory under MAXLEN) start one
# themselves with CLICKANALYTICS_TEST_REDIS_SERVER on a free port and stop it afterwards.

# A free port unless REDIS_TEST_PORT names one.
REDIS_TEST_PORT="${REDIS_TEST_PORT:-$(free_port)}"

start_redis() {
  if ! ensure_packages redis-server redis-server redis-tools; then
    echo "redis-server is not installed and apt could not install it." >&2
    return 1
  fi
  local dir="$CLICKANALYTICS_TEST_STATE/redis"
  mkdir -p "$dir"
  if port_in_use "$REDIS_TEST_PORT"; then
    echo "Port $REDIS_TEST_PORT is taken by another process; unset REDIS_TEST_PORT to use a free one." >&2
    return 1
  fi
  redis-server --port "$REDIS_TEST_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" || return 1
  wait_for 20 redis-cli -h 127.0.0.1 -p "$REDIS_TEST_PORT" ping || return 1
  export CLICKANALYTICS_TEST_REDIS="127.0.0.1:$REDIS_TEST_PORT"
  CLICKANALYTICS_TEST_REDIS_SERVER="$(command -v redis-server)"
  export CLICKANALYTICS_TEST_REDIS_SERVER
}

# Stops only the server this script started (its pid file), never another one on the port.
stop_redis() {
  local pidfile="$CLICKANALYTICS_TEST_STATE/redis/redis.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
}
