#!/usr/bin/env bash
# Checks of the test script itself: free_port never hands out a port that something listens on,
# the Redis server script refuses a port that is taken instead of stopping whatever holds it, and
# stopping its own server leaves other servers running. Run by eng/test.sh; needs redis-server.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=eng/lib.sh
source eng/lib.sh

fail() { echo "!! script check failed: $*" >&2; exit 1; }
command -v redis-server >/dev/null 2>&1 || fail "redis-server is not installed"

dir=$(mktemp -d /tmp/clickanalytics-scripts.XXXXXX)
cleanup() {
  [ -f "$dir/other.pid" ] && kill "$(cat "$dir/other.pid")" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# Another server, not ours, on a port.
taken=$(free_port) || fail "no free port at all"
redis-server --port "$taken" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$dir" --pidfile "$dir/other.pid" --logfile "$dir/other.log" || fail "could not start the other server"
wait_for 20 port_in_use "$taken" || fail "the other server did not listen on $taken"

if free_port "$taken" "$taken" >/dev/null; then fail "free_port returned $taken, which is in use"; fi
next=$(free_port "$taken" $((taken + 5))) || fail "no free port next to $taken"
[ "$next" != "$taken" ] || fail "free_port returned the port in use"

(
  export CLICKANALYTICS_TEST_STATE="$dir/taken"
  REDIS_TEST_PORT=$taken
  # shellcheck source=eng/servers/redis.sh
  source eng/servers/redis.sh
  start_redis 2>/dev/null
) && fail "the Redis script started on a port that is taken"

(
  export CLICKANALYTICS_TEST_STATE="$dir/own"
  unset REDIS_TEST_PORT
  # shellcheck source=eng/servers/redis.sh
  source eng/servers/redis.sh
  start_redis || exit 1
  [ "$REDIS_TEST_PORT" != "$taken" ] || exit 1
  stop_redis
  wait_for 10 port_free "$REDIS_TEST_PORT"
) || fail "the Redis script did not start and stop a server of its own on a free port"

port_in_use "$taken" || fail "stopping our server stopped the other one"
echo "script checks passed: free ports, a taken port refused, only our own server stopped"
