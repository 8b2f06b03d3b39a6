#!/usr/bin/env bash
# Dashboard query latency on DuckDB and ClickHouse over 30 days of ROWS realistic clicks (default 10 M).
#
#   benchmarks/queries.sh [ROWS]
#
# Loads each store once (DuckDB through the store, into benchmarks/.data/queries.duckdb; ClickHouse
# generated on the server at CLICKANALYTICS_TEST_CLICKHOUSE, database bench_queries), then runs
# DashboardQueryBenchmarks with BenchmarkDotNet: every standard request, on both stores, uncached
# and cached.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
url=${CLICKANALYTICS_TEST_CLICKHOUSE:-http://127.0.0.1:28123}
file=benchmarks/.data/queries.duckdb
mkdir -p benchmarks/.data

dotnet build benchmarks/ClickAnalytics.Benchmarks.Queries -c Release -nologo -clp:ErrorsOnly >/dev/null
bench() { dotnet benchmarks/ClickAnalytics.Benchmarks.Queries/bin/Release/net10.0/ClickAnalytics.Benchmarks.Queries.dll "$@"; }

bench load clickhouse "$url" bench_queries "$rows" 30
bench load duckdb "$file" "$rows" 30
CLICKANALYTICS_BENCH_DUCKDB="$file" CLICKANALYTICS_BENCH_CLICKHOUSE="$url" CLICKANALYTICS_BENCH_DATABASE=bench_queries \
  bench queries --filter '*' "${@:2}"
