#!/usr/bin/env bash
# Load harness: does tracking slow the redirect? The load host (benchmarks/load/ClickAnalytics.LoadHost,
# Release) serves a tracked redirect and an untracked copy of it, with the whole pipeline running
# in the same process. `hey` sends requests at a fixed rate, well below saturation.
#
#   benchmarks/load/run.sh latency    # default. Each round sends RATE req/s to the tracked route,
#                                     # the untracked route, and the untracked route again (the
#                                     # calibration: what two identical routes differ by here), in
#                                     # a rotating order; prints p50 / p99 / p99.9 and the server's
#                                     # CPU per request of each, and their medians over the rounds.
#   benchmarks/load/run.sh split      # the tracked route's extra CPU per request, in three hosts:
#                                     # no enrichment and no store (capture, buffer, batching),
#                                     # no store (+ enrichment), everything (+ DuckDB).
#   benchmarks/load/run.sh capacity   # the highest fixed rate at which every tracked click is
#                                     # stored with none dropped: all in one process, then a web
#                                     # node producing into Redis and a worker storing.
#
# Settings (environment): RATE=5000 ROUNDS=5 DURATION=10 (s per leg) WARMUP=30 (s per route)
# WORKERS=50 (hey's connections; each sends RATE/WORKERS req/s), STORE=duckdb|none, ENRICH=all|none,
# RATES="5000 10000 15000 20000 25000" (capacity steps), PORT=5099, REDIS_PORT=6399.
# Latency is measured by hey at the client, over keep-alive connections on loopback; hey waits for
# each response before a worker's next request, so a stall shows in the percentiles of the requests
# it delayed rather than as missing requests.
set -euo pipefail
cd "$(dirname "$0")/../.."
command=${1:-latency}
rate=${RATE:-5000} rounds=${ROUNDS:-5} duration=${DURATION:-10} warmup=${WARMUP:-30} workers=${WORKERS:-50}
port=${PORT:-5099} redis_port=${REDIS_PORT:-6399}
work=$(mktemp -d /tmp/clickanalytics-load.XXXXXX)
user_agent='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
hz=$(getconf CLK_TCK)

need() { # binary package...
  command -v "$1" >/dev/null 2>&1 && return
  shift
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
need hey hey
need curl curl

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build benchmarks/load/ClickAnalytics.LoadHost -c Release -nologo -clp:ErrorsOnly >/dev/null
host_dll=benchmarks/load/ClickAnalytics.LoadHost/bin/Release/net10.0/ClickAnalytics.LoadHost.dll

start_redis() {
  need redis-server redis-server redis-tools
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$work" --pidfile "$work/redis.pid" --logfile "$work/redis.log"
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start" >&2; exit 1
}

# start_host NAME PORT KEY=VALUE...: a fresh load host with its own DuckDB file; sets $host_pid.
start_host() {
  local name=$1 p=$2; shift 2
  env ASPNETCORE_URLS="http://127.0.0.1:$p" Logging__LogLevel__Default=Warning \
    ClickAnalytics__DuckDb__Path="$work/$name-$p-$RANDOM.duckdb" ClickAnalytics__Redis__MaxLength=1000000000 "$@" \
    dotnet "$host_dll" >"$work/$name.log" 2>&1 &
  host_pid=$!
  pids+=("$host_pid")
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:$p/stats" 2>/dev/null && return
    sleep 0.2
  done
  echo "the load host ($name) did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}

stop_host() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

stat_of() { curl -fsS "http://127.0.0.1:$1/stats" | grep -o "\"$2\":-\?[0-9]*" | cut -d: -f2; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# send URL RATE SECONDS: fixed-rate load; prints "sent redirected p50_ms p99_ms p99.9_ms achieved_req/s".
send() {
  local per_worker=$(( $2 / workers ))
  (( per_worker > 0 )) || per_worker=1
  hey -z "${3}s" -c "$workers" -q "$per_worker" -disable-redirects -H "User-Agent: $user_agent" -o csv "$1" >"$work/hey.csv"
  # Columns: response-time (s), DNS+dialup, DNS, request-write, response-delay, response-read, status-code, offset.
  awk -F, 'NR > 1 && $1 ~ /^[0-9.]+$/ {print $1 * 1000, ($7 == 302)}' "$work/hey.csv" | sort -g |
    awk -v s="$3" '{a[NR] = $1; ok += $2}
      function at(q) { i = int(NR * q + 0.5); return a[i < 1 ? 1 : i] }
      END {printf "%d %d %.2f %.2f %.2f %.0f\n", NR, ok, at(0.5), at(0.99), at(0.999), NR / s}'
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# leg NAME PATH: one measured leg against the running host; prints its row and records its numbers.
declare -A p50s p99s p999s cpus
leg() {
  local c0 c1 sent ok p50 p99 p999 rps cpu
  c0=$(cpu_ticks "$host_pid")
  read -r sent ok p50 p99 p999 rps <<<"$(send "http://127.0.0.1:$port/$2" "$rate" "$duration")"
  c1=$(cpu_ticks "$host_pid")
  cpu=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v n="$sent" 'BEGIN {printf "%.1f", n ? c / hz * 1e6 / n : 0}')
  p50s[$1]+="$p50 "; p99s[$1]+="$p99 "; p999s[$1]+="$p999 "; cpus[$1]+="$cpu "
  [[ $1 == tracked ]] && tracked_sent=$((tracked_sent + ok))
  printf '%-6s %-11s %9s %9s %8s %8s %9s %14s\n' "$round" "$1" "$sent" "$rps" "$p50" "$p99" "$p999" "$cpu"
}

# warm ROUTE: the measured load for WARMUP seconds, so tiered compilation has finished for the
# pipeline's code too (it runs once per batch, so it reaches its optimized tier late).
warm() { read -r sent ok _ <<<"$(send "http://127.0.0.1:$port/$1" "$rate" "$warmup")"; [[ $1 == load ]] && tracked_sent=$((tracked_sent + ok)); true; }

wait_stored() { # port expected: waits up to 60 s for the host's stored (or discarded) count to reach it; prints it
  local key=stored n=0
  [[ ${STORE:-duckdb} == none ]] && key=discarded
  for _ in $(seq 1 120); do
    n=$(stat_of "$1" "$key")
    (( n >= $2 )) && break
    sleep 0.5
  done
  echo "$n"
}

host_settings=()
[[ ${STORE:-duckdb} == none ]] && host_settings+=(Load__Store=none)
[[ ${ENRICH:-all} == none ]] && host_settings+=(Load__Enrich=none)

latency() {
  tracked_sent=0
  start_host all-in-one "$port" "${host_settings[@]}"
  warm load; warm untracked/load
  echo "fixed rate $rate req/s ($workers connections), $duration s per leg, $rounds rounds; STORE=${STORE:-duckdb} ENRICH=${ENRICH:-all}"
  printf '%-6s %-11s %9s %9s %8s %8s %9s %14s\n' round route requests "req/s" "p50 ms" "p99 ms" "p99.9 ms" "server µs/req"
  local legs=(tracked untracked calibrate)
  for round in $(seq 1 "$rounds"); do
    # Rotate the order so that no route always follows the same one.
    for i in 0 1 2; do
      name=${legs[$(( (i + round - 1) % 3 ))]}
      path=untracked/load; [[ $name == tracked ]] && path=load
      leg "$name" "$path"
    done
  done
  echo
  printf '%-24s %8s %8s %9s %14s\n' "median over the rounds" "p50 ms" "p99 ms" "p99.9 ms" "server µs/req"
  for name in tracked untracked calibrate; do
    # shellcheck disable=SC2086
    printf '%-24s %8s %8s %9s %14s\n' "$name" "$(median ${p50s[$name]})" "$(median ${p99s[$name]})" "$(median ${p999s[$name]})" "$(median ${cpus[$name]})"
  done
  # shellcheck disable=SC2086
  awk -v t="$(median ${cpus[tracked]})" -v u="$(median ${cpus[untracked]})" -v c="$(median ${cpus[calibrate]})" \
    'BEGIN {printf "tracked adds %.1f µs of server CPU per request (the calibration legs differ by %.1f)\n", t - u, c - u}'
  local key=stored; [[ ${STORE:-duckdb} == none ]] && key=discarded
  echo "tracked requests answered: $tracked_sent; clicks $key: $(wait_stored "$port" "$tracked_sent"); dropped: $(stat_of "$port" dropped); failed: $(stat_of "$port" failed)"
  stop_host "$host_pid"
}

split() {
  local results=()
  for setting in "STORE=none ENRICH=none" "STORE=none" "STORE=duckdb"; do
    echo "== $setting"
    out=$(env $setting ROUNDS="$rounds" bash "$0" latency)
    echo "$out" | tail -n 6
    results+=("$(awk '/^tracked adds/ {print $3}' <<<"$out")")
  done
  echo
  awk -v a="${results[0]}" -v b="${results[1]}" -v c="${results[2]}" 'BEGIN {
    printf "server CPU the tracked route adds per request: %.1f µs in all\n", c;
    printf "  capture, buffer and batching: %.1f µs\n  enrichment:                   %.1f µs\n  the DuckDB store:             %.1f µs\n", a, b - a, c - b }'
}

# step NAME RATE: tracked load at RATE for DURATION s against the web port; then waits for the clicks.
step() {
  local stats_port=$1 r=$2 sent ok rps stored dropped verdict
  read -r sent ok _ _ _ rps <<<"$(send "http://127.0.0.1:$port/load" "$r" "$duration")"
  stored=$(wait_stored "$stats_port" "$ok")
  dropped=$(stat_of "$port" dropped)
  (( stats_port == port )) || dropped=$(( dropped + $(stat_of "$stats_port" dropped) ))
  verdict=ok
  if (( stored != ok )) || (( dropped > 0 )) || [[ $(awk -v a="$rps" -v r="$r" 'BEGIN {print (a < 0.97 * r) ? "slow" : "ok"}') == slow ]]; then verdict=no; fi
  printf '%-12s %9s %9s %9s %9s %9s %8s\n' "$3" "$r" "$rps" "$ok" "$stored" "$dropped" "$verdict"
  [[ $verdict == ok ]]
}

capacity() {
  local rates=${RATES:-5000 10000 15000 20000 25000} best
  printf '%-12s %9s %9s %9s %9s %9s %8s\n' mode "target/s" "req/s" answered stored dropped "all in"
  # All in one process. Each step uses a fresh host, so clicks of one step are not counted in the next.
  best=0
  for r in $rates; do
    start_host all-in-one "$port" "${host_settings[@]}"
    warm untracked/load
    if step "$port" "$r" all-in-one; then best=$r; else stop_host "$host_pid"; break; fi
    stop_host "$host_pid"
  done
  echo "all in one: every click stored up to $best req/s (of the steps tried)"
  # A web node producing into Redis, a worker storing from it (on the same two cores).
  best=0
  for r in $rates; do
    start_redis
    start_host worker $((port + 1)) Load__Mode=worker ClickAnalytics__Redis__Configuration="127.0.0.1:$redis_port"
    worker_pid=$host_pid
    start_host web "$port" Load__Mode=web ClickAnalytics__Redis__Configuration="127.0.0.1:$redis_port"
    web_pid=$host_pid
    warm untracked/load
    if step $((port + 1)) "$r" redis; then best=$r; ok=1; else ok=0; fi
    stop_host "$web_pid"; stop_host "$worker_pid"
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    (( ok )) || break
  done
  echo "web node + worker over Redis: every click stored up to $best req/s (of the steps tried)"
}

case "$command" in
  latency) latency ;;
  split) split ;;
  capacity) capacity ;;
  *) echo "usage: $0 [latency|split|capacity]" >&2; exit 2 ;;
esac
