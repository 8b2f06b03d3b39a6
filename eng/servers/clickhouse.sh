# shellcheck shell=bash
# ClickHouse for the integration tests, sourced by eng/test.sh (which defines ensure_packages and
# wait_for, free_port). It runs without systemd on loopback, on free ports, with its data, config and
# logs under $CLICKANALYTICS_TEST_STATE/clickhouse, stopped by its own pid file.
#
# Exports:
#   CLICKANALYTICS_TEST_CLICKHOUSE       http://127.0.0.1:PORT (the HTTP interface the tests use)
#   CLICKANALYTICS_TEST_CLICKHOUSE_CTL   a script taking "stop" or "start", so a test can take the
#                                        server away under load and bring it back on the same data.

# Free ports unless CLICKHOUSE_TEST_HTTP_PORT / CLICKHOUSE_TEST_TCP_PORT name them.
CLICKHOUSE_TEST_HTTP_PORT="${CLICKHOUSE_TEST_HTTP_PORT:-$(free_port)}"
CLICKHOUSE_TEST_TCP_PORT="${CLICKHOUSE_TEST_TCP_PORT:-$(free_port)}"
while [ "$CLICKHOUSE_TEST_TCP_PORT" = "$CLICKHOUSE_TEST_HTTP_PORT" ]; do CLICKHOUSE_TEST_TCP_PORT=$(free_port); done

start_clickhouse() {
  if ! ensure_packages clickhouse-server clickhouse-server clickhouse-client; then
    echo "clickhouse-server could not be installed with apt." >&2
    return 1
  fi

  local dir="$CLICKANALYTICS_TEST_STATE/clickhouse"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/log" "$dir/format_schemas"

  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$dir/log/clickhouse-server.log</log>
    <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$CLICKHOUSE_TEST_HTTP_PORT</http_port>
  <tcp_port>$CLICKHOUSE_TEST_TCP_PORT</tcp_port>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
XML

  cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks>
        <ip>127.0.0.1</ip>
        <ip>::1</ip>
      </networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
XML

  local url="http://127.0.0.1:$CLICKHOUSE_TEST_HTTP_PORT"
  cat >"$dir/ctl.sh" <<SH
#!/usr/bin/env bash
# stop | start the test ClickHouse server (same data, same ports).
set -u
case "\${1:-}" in
  start)
    if [ -f "$dir/server.pid" ] && kill -0 "\$(cat "$dir/server.pid")" 2>/dev/null; then exit 0; fi
    setsid clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 < /dev/null &
    echo \$! >"$dir/server.pid"
    for _ in \$(seq 1 120); do
      curl -fsS "$url/ping" >/dev/null 2>&1 && exit 0
      sleep 0.5
    done
    echo "ClickHouse did not answer on $url within 60 s; see $dir/log" >&2
    exit 1
    ;;
  stop)
    [ -f "$dir/server.pid" ] || exit 0
    pid=\$(cat "$dir/server.pid")
    kill "\$pid" 2>/dev/null || exit 0
    for _ in \$(seq 1 120); do
      kill -0 "\$pid" 2>/dev/null || { rm -f "$dir/server.pid"; exit 0; }
      sleep 0.5
    done
    kill -9 "\$pid" 2>/dev/null
    rm -f "$dir/server.pid"
    ;;
  *)
    echo "usage: \$0 start|stop" >&2
    exit 2
    ;;
esac
SH
  chmod +x "$dir/ctl.sh"

  command -v curl >/dev/null 2>&1 || ensure_packages curl curl || return 1
  "$dir/ctl.sh" start || return 1
  wait_for 30 curl -fsS "$url/ping" || return 1

  export CLICKANALYTICS_TEST_CLICKHOUSE="$url"
  export CLICKANALYTICS_TEST_CLICKHOUSE_CTL="$dir/ctl.sh"
}

stop_clickhouse() {
  local ctl="$CLICKANALYTICS_TEST_STATE/clickhouse/ctl.sh"
  [ -x "$ctl" ] && "$ctl" stop
}
