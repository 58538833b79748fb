#!/usr/bin/env bash
# Writes a small demo store for activity-web with the real daemon: GeoIP from the test fixtures, a VPN list, and
# the demo data set of scripts/demo-events.sh (two accounts, a VPN login, a failure burst, a formula in a cell,
# a user named <script>...). Used by scripts/run-web-dev.sh and the browser test.
# Usage: scripts/web-demo-store.sh DIR [BIN_DIR]   (the store is DIR/data; DIR is created)
set -euo pipefail
cd "$(dirname "$0")/.."
d=${1:?usage: web-demo-store.sh DIR [BIN_DIR]}
bin=${2:-$(swift build --show-bin-path)}
mkdir -p "$d/mmdb"
d=$(cd "$d" && pwd)
perl Tests/Fixtures/mmdb/make-fixtures.pl "$d/mmdb" >/dev/null
printf '198.51.100.0/24\n' > "$d/vpn.txt"
cat > "$d/activityd-demo.toml" <<TOML
data_dir = "$d/data"
[[input.udp]]
listen = ["127.0.0.1:0"]
[enrich.geoip]
city = "$d/mmdb/City-Test.mmdb"
[[enrich.iplist]]
name = "corp-vpn-exits"
tag = "vpn"
path = "$d/vpn.txt"
TOML
"$bin/activityd" --config "$d/activityd-demo.toml" 2>"$d/activityd.log" & pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 600); do
    port=$(grep -o 'IPv4\][^ ]*' "$d/activityd.log" 2>/dev/null | head -n 1 | sed 's/.*://') || true
    [ -n "$port" ] && break
    kill -0 $pid 2>/dev/null || { cat "$d/activityd.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { echo "web-demo-store: activityd did not start" >&2; cat "$d/activityd.log" >&2; exit 1; }
scripts/demo-events.sh "$port" "$d/data" "$bin"
kill -TERM $pid; wait $pid || true
trap - EXIT
echo "$d/data"
