#!/usr/bin/env bash
# Fetches the free country database (ip-location-db geo-whois-asn-country, CC0-1.0: no sign-up,
# no licence key) into DEST_DIR as country.mmdb, checked against its pinned integrity hash.
# Point ClickAnalytics:Geo:DatabasePath at DEST_DIR/country.mmdb.
#   eng/fetch-geoip.sh DEST_DIR
set -euo pipefail
dest=${1:?usage: eng/fetch-geoip.sh DEST_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dest"
bash "$here/npm-data.sh" \
  "@ip-location-db/geo-whois-asn-country-mmdb@2.3.2026061719" \
  "sha512-xemBDNQl4mCYDuVbqe3jKGKsVDykZGkfvebhtOh/3VGLadq8vsp7t7ontpMUt3hH7sAGT0eLDyJ99SV+0waxZg==" \
  "geo-whois-asn-country.mmdb" \
  "$dest/country.mmdb"
echo "$dest/country.mmdb"
