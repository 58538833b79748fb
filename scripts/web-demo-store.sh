#!/usr/bin/env bash
# Writes a small demo store for activity-web with the real daemon: GeoIP from the test fixtures, a VPN list,
# two accounts (acme, globex) and users without one, a failure burst, a refund with a formula in a cell and a
# user named <script>. Used by scripts/run-web-dev.sh (the quick start) and the browser test.
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
n=0
s() { "$bin/activityctl" send --to "127.0.0.1:$port" "$@" >/dev/null; n=$((n + 1)); }
s --time 2026-11-02T08:01:00Z --user alice --account acme --action login --ip 81.2.69.160 --device "iPhone 15" --entry mobile
s --time 2026-11-02T08:45:00Z --user alice --account acme --action subscription_started --ip 81.2.69.160 --subscription SUB-1001 --amount 19.99 --currency EUR --billing-cycles 12
s --time 2026-11-02T09:10:00Z --user alice --account acme --action logout --ip 81.2.69.160 --device "iPhone 15"
s --time 2026-11-03T07:55:00Z --user alice --account acme --action login --ip 2001:218::9 --device "Windows PC" --entry web
s --time 2026-11-04T18:20:00Z --user alice --account acme --action login --ip 198.51.100.23 --device "Firefox" --entry web
s --time 2026-11-04T18:30:00Z --user alice --account acme --action order_placed --ip 198.51.100.23 --order O-7 --amount 42.00 --currency EUR
s --time 2026-11-04T19:00:00Z --user alice --account acme --action email_changed --category admin --actor admin.lee --actor-role admin --comment "requested by phone"
for m in 01 02 03 04 05 06; do
    s --time 2026-11-05T12:${m}:00Z --user carol --account acme --action login_failed --outcome failure --reason invalid_password --ip 198.51.100.7 --entry web
done
s --time 2026-11-05T12:07:00Z --user carol --account acme --action login --ip 198.51.100.7 --device "Firefox" --entry web
s --time 2026-11-05T13:00:00Z --user '<script>alert(1)</script>' --account acme --action login --ip 81.2.69.161 --device '<img src=x onerror=alert(2)>' --entry web
s --time 2026-11-03T10:00:00Z --user bob --account globex --action login --ip 89.160.20.115 --device "Android" --entry mobile
s --time 2026-11-04T11:00:00Z --user bob --account globex --action plan_extended --actor support.kim --actor-role support --comment "goodwill month"
s --time 2026-11-06T09:00:00Z --user bob --account globex --action refund_issued --actor admin.lee --actor-role admin --order '=HYPERLINK("x")' --amount -5.00 --currency USD
s --time 2026-09-01T09:00:00Z --user dave --action login --ip 81.2.69.170 --device "pts/0" --entry ssh
s --time 2026-09-01T17:00:00Z --user dave --action logout --ip 81.2.69.170
s --user frank --account acme --action login --ip 81.2.69.160 --device "MacBook" --entry web
# Wait until every event is stored (UDP: the daemon reads them asynchronously), then stop the daemon.
for _ in $(seq 1 300); do
    got=$("$bin/activityctl" --data-dir "$d/data" events --format jsonl 2>/dev/null | wc -l)
    [ "$got" -ge "$n" ] && break
    sleep 0.1
done
[ "$got" -ge "$n" ] || { echo "web-demo-store: only $got of $n events stored" >&2; exit 1; }
kill -TERM $pid; wait $pid || true
trap - EXIT
echo "$d/data"
