# Sourced by eng/test.sh: starts redis-server on loopback for the Redis tests.
# Tests that need an instance of their own (restart under load, memory under MAXLEN) start one
# themselves with CLICKANALYTICS_TEST_REDIS_SERVER on a free port and stop it afterwards.

REDIS_TEST_PORT="${REDIS_TEST_PORT:-6391}"

start_redis() {
  if ! ensure_packages redis-server redis-server redis-tools; then
    echo "redis-server is not installed and apt could not install it." >&2
    return 1
  fi
  local dir="$CLICKANALYTICS_TEST_STATE/redis"
  mkdir -p "$dir"
  redis-cli -h 127.0.0.1 -p "$REDIS_TEST_PORT" shutdown nosave >/dev/null 2>&1 || true
  redis-server --port "$REDIS_TEST_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" || return 1
  wait_for 20 redis-cli -h 127.0.0.1 -p "$REDIS_TEST_PORT" ping || return 1
  export CLICKANALYTICS_TEST_REDIS="127.0.0.1:$REDIS_TEST_PORT"
  CLICKANALYTICS_TEST_REDIS_SERVER="$(command -v redis-server)"
  export CLICKANALYTICS_TEST_REDIS_SERVER
}

stop_redis() {
  redis-cli -h 127.0.0.1 -p "$REDIS_TEST_PORT" shutdown nosave >/dev/null 2>&1 || true
}
