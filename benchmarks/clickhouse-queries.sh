#!/usr/bin/env bash
# Dashboard query latency over 30 days of rollups with RAW_CLICKS raw clicks loaded (default 10 M).
#
#   benchmarks/clickhouse-queries.sh [RAW_CLICKS]
#
# Loads the database bench_rollups once (clicks generated on the server, rolled up by the store's
# materialized views), then runs RollupQueryBenchmarks with BenchmarkDotNet.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
url=${CLICKANALYTICS_TEST_CLICKHOUSE:-http://127.0.0.1:28123}
database=bench_rollups

dotnet build benchmarks/ClickAnalytics.Benchmarks.ClickHouse -c Release -nologo -clp:ErrorsOnly >/dev/null
bench() { dotnet benchmarks/ClickAnalytics.Benchmarks.ClickHouse/bin/Release/net10.0/ClickAnalytics.Benchmarks.ClickHouse.dll "$@"; }

loaded=$(curl -fsS "$url/" --data-binary "SELECT count() FROM $database.clicks" 2>/dev/null || echo 0)
if [ "$loaded" -lt "$rows" ]; then
  curl -fsS "$url/" --data-binary "DROP DATABASE IF EXISTS $database" >/dev/null
  bench load "$url" "$database" "$rows" 30
fi
echo "raw clicks: $(curl -fsS "$url/" --data-binary "SELECT count() FROM $database.clicks")," \
  "daily rollup rows: $(curl -fsS "$url/" --data-binary "SELECT count() FROM $database.clicks_daily")"

CLICKANALYTICS_BENCH_CLICKHOUSE="$url" CLICKANALYTICS_BENCH_DATABASE="$database" bench queries --filter '*'
