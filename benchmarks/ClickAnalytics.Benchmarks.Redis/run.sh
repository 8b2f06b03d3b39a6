#!/usr/bin/env bash
# Producer vs redis-benchmark XADD, side by side: same redis-server, same payload size (the average
# binary entry of the benchmark's clicks), same pipelining (PIPELINE commands per round trip on one
# connection), rounds alternating between the two. Prints each round, the medians and their ratio,
# then the end-to-end throughput.
# Usage: benchmarks/ClickAnalytics.Benchmarks.Redis/run.sh [COUNT] [PIPELINE] [ROUNDS] [E2E_COUNT]
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-200000}; pipeline=${2:-500}; rounds=${3:-5}; e2e_count=${4:-200000}
port=${REDIS_BENCH_PORT:-6399}

command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server redis-tools >/dev/null; }
dotnet build -c Release benchmarks/ClickAnalytics.Benchmarks.Redis -nologo -clp:ErrorsOnly >/dev/null
bench="dotnet benchmarks/ClickAnalytics.Benchmarks.Redis/bin/Release/net10.0/ClickAnalytics.Benchmarks.Redis.dll"

dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" >/dev/null
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.2; done

size=$($bench payload-size)
payload=$(head -c "$size" /dev/zero | tr '\0' x)
echo "payload $size B, $count entries per run, pipeline $pipeline, $rounds rounds, redis $(redis-server --version | grep -o 'v=[0-9.]*')"
ours=(); theirs=()
for ((r = 1; r <= rounds; r++)); do
  line=$($bench producer "127.0.0.1:$port" "$count" "$pipeline")
  o=$(sed -E 's/.* ([0-9]+) clicks\/s.*/\1/' <<<"$line")
  redis-cli -p "$port" flushall >/dev/null
  t=$(redis-benchmark -h 127.0.0.1 -p "$port" -n "$count" -P "$pipeline" -c 1 -q \
        XADD bench:redis-benchmark MAXLEN '~' 1000000 '*' c "$payload" | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)
  t=${t%.*}
  redis-cli -p "$port" flushall >/dev/null
  ours+=("$o"); theirs+=("$t")
  echo "round $r: producer $o clicks/s, redis-benchmark $t XADD/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mo=$(median "${ours[@]}"); mt=$(median "${theirs[@]}")
echo "median: producer $mo clicks/s, redis-benchmark $mt XADD/s, ratio $(awk -v a="$mo" -v b="$mt" 'BEGIN {printf "%.0f%%", 100 * a / b}')"

# End to end: the same clicks through producer, Redis, processor (enrichment) into the DuckDB store,
# and once more with no store, to show what the store costs.
$bench e2e "127.0.0.1:$port" "$e2e_count"
# The worker side alone: the stream is filled first (untimed), then one worker host drains it.
$bench drain "127.0.0.1:$port" "$e2e_count" "$dir/e2e.duckdb"
$bench e2e "127.0.0.1:$port" "$e2e_count"
# The worker side alone: the stream is filled first (untimed), then one worker host drains it.
$bench drain "127.0.0.1:$port" "$e2e_count"
