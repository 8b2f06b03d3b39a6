#!/usr/bin/env bash
# Load harness: the sample shortener in Release, with the whole pipeline running (capture,
# buffer, processor, DuckDB), is hit by wrk on its tracked redirect and on an untracked copy of
# the same redirect, in alternating rounds within one run. Prints requests/s and p99 per round,
# the medians, and the tracked/untracked throughput ratio. Each round also reports the server
# process's CPU time per request (from /proc), which is steadier than requests/s on a noisy machine.
#   ROUNDS=3 DURATION=10s WARMUP=10s CONNECTIONS=32 THREADS=1 benchmarks/load/run.sh
# PROFILE=1 also samples the server with perf during each route's first round and prints where
# its CPU went (samples per 1 000 requests by library; 1 sample = 2 ms of CPU).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3} duration=${DURATION:-10s} connections=${CONNECTIONS:-32} threads=${THREADS:-1}
port=${PORT:-5099}
work=$(mktemp -d /tmp/clickanalytics-load.XXXXXX)

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

profile=${PROFILE:-0}
if [ "$profile" = 1 ] && ! command -v perf >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null
fi

dotnet build samples/ClickAnalytics.Sample.Shortener -c Release -nologo -clp:ErrorsOnly >/dev/null
# With PROFILE=1 the runtime writes a perf map so that JIT-compiled methods have names.
DOTNET_PerfMapEnabled=$profile DOTNET_EnableWriteXorExecute=$((1 - profile)) \
ASPNETCORE_URLS="http://127.0.0.1:$port" \
ClickAnalytics__DuckDb__Path="$work/clicks.duckdb" \
Sample__UntrackedRoute=true \
Logging__LogLevel__Default=Warning \
  dotnet samples/ClickAnalytics.Sample.Shortener/bin/Release/net10.0/ClickAnalytics.Sample.Shortener.dll >"$work/sample.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/api/links" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -X POST "http://127.0.0.1:$port/api/links" -H 'Content-Type: application/json' \
  -d '{"url":"https://example.com/landing","code":"load"}' >/dev/null

user_agent='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

# Warm both routes before measuring: with the measured User-Agent (its first parse builds the
# regexes it needs), under the measured load, and long enough for tiered compilation to finish
# with the pipeline's code too, which runs once per batch rather than once per request and so
# reaches its optimized tier later than the request path does.
warmup=${WARMUP:-10s}
wrk -t"$threads" -c"$connections" -d"$warmup" -H "User-Agent: $user_agent" "http://127.0.0.1:$port/load" >/dev/null
wrk -t"$threads" -c"$connections" -d"$warmup" -H "User-Agent: $user_agent" "http://127.0.0.1:$port/untracked/load" >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
seconds=${duration%s}
hz=$(getconf CLK_TCK)

run() { # route round -> "rps p99ms cpu_us_per_request"
  local out rps p99 c0 c1 perf_pid=""
  if [ "$profile" = 1 ] && [ "$2" = 1 ]; then
    perf record -F 499 -g -p "$pid" -o "$work/perf-${1//\//_}.data" -- sleep $((seconds > 3 ? seconds - 2 : 1)) >/dev/null 2>&1 &
    perf_pid=$!
  fi
  c0=$(cpu_ticks)
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency \
    -H "User-Agent: $user_agent" \
    "http://127.0.0.1:$port/$1")
  c1=$(cpu_ticks)
  [ -n "$perf_pid" ] && wait "$perf_pid"
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99 $(awk -v c=$((c1 - c0)) -v hz="$hz" -v r="$rps" -v s="$seconds" 'BEGIN {printf "%.1f", c / hz * 1e6 / (r * s)}')"
}

tracked=() untracked=() tracked_p99=() untracked_p99=()
declare -A first_rps
printf '%-6s %-10s %12s %10s %16s\n' round route "requests/s" "p99 ms" "server µs/req"
for r in $(seq 1 "$rounds"); do
  # Alternate the order so neither route always runs on a warmer (or more tired) machine.
  if (( r % 2 )); then order="load untracked/load"; else order="untracked/load load"; fi
  for route in $order; do
    read -r rps p99 cpu <<<"$(run "$route" "$r")"
    if [ "$route" = load ]; then tracked+=("$rps"); tracked_p99+=("$p99"); name=tracked
    else untracked+=("$rps"); untracked_p99+=("$p99"); name=untracked; fi
    [ "$r" = 1 ] && first_rps[$name]=$rps
    printf '%-6s %-10s %12s %10s %16s\n' "$r" "$name" "$rps" "$p99" "$cpu"
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
t=$(median "${tracked[@]}"); u=$(median "${untracked[@]}")
tp=$(median "${tracked_p99[@]}"); up=$(median "${untracked_p99[@]}")
echo
echo "median tracked:   $t requests/s, p99 $tp ms"
echo "median untracked: $u requests/s, p99 $up ms"
awk -v t="$t" -v u="$u" 'BEGIN {printf "tracked / untracked throughput: %.3f\n", t/u}'

if [ "$profile" = 1 ]; then
  for name in tracked untracked; do
    file="$work/perf-load.data"; [ "$name" = untracked ] && file="$work/perf-untracked_load.data"
    echo
    echo "where the server's CPU went in the first $name round (perf samples per 1 000 requests):"
    perf report -i "$file" --no-children --sort dso -g none -F sample,dso 2>/dev/null | grep -v '^#' | grep -v '^$' |
      awk -v r="${first_rps[$name]}" -v s=$((seconds > 3 ? seconds - 2 : 1)) '{n=$1; $1=""; printf "  %8.2f %s\n", n * 1000 / (r * s), $0}' | sort -rn | head -12
  done
fi

# The clicks really went through the pipeline: ask the sample what it stored.
sleep 2
stored=$(curl -fsS "http://127.0.0.1:$port/api/links/load/clicks?includeBots=true&includeRepeats=true" | grep -o '"clicks":[0-9]*' | awk -F: '{s+=$2} END {print s}')
echo "clicks stored for the tracked route: $stored"
