#!/usr/bin/env bash
# Installs (apt) and starts the test servers on loopback, builds the solution, runs every test
# project, stops the servers, and ends with the line "N passed, N failed, N skipped".
#
# Each eng/servers/<name>.sh defines start_<name> and stop_<name>; start_<name> exports the
# environment variables its tests read (CLICKANALYTICS_TEST_<NAME>_...). A server that cannot
# start is reported here, and the tests that need it fail with a message saying so.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export CLICKANALYTICS_TEST_STATE="${CLICKANALYTICS_TEST_STATE:-$(mktemp -d /tmp/clickanalytics-test.XXXXXX)}"
configuration="${CONFIGURATION:-Release}"

# shellcheck source=eng/lib.sh
source eng/lib.sh

# apt needs root: say so at the top, with what is missing, instead of failing later.
missing=$(missing_packages npm:npm redis-server:redis-server clickhouse-server:clickhouse-server curl:curl chromium:chromium)
if [ -n "$missing" ] && [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "!! eng/test.sh installs$missing with apt, which needs root (or sudo). Run it as root, or install them first;" >&2
  echo "!! until then the tests that need them fail and say why." >&2
fi

# The build embeds data from pinned npm packages, so it needs npm.
ensure_packages npm npm || { echo "npm could not be installed; the build needs it." >&2; }

# The dashboard's browser tests drive Debian's chromium through Playwright (no browser download).
ensure_packages chromium chromium || { echo "!! chromium could not be installed; the dashboard tests will fail and say so." >&2; }

servers=()
for script in eng/servers/*.sh; do
  [ -e "$script" ] || continue
  # shellcheck source=/dev/null
  source "$script"
  servers+=("$(basename "$script" .sh)")
done

stop_servers() {
  for name in "${servers[@]}"; do "stop_$name" >/dev/null 2>&1 || true; done
}
trap stop_servers EXIT

for name in "${servers[@]}"; do
  echo "== starting $name"
  if ! "start_$name"; then
    echo "!! $name could not be started; its tests will fail and say so." >&2
  fi
done

echo "== building ($configuration)"
if ! dotnet build ClickAnalytics.sln -c "$configuration" -nologo -clp:ErrorsOnly; then
  echo "The build failed."
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

passed=0; failed=0; skipped=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  log="$CLICKANALYTICS_TEST_STATE/$name.log"
  dotnet test "$project" -c "$configuration" --no-build --nologo ${TEST_FILTER:+--filter "$TEST_FILTER"} 2>&1 | tee "$log"
  summary=$(grep -E "Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+" "$log" | tail -n 1)
  if [ -z "$summary" ]; then
    echo "!! $name did not report results (crashed or did not run)."
    failed=$((failed + 1))
    continue
  fi
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
  p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  s=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  # A test host that crashed still prints a summary of what ran before it died; the run counts as failed.
  if grep -qE "Test Run Aborted|Test host process crashed" "$log"; then
    echo "!! $name: the test host crashed or the run was aborted."
    failed=$((failed + 1))
  fi
done

# The test script itself: its ports and which servers it stops.
echo "== test script (eng/tests/scripts.sh)"
if bash eng/tests/scripts.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# The packages themselves: packed, installed into a fresh host from a local feed, started.
echo "== packages (eng/pack-check.sh)"
if bash eng/pack-check.sh; then passed=$((passed + 1)); else echo "!! the packages do not install"; failed=$((failed + 1)); fi

stop_servers
trap - EXIT
echo "Logs, server state and the dashboard's screenshots: $CLICKANALYTICS_TEST_STATE (screenshots/)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
