#!/usr/bin/env bash
# The check API's speed (issue 17): wrk against POST /v1/check on loopback, release build, checks alone and
# while udpgen sends 20,000 events/s to the same daemon; per-thread CPU of the daemon (pidstat -t) during the
# ingest run.
#   scripts/bench-check.sh [DURATION_S=10] [CONNECTIONS="2 4"]
# Environment: GEOIP=path to a GeoLite2 City .mmdb (default /tmp/peer/GeoLite2-City.mmdb, used when present;
# ../shared/bench/get-geolite2.sh fetches it), UDPGEN=path to udpgen (built from ../shared/bench/udpgen.c when
# missing), BIN=directory of a release activityd (default: built here), KEEP=1 keeps the work directory,
# NICE_INGEST=N renices the daemon's ingest threads (UDP loop, pipeline, store) by N for the runs (an experiment:
# the daemon itself sets no priorities).
# The daemon first stores 300,000 generator events (5,000 users); each request then asks about one of those
# users (in turn) from the address of one of their generated events.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-10}; CONNS=${2:-"2 4"}
GEOIP=${GEOIP:-/tmp/peer/GeoLite2-City.mmdb}
UDPGEN=${UDPGEN:-/tmp/udpgen}
[ -x "$UDPGEN" ] || gcc -O2 -o "$UDPGEN" ../shared/bench/udpgen.c
if [ -z "${BIN:-}" ]; then
    swift build -c release --product activityd >&2
    BIN=$(swift build -c release --show-bin-path)
fi
W=${TMPDIR:-/tmp}/activityd-bench-check; rm -rf "$W"; mkdir -p "$W"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
UDP=$(free_port); API=$(free_port); MET=$(free_port)
TOKEN=bench-check-token
"$UDPGEN" -C "$W/vpn.txt" >/dev/null
{
    printf 'data_dir = "%s/data"\n[[input.udp]]\nlisten = ["127.0.0.1:%s"]\n' "$W" "$UDP"
    printf '[metrics]\nlisten = "127.0.0.1:%s"\n' "$MET"
    [ -f "$GEOIP" ] && printf '[enrich.geoip]\ncity = "%s"\n' "$GEOIP"
    printf '[[enrich.iplist]]\nname = "vpn"\ntag = "vpn"\npath = "%s/vpn.txt"\n' "$W"
    printf '[api]\nlisten = "127.0.0.1:%s"\n[[api.token]]\nname = "bench"\nsha256 = "%s"\n' \
        "$API" "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)"
} > "$W/activityd.toml"
[ -f "$GEOIP" ] || echo "note: no GeoIP database at $GEOIP; checks run without geo lookups" >&2

# Users and addresses for the requests: the generator's own (the same seed as the events sent).
"$UDPGEN" -w "$W/events.jsonl" -n 300000 -s 1 >/dev/null
python3 - "$W/events.jsonl" > "$W/pairs.txt" <<'PY'
import json, sys
seen = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("user") and e.get("ip") and e["user"] not in seen:
        seen[e["user"]] = e["ip"]
for u, ip in seen.items():
    print(u, ip)
PY
cat > "$W/check.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
local pairs_ = {}
for line in io.lines("$W/pairs.txt") do
    local u, ip = line:match("(%S+) (%S+)")
    pairs_[#pairs_ + 1] = '{"user":"' .. u .. '","ip":"' .. ip .. '","device":"Android"}'
end
local i = 0
request = function()
    i = i % #pairs_ + 1
    return wrk.format(nil, "/v1/check", nil, pairs_[i])
end
LUA

metric() { curl -s "http://127.0.0.1:$MET/metrics" | awk -v k="$1" '$1 == k { printf "%d", $2; f = 1 } END { if (!f) print 0 }'; }
wait_stored() {  # until all $1 datagrams sent so far were received (or dropped by the kernel) and stored
    local want=$1
    for _ in $(seq 1 600); do
        local got drops acc st
        got=$(metric activityd_datagrams_received_total); drops=$(metric activityd_kernel_drops_total)
        acc=$(metric activityd_events_accepted_total); st=$(metric activityd_events_stored_total)
        [ $((got + drops)) -ge "$want" ] && [ "$st" -ge "$acc" ] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $want datagrams to be stored" >&2; return 1
}
"$BIN/activityd" --config "$W/activityd.toml" --log-level warning 2>"$W/activityd.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$MET/metrics" && break; sleep 0.1; done
if [ -n "${NICE_INGEST:-}" ]; then
    for t in /proc/$PID/task/*; do
        case "$(cat "$t/comm")" in pipeline|store|NIO-ELT-1-#1) renice -n "$NICE_INGEST" -p "$(basename "$t")" >/dev/null ;; esac
    done
fi
"$UDPGEN" -p "$UDP" -n 300000 -r 25000 -s 1 -q >/dev/null
wait_stored 300000
curl -s -H "Authorization: Bearer $TOKEN" -d '{"user":"niaj.rossi3090","ip":"81.2.69.160","device":"Android"}' \
    "http://127.0.0.1:$API/v1/check"; echo

echo "host: $(nproc) CPUs, $(uptime | sed 's/.*load average/load average/')"
echo "| load | connections | checks/s | p50 | p90 | p99 | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
row() {  # $1 = load label, $2 = connections, $3 = wrk output
    local rps p50 p90 p99 bad
    rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$3")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$3"); p90=$(awk '$1 == "90%" { print $2 }' <<<"$3")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$3")
    bad=$(awk '/Non-2xx/ { print $NF }' <<<"$3")
    echo "| $1 | $2 | $rps | $p50 | $p90 | $p99 | ${bad:-0} |"
}
for c in $CONNS; do
    out=$(wrk -t1 -c"$c" -d"${D}s" --latency -s "$W/check.lua" "http://127.0.0.1:$API")
    row "checks alone" "$c" "$out"
done
sent=300000
for c in $CONNS; do
    n=$((20000 * (D + 3)))
    "$UDPGEN" -p "$UDP" -n "$n" -r 20000 -s 2 -q > "$W/udpgen.out" &
    gen=$!
    sleep 1
    pidstat -t -u -w -p "$PID" 1 $((D - 1)) > "$W/pidstat-$c.txt" &
    pidstat -u 1 $((D - 1)) > "$W/pidstat-all-$c.txt" &
    out=$(wrk -t1 -c"$c" -d"${D}s" --latency -s "$W/check.lua" "http://127.0.0.1:$API")
    row "while ingesting 20k events/s" "$c" "$out"
    wait $gen
    sent=$((sent + n))
    wait_stored "$sent"
done
echo
echo "stored: $(metric activityd_events_stored_total)  dropped: $(curl -s "http://127.0.0.1:$MET/metrics" | awk '/^activityd_events_dropped_total/ { s += $2 } END { print s + 0 }')  kernel drops: $(curl -s "http://127.0.0.1:$MET/metrics" | awk '/^activityd_kernel_drops_total/ { s += $2 } END { print s + 0 }')"
for c in $CONNS; do
    echo "CPU while ingesting, $c connections (pidstat, mean % of one core; 200 = both cores):"
    awk '/^Average:/ && $3 != "PID" { printf "  process %-22s %6s\n", $NF, $8 }' "$W/pidstat-all-$c.txt" | sort -k3 -rn | head -6
    awk '/^Average:/ && $3 == "-" && NF == 11 && $9 > 0.5 { printf "  thread  %-22s %6s\n", $NF, $9 }' "$W/pidstat-$c.txt" | sort -k3 -rn | head -10
    echo "  context switches per second (voluntary, involuntary) of the busiest threads:"
    awk '/^Average:/ && $3 == "-" && NF == 7 && $5 + $6 > 50 { printf "    %-22s %8s %8s\n", $NF, $5, $6 }' "$W/pidstat-$c.txt" | sort -k2 -rn | head -6
done
