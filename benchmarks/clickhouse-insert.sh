#!/usr/bin/env bash
# Side by side: rows/s of the ClickHouse sink vs clickhouse-client inserting the same rows into the
# same schema (rollup views included), on one server, one after the other in one run.
#
#   benchmarks/clickhouse-insert.sh [ROWS] [BATCH]
#
# Needs a running server: CLICKANALYTICS_TEST_CLICKHOUSE (HTTP URL, default http://127.0.0.1:28123)
# and CLICKHOUSE_TCP_PORT (native port for clickhouse-client, default 29000), as eng/servers/clickhouse.sh starts it.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-500000}
batch=${2:-10000}
url=${CLICKANALYTICS_TEST_CLICKHOUSE:-http://127.0.0.1:28123}
tcp=${CLICKHOUSE_TCP_PORT:-29000}
host=$(sed -E 's#^https?://([^:/]+).*#\1#' <<<"$url")
work=$(mktemp -d /tmp/clickanalytics-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
run=$(date +%s)

dotnet build benchmarks/ClickAnalytics.Benchmarks.ClickHouse -c Release -nologo -clp:ErrorsOnly >/dev/null
bench() { dotnet benchmarks/ClickAnalytics.Benchmarks.ClickHouse/bin/Release/net10.0/ClickAnalytics.Benchmarks.ClickHouse.dll "$@"; }
columns="event_id, timestamp, date, tenant_id, link_id, user_agent, referer, is_head, is_prefetch, is_qr, tags, browser_family, browser_major, browser_minor, browser_patch, os_family, os_major, os_minor, os_patch, os_patch_minor, device_family, device_brand, device_model, device_type, is_bot, bot_class, bot_reasons, continent, country, region, city, asn, asn_org, geo_db, referer_host, referer_medium, referer_source, search_term, utm_source, utm_medium, utm_campaign, utm_term, utm_content, language, visitor_id, ip, is_repeat, repeat_of, repeat_reason"

sink_line=$(bench insert "$url" "bench_sink_$run" "$rows" "$batch" "$work/rows.tsv" | tail -n 1)

bench schema "$url" "bench_client_$run"
start=$(date +%s.%N)
clickhouse-client --host "$host" --port "$tcp" --database "bench_client_$run" \
  --query "INSERT INTO clicks ($columns) FORMAT TabSeparated" <"$work/rows.tsv"
end=$(date +%s.%N)

# The same rows again, one clickhouse-client insert per batch of the same size as the sink's.
bench schema "$url" "bench_client_batched_$run"
split -l "$batch" -d -a 6 "$work/rows.tsv" "$work/part."
bstart=$(date +%s.%N)
for part in "$work"/part.*; do
  clickhouse-client --host "$host" --port "$tcp" --database "bench_client_batched_$run" \
    --query "INSERT INTO clicks ($columns) FORMAT TabSeparated" <"$part"
done
bend=$(date +%s.%N)

stored_sink=$(curl -fsS "$url/?database=bench_sink_$run" --data-binary "SELECT count() FROM clicks WHERE date >= '2026-01-01'")
stored_client=$(curl -fsS "$url/?database=bench_client_$run" --data-binary "SELECT count() FROM clicks")
for db in "bench_sink_$run" "bench_client_$run" "bench_client_batched_$run"; do
  curl -fsS "$url/" --data-binary "DROP DATABASE IF EXISTS $db" >/dev/null
done

python3 - "$sink_line" "$start" "$end" "$bstart" "$bend" "$rows" "$batch" "$stored_sink" "$stored_client" <<'PY'
import re, sys
sink, start, end, bstart, bend, rows, batch, stored_sink, stored_client = sys.argv[1:]
rate = lambda line: float(re.search(r"rows_per_s=(\d+)", line).group(1))
client = int(rows) / (float(end) - float(start))
batched = int(rows) / (float(bend) - float(bstart))
print(f"rows={rows} batch={batch} (rows stored: sink {stored_sink}, clickhouse-client {stored_client})")
print(f"clickhouse-client, one insert of all rows:      {client:,.0f} rows/s")
print(f"clickhouse-client, one insert per {batch} rows: {batched:,.0f} rows/s")
r = rate(sink)
print(f"store (redelivery lookup included): {r:,.0f} rows/s = {r / client:.0%} of one insert, {r / batched:.0%} of batched")
PY
