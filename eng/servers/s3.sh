# shellcheck shell=bash
# An S3 API server for the archive tests, sourced by eng/test.sh: s3rver (npm, pinned) on a free
# loopback port, its objects under $CLICKANALYTICS_TEST_STATE/s3, stopped by its own pid file.
#
# Exports:
#   CLICKANALYTICS_TEST_S3   http://127.0.0.1:PORT, with the bucket clickanalytics-test created
#                            (access key S3RVER, secret S3RVER, path-style addressing).

S3_TEST_PORT="${S3_TEST_PORT:-$(free_port)}"
S3RVER_VERSION=3.7.1

start_s3() {
  if ! ensure_packages npm npm; then
    echo "npm could not be installed with apt; s3rver comes from npm." >&2
    return 1
  fi

  local dir="$CLICKANALYTICS_TEST_STATE/s3"
  mkdir -p "$dir/data" "$dir/tool"
  if [ ! -x "$dir/tool/node_modules/.bin/s3rver" ]; then
    (cd "$dir/tool" && npm install --no-audit --no-fund --loglevel=error "s3rver@$S3RVER_VERSION" >"$dir/npm.log" 2>&1) || {
      echo "npm could not install s3rver@$S3RVER_VERSION; see $dir/npm.log" >&2
      return 1
    }
  fi

  if port_in_use "$S3_TEST_PORT"; then
    echo "Port $S3_TEST_PORT is taken by another process; unset S3_TEST_PORT to use a free one." >&2
    return 1
  fi

  setsid "$dir/tool/node_modules/.bin/s3rver" -d "$dir/data" -a 127.0.0.1 -p "$S3_TEST_PORT" --silent \
    --configure-bucket clickanalytics-test >"$dir/s3rver.log" 2>&1 </dev/null &
  echo $! >"$dir/s3rver.pid"
  wait_for 30 curl -fsS "http://127.0.0.1:$S3_TEST_PORT/" || {
    echo "s3rver did not answer on port $S3_TEST_PORT; see $dir/s3rver.log" >&2
    return 1
  }
  export CLICKANALYTICS_TEST_S3="http://127.0.0.1:$S3_TEST_PORT"
}

# Stops only the server this script started (its pid file).
stop_s3() {
  local pidfile="$CLICKANALYTICS_TEST_STATE/s3/s3rver.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null
  rm -f "$pidfile"
}
