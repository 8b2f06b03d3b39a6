#!/usr/bin/env bash
# Load harness: the sample shortener in Release, with the whole pipeline running (capture,
# buffer, processor, DuckDB), is hit by wrk on its tracked redirect and on an untracked copy of
# the same redirect, in alternating rounds within one run. Prints requests/s and p99 per round,
# the medians, and the tracked/untracked throughput ratio. Each round also reports the server
# process's CPU time per request (from /proc), which is steadier than requests/s on a noisy machine,
# split into user and system time, and the whole machine's idle share.
#   ROUNDS=3 DURATION=10s WARMUP=30s CONNECTIONS=32 THREADS=1 benchmarks/load/run.sh
# PROFILE=1 also samples the server with perf during each route's first round and prints where
# its CPU went (samples per 1 000 requests by library; 1 sample = 2 ms of CPU).
# BUFFER=redis runs the sample as a web node of the distributed mode instead: it captures into a
# Redis stream (a redis-server started here on loopback) and processes nothing, as web nodes do
# when workers store; the clicks are then counted in the stream.
# STORE=none runs the whole pipeline but the store: clicks are captured, buffered and enriched, then
# counted and dropped by the sample's discarding sink instead of written to DuckDB, which shows what
# the store itself costs when compared with a default run.
# ENRICH=none removes every enrichment stage; with STORE=none what is left of the pipeline is capture,
# the buffer and the processor's batching, which shows what they cost on their own.
# CALIBRATE=1 sends both sides to the untracked route (the pipeline runs but receives nothing): the
# ratio it prints is what this machine's own drift makes of two identical routes, the resolution
# against which a default run's ratio has to be read.
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

buffer=${BUFFER:-channel}
store=${STORE:-duckdb}
enrich=${ENRICH:-all}
calibrate=${CALIBRATE:-0}
tracked_path=load
[ "$calibrate" = 1 ] && tracked_path=untracked/load
redis_port=${REDIS_PORT:-6399}
extra_env=()
[ "$store" = none ] && extra_env+=(Sample__DiscardClicks=true)
[ "$enrich" = none ] && extra_env+=(Sample__SkipEnrichment=true)
if [ "$buffer" = redis ]; then
  if ! command -v redis-server >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
  fi
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$work" --pidfile "$work/redis.pid" --logfile "$work/redis.log"
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  # The stream is not trimmed during the run, so every click produced can be counted at the end.
  extra_env+=(ClickAnalytics__Redis__Configuration="127.0.0.1:$redis_port" ClickAnalytics__ProcessingEnabled=false
    ClickAnalytics__Redis__MaxLength=1000000000)
fi

dotnet build samples/ClickAnalytics.Sample.Shortener -c Release -nologo -clp:ErrorsOnly >/dev/null
# With PROFILE=1 the runtime writes a perf map so that JIT-compiled methods have names.
DOTNET_PerfMapEnabled=$profile DOTNET_EnableWriteXorExecute=$((1 - profile)) \
ASPNETCORE_URLS="http://127.0.0.1:$port" \
ClickAnalytics__DuckDb__Path="$work/clicks.duckdb" \
env "${extra_env[@]}" \
Sample__UntrackedRoute=true \
Logging__LogLevel__Default=Warning \
  dotnet samples/ClickAnalytics.Sample.Shortener/bin/Release/net10.0/ClickAnalytics.Sample.Shortener.dll >"$work/sample.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; [ "$buffer" = redis ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1; rm -rf "$work"' EXIT

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
# reaches its optimized tier later than the request path does. Under this load the runtime was
# still compiling ≈ 50 methods a second between 10 and 20 s and ≈ 25 between 20 and 30 s, and
# settles at a trickle of ≈ 5 after that, hence 30 s.
warmup=${WARMUP:-30s}
# Every tracked request is counted (warm-up included), to compare with the clicks that arrived.
requests_of() { awk '/requests in/ {print $1}' <<<"$1"; }
tracked_sent=$(requests_of "$(wrk -t"$threads" -c"$connections" -d"$warmup" -H "User-Agent: $user_agent" "http://127.0.0.1:$port/$tracked_path")")
wrk -t"$threads" -c"$connections" -d"$warmup" -H "User-Agent: $user_agent" "http://127.0.0.1:$port/untracked/load" >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The server's user and system time apart (their sum is its CPU time), and the whole machine's idle and total time.
server_split() { awk '{print $14, $15}' "/proc/$pid/stat"; }
machine_idle() { awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
redis_pid=""
[ "$buffer" = redis ] && redis_pid=$(cat "$work/redis.pid")
seconds=${duration%s}
hz=$(getconf CLK_TCK)

run() { # name path round -> "rps p99ms cpu_us_per_request redis_cpu_us_per_request requests user_us sys_us idle_percent"
  local out rps p99 r0=0 r1=0 perf_pid="" u0 s0 u1 s1 i0 t0 i1 t1
  if [ "$profile" = 1 ] && [ "$3" = 1 ]; then
    perf record -F 499 -g -p "$pid" -o "$work/perf-$1.data" -- sleep $((seconds > 3 ? seconds - 2 : 1)) >/dev/null 2>&1 &
    perf_pid=$!
  fi
  read -r u0 s0 <<<"$(server_split)"
  read -r i0 t0 <<<"$(machine_idle)"
  [ -n "$redis_pid" ] && r0=$(cpu_ticks "$redis_pid")
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency \
    -H "User-Agent: $user_agent" \
    "http://127.0.0.1:$port/$2")
  read -r u1 s1 <<<"$(server_split)"
  read -r i1 t1 <<<"$(machine_idle)"
  [ -n "$redis_pid" ] && r1=$(cpu_ticks "$redis_pid")
  [ -n "$perf_pid" ] && wait "$perf_pid"
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  per_request() { awk -v c="$1" -v hz="$hz" -v r="$rps" -v s="$seconds" 'BEGIN {printf "%.1f", c / hz * 1e6 / (r * s)}'; }
  echo "$rps $p99 $(per_request $((u1 - u0 + s1 - s0))) $(per_request $((r1 - r0))) $(requests_of "$out") $(per_request $((u1 - u0))) $(per_request $((s1 - s0))) $(awk -v i=$((i1 - i0)) -v t=$((t1 - t0)) 'BEGIN {printf "%.1f", t ? 100 * i / t : 0}')"
}

tracked=() untracked=() tracked_p99=() untracked_p99=() tracked_cpu=() untracked_cpu=()
tracked_user=() untracked_user=() tracked_sys=() untracked_sys=()
declare -A first_rps
# One line per round; the redis-server's CPU only when there is one.
row() { # round route rps p99 server_cpu user/sys idle redis_cpu
  printf '%-6s %-10s %12s %10s %16s %18s %10s' "$1" "$2" "$3" "$4" "$5" "$6" "$7"
  if [ "$buffer" = redis ]; then printf ' %15s' "$8"; fi
  echo
}
[ "$calibrate" = 1 ] && echo "CALIBRATE=1: the rows named tracked also go to the untracked route"
row round route "requests/s" "p99 ms" "server µs/req" "user/sys µs/req" "idle %" "redis µs/req"
for r in $(seq 1 "$rounds"); do
  # Alternate the order so neither route always runs on a warmer (or more tired) machine.
  if (( r % 2 )); then order="tracked untracked"; else order="untracked tracked"; fi
  for name in $order; do
    path=untracked/load
    [ "$name" = tracked ] && path=$tracked_path
    read -r rps p99 cpu redis_cpu sent user sys idle <<<"$(run "$name" "$path" "$r")"
    if [ "$name" = tracked ]; then tracked+=("$rps"); tracked_p99+=("$p99"); tracked_cpu+=("$cpu"); tracked_sent=$((tracked_sent + sent))
      tracked_user+=("$user"); tracked_sys+=("$sys")
    else untracked+=("$rps"); untracked_p99+=("$p99"); untracked_cpu+=("$cpu"); untracked_user+=("$user"); untracked_sys+=("$sys"); fi
    [ "$r" = 1 ] && first_rps[$name]=$rps
    row "$r" "$name" "$rps" "$p99" "$cpu" "$user/$sys" "$idle" "$redis_cpu"
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
t=$(median "${tracked[@]}"); u=$(median "${untracked[@]}")
tp=$(median "${tracked_p99[@]}"); up=$(median "${untracked_p99[@]}")
echo
echo "median tracked:   $t requests/s, p99 $tp ms"
echo "median untracked: $u requests/s, p99 $up ms"
awk -v t="$t" -v u="$u" 'BEGIN {printf "tracked / untracked throughput: %.3f\n", t/u}'
# Each round's two routes ran back to back, so their ratio shares the machine's state of the moment;
# the spread of these per-round ratios shows how far one run's headline ratio can be trusted.
round_ratios=()
for i in "${!tracked[@]}"; do
  round_ratios+=("$(awk -v t="${tracked[$i]}" -v u="${untracked[$i]}" 'BEGIN {printf "%.3f", t/u}')")
done
quartiles() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {q1=a[int((NR+3)/4)]; q3=a[int((3*NR+3)/4)]; print q1, q3}'; }
read -r q1 q3 <<<"$(quartiles "${round_ratios[@]}")"
echo "per-round ratios: ${round_ratios[*]} (median $(median "${round_ratios[@]}"), middle half $q1–$q3)"
tc=$(median "${tracked_cpu[@]}"); uc=$(median "${untracked_cpu[@]}")
echo "median server CPU per request: tracked $tc µs, untracked $uc µs"
awk -v t="$tc" -v u="$uc" 'BEGIN {printf "untracked / tracked server CPU per request: %.3f (the throughput ratio if the server'"'"'s CPU were the only limit)\n", u/t}'
# Which kind of CPU the tracked route adds: user time is the pipeline's own code (and the runtime's),
# system time the kernel's (sockets, scheduling, the store's file writes).
awk -v tu="$(median "${tracked_user[@]}")" -v uu="$(median "${untracked_user[@]}")" -v ts="$(median "${tracked_sys[@]}")" -v us="$(median "${untracked_sys[@]}")" \
  'BEGIN {printf "median server user / system CPU per request: tracked %.1f / %.1f µs, untracked %.1f / %.1f µs (tracked adds %.1f user, %.1f system)\n", tu, ts, uu, us, tu - uu, ts - us}'

if [ "$profile" = 1 ]; then
  for name in tracked untracked; do
    file="$work/perf-$name.data"
    echo
    echo "where the server's CPU went in the first $name round (perf samples per 1 000 requests):"
    perf report -i "$file" --no-children --sort dso -g none -F sample,dso 2>/dev/null | grep -v '^#' | grep -v '^$' |
      awk -v r="${first_rps[$name]}" -v s=$((seconds > 3 ? seconds - 2 : 1)) '{n=$1; $1=""; printf "  %8.2f %s\n", n * 1000 / (r * s), $0}' | sort -rn | head -12
  done
fi

# The clicks really went through the pipeline: ask the sample what it stored.
sleep 2
if [ "$calibrate" = 1 ]; then
  echo "CALIBRATE=1: no tracked requests were sent; the ratio above is the machine's own"
elif [ "$buffer" = redis ]; then
  echo "tracked requests sent: $tracked_sent; clicks in the Redis stream: $(redis-cli -p "$redis_port" xlen clickanalytics:clicks)"
elif [ "$store" = none ]; then
  counts=$(curl -fsS "http://127.0.0.1:$port/api/discarded-clicks")
  discarded=$(grep -o '"clicks":[0-9]*' <<<"$counts" | cut -d: -f2)
  enriched=$(grep -o '"enriched":[0-9]*' <<<"$counts" | cut -d: -f2)
  echo "tracked requests sent: $tracked_sent; clicks discarded (STORE=none): $discarded, of them enriched: $enriched"
else
  stored=$(curl -fsS "http://127.0.0.1:$port/api/links/load/clicks?includeBots=true&includeRepeats=true" | grep -o '"clicks":[0-9]*' | awk -F: '{s+=$2} END {print s}')
  echo "tracked requests sent: $tracked_sent; clicks stored for the tracked route: $stored"
fi
