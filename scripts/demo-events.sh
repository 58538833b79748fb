#!/usr/bin/env bash
# Sends the demo data set to a running activityd over UDP with `activityctl send`, then waits until the daemon has
# stored all of it: two accounts (acme, globex) and users without one, logins with devices and entry methods, a
# VPN login (198.51.100.0/24, a documentation range both demo configurations list as VPN exits), a failure burst,
# subscriptions, orders, admin actions, a refund with a formula in a cell and a user named <script>.
# Used by scripts/run-dev.sh (the quick start) and scripts/web-demo-store.sh (the browser test's store).
# Usage: scripts/demo-events.sh PORT DATA_DIR [BIN_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:?usage: demo-events.sh PORT DATA_DIR [BIN_DIR]}
data=${2:?usage: demo-events.sh PORT DATA_DIR [BIN_DIR]}
bin=${3:-$(swift build --show-bin-path)}
before=$("$bin/activityctl" --data-dir "$data" events --format jsonl --order seq 2>/dev/null | wc -l) || before=0
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
# UDP: the daemon reads them asynchronously. Wait (bounded) until every one is stored.
got=$before
for _ in $(seq 1 300); do
    got=$("$bin/activityctl" --data-dir "$data" events --format jsonl --order seq 2>/dev/null | wc -l) || true
    [ "$got" -ge $((before + n)) ] && break
    sleep 0.1
done
[ "$got" -ge $((before + n)) ] || { echo "demo-events: only $((got - before)) of $n events stored" >&2; exit 1; }
