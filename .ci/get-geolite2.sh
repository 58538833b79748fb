#!/bin/sh
# .ci/get-geolite2.sh [DEST] - fetch the 2018 GeoLite2-City.mmdb for the enrichment cross-check test.
#
# The database comes from PyPI (package maxminddb-geolite2 2018.703, an sdist that bundles it; GeoLite2 data
# by MaxMind under CC BY-SA 3.0), fetched with `pip download` (no install, no other network). Idempotent:
# nothing is fetched when DEST already has the expected checksum. Prints DEST as the last line of stdout, so:
#
#   export ACTIVITYD_GEOLITE2_CITY=$(.ci/get-geolite2.sh | tail -n 1)
#   apt-get install -y mmdb-bin            # the reference reader, mmdblookup
#   swift test --filter GeoLite2CrossCheck
#
# Needs: pip (pip3), tar, sha256sum. DEST defaults to ${TMPDIR:-/tmp}/activityd-geolite2/GeoLite2-City.mmdb.
set -eu
DEST=${1:-${TMPDIR:-/tmp}/activityd-geolite2/GeoLite2-City.mmdb}
SHA=55ad8f80b9f9a800272ab36ead4e814987bd258413cb03cfa80fa873478f62e9
VER=2018.703
if [ -f "$DEST" ] && echo "$SHA  $DEST" | sha256sum -c --status; then echo "$DEST"; exit 0; fi
DL=$(dirname "$DEST")/pipdl
mkdir -p "$DL"
PIP=${PIP:-pip3}
command -v "$PIP" >/dev/null 2>&1 || PIP=pip
[ -f "$DL/maxminddb-geolite2-$VER.tar.gz" ] ||
    timeout 300 "$PIP" download --no-deps --no-binary :all: "maxminddb-geolite2==$VER" -d "$DL" >&2
tar -xzf "$DL/maxminddb-geolite2-$VER.tar.gz" -O \
    "maxminddb-geolite2-$VER/_maxminddb_geolite2/GeoLite2-City.mmdb" > "$DEST.tmp"
echo "$SHA  $DEST.tmp" | sha256sum -c --status || { echo "checksum mismatch for GeoLite2-City.mmdb" >&2; rm -f "$DEST.tmp"; exit 1; }
mv "$DEST.tmp" "$DEST"   # atomic: a test reading an older copy never sees a half-written file
echo "$DEST"
