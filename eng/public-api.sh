#!/usr/bin/env bash
# Records the packages' public surface: builds src/ with the public API analyzer's findings as
# warnings, adds every symbol it reports as undeclared (RS0016) to that project's
# PublicAPI.Unshipped.txt and removes every declared symbol it can no longer find (RS0017).
# Run it after a deliberate change to the public API; the diff of those files is what to review.
# The normal build fails on either finding, so an unreviewed change cannot land.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for project in src/*/*.csproj; do
  dotnet build "$project" -c Release --no-incremental -nologo -p:TreatWarningsAsErrors=false -clp:NoSummary >>"$log" 2>&1 || true
done

python3 - "$log" <<'PY'
import collections, os, re, sys
added = collections.defaultdict(set)
removed = collections.defaultdict(set)
pattern = re.compile(r"(RS0016|RS0017): Symbol '(.+?)' is (?:not part of the declared|part of the declared).*\[(.+?\.csproj)\]")
for line in open(sys.argv[1], encoding="utf-8"):
    m = pattern.search(line)
    if m:
        (added if m.group(1) == "RS0016" else removed)[os.path.dirname(m.group(3))].add(m.group(2))
for folder in sorted(set(added) | set(removed)):
    path = os.path.join(folder, "PublicAPI.Unshipped.txt")
    lines = [l.rstrip("\n") for l in open(path, encoding="utf-8")] if os.path.exists(path) else ["#nullable enable"]
    body = (set(lines[1:]) | added[folder]) - removed[folder]
    with open(path, "w", encoding="utf-8") as f:
        f.write("#nullable enable\n" + "".join(s + "\n" for s in sorted(body, key=str.lower) if s))
    print(f"{path}: +{len(added[folder])} -{len(removed[folder])}")
PY
grep -hE "error|warning RS00(2|3|4)" "$log" | grep -v "RS0016\|RS0017" | sort -u | head -20 || true
