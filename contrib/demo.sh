#!/usr/bin/env bash
# Builds a small demo store (GeoIP from the test fixtures, a VPN list) and prints the answers to the seed
# questions; the README's examples are this script's output. Usage: contrib/demo.sh [BIN_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(swift build --show-bin-path)}
d=$(mktemp -d)
mkdir -p "$d/mmdb" && perl Tests/Fixtures/mmdb/make-fixtures.pl "$d/mmdb" >/dev/null
printf '198.51.100.0/24\n' > "$d/vpn.txt"
cat > "$d/activityd.toml" <<TOML
data_dir = "$d/data"
[[input.udp]]
listen = ["127.0.0.1:5599"]
[enrich.geoip]
city = "$d/mmdb/City-Test.mmdb"
[[enrich.iplist]]
name = "corp-vpn-exits"
tag = "vpn"
path = "$d/vpn.txt"
TOML
"$bin/activityd" --config "$d/activityd.toml" 2>"$d/log" & pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$d"' EXIT
sleep 1
s() { "$bin/activityctl" send --to 127.0.0.1:5599 "$@" >/dev/null; }
s --time 2026-11-02T08:01:00Z --user alice --action login --ip 81.2.69.160 --device "iPhone 15" --entry mobile
s --time 2026-11-02T08:45:00Z --user alice --action subscription_started --ip 81.2.69.160 --subscription SUB-1001 --amount 19.99 --currency EUR --billing-cycles 12
s --time 2026-11-02T09:10:00Z --user alice --action logout --ip 81.2.69.160 --device "iPhone 15"
s --time 2026-11-03T07:55:00Z --user alice --action login --ip 2001:218::9 --device "Windows PC" --entry web
s --time 2026-11-03T10:00:00Z --user bob --action login --ip 89.160.20.115 --device "Android" --entry mobile
s --time 2026-11-04T11:00:00Z --user bob --action plan_extended --actor support.kim --actor-role support --comment "goodwill month"
for m in 01 02 03 04 05 06; do s --time 2026-11-05T12:${m}:00Z --user carol --action login_failed --outcome failure --reason invalid_password --ip 198.51.100.7 --entry web; done
s --time 2026-11-05T12:07:00Z --user carol --action login --ip 198.51.100.7 --device "Firefox" --entry web
s --time 2026-09-01T09:00:00Z --user dave --action login --ip 81.2.69.170 --device "pts/0" --entry ssh
s --time 2026-09-01T17:00:00Z --user dave --action logout --ip 81.2.69.170
s --time 2026-11-06T09:00:00Z --user erin --action refund_issued --actor admin.lee --actor-role admin --order "=HYPERLINK(\"x\")" --amount -5.00 --currency USD
s --user frank --action login --ip 81.2.69.160 --device "MacBook" --entry web      # now: logged in
sleep 0.5
kill -TERM $pid; wait $pid || true
c() { echo "\$ activityctl $*"; "$bin/activityctl" --data-dir "$d/data" "$@" --tz UTC; echo; }
c users
c users --inactive-since 30d
c events --user alice
c report logins --since 2026-11-01
c report failures --threshold 5 --window 10m
c report suspicious
c export --csv
