#!/usr/bin/env bash
# Sets everything up and runs the sample shortener on the embedded DuckDB store.
#   --seed                             first fill the store with a realistic day of clicks (for the dashboard)
#   ASPNETCORE_URLS                    where it listens (default http://localhost:5080)
#   ClickAnalytics__DuckDb__Path       its DuckDB file (default .data/clickanalytics.duckdb)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The build embeds data from pinned npm packages (user-agent rules, referer lists), so it needs npm.
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "npm is needed for the first build: sudo apt-get install -y npm" >&2
    exit 1
  fi
fi

dotnet build samples/ClickAnalytics.Sample.Shortener -c Release -nologo -clp:ErrorsOnly

mkdir -p .data
export ClickAnalytics__DuckDb__Path="${ClickAnalytics__DuckDb__Path:-$PWD/.data/clickanalytics.duckdb}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:5080}"
# A free (CC0) country database, so clicks get countries without signing up anywhere.
# Set the path only when the fetch worked: a configured database that does not exist stops the start.
if [ -z "${ClickAnalytics__Geo__DatabasePath:-}" ] && bash eng/fetch-geoip.sh .data/geoip >/dev/null; then
  export ClickAnalytics__Geo__DatabasePath="$PWD/.data/geoip/country.mmdb"
fi

if [ "${1:-}" = "--seed" ]; then
  # Through the library's own buffer, enrichment and store; the running sample must be stopped (one process owns the DuckDB file).
  Logging__LogLevel__Default=Warning dotnet run -c Release --no-build --project samples/ClickAnalytics.Sample.Shortener -- seed
fi

url="${ASPNETCORE_URLS%%;*}"
cat <<MSG
The sample shortener listens on $url and keeps its clicks in $ClickAnalytics__DuckDb__Path.
  Dashboard: $url/analytics/dashboard/   (a day of demo clicks: stop this, then ./eng/sample.sh --seed)
  curl -X POST $url/api/links -H 'Content-Type: application/json' -d '{"url":"https://example.com","code":"hello"}'
  # A browser's User-Agent: curl's own would be counted as a bot, and queries leave bots out.
  curl -i -A 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' $url/hello
  curl "$url/api/links/hello/clicks"
  curl "$url/api/links/hello/clicks/recent"     # what was stored: browser, device, bot verdict, geo, referer, campaign, repeats
  curl $url/analytics/query -H 'Content-Type: application/json' -d '{"range":"today","dimensions":["browser"],"metrics":["clicks","bots"]}'
  (the click is counted within about a second: clicks are stored in the background)
MSG
exec dotnet run -c Release --no-build --project samples/ClickAnalytics.Sample.Shortener
