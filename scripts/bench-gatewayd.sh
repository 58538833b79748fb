#!/usr/bin/env bash
# activity-web against systemd-journal-gatewayd on the same events: "a user's newest 100 events as JSON".
# Builds an N-event store with `activity-bench store` from a load-generator file (udpgen -w), exports it with
# `activityctl events --format jsonl`, and writes the same events as a journal (systemd-journal-remote from
# export format; the event's fields as ACTIVITY_* fields, the event's JSON as MESSAGE, its time as the entry's
# realtime). Then, with wrk (2 threads, 16 connections) from a second process:
#   activity-web:  GET /api/v1/users/USER/events                       (newest 100, JSON)
#   gatewayd:      GET /entries?ACTIVITY_USER=USER, Range: entries=:-99:100, Accept: application/json
# (gatewayd seeks to the tail and back 99 entries, then reads 100: the newest 100.)
# Usage: scripts/bench-gatewayd.sh UDPGEN_JSONL [N=1000000] [USER=niaj.rossi3090] [SECONDS=10]
# REUSE=1 keeps the store and journal of the previous run (same N).
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:?usage: bench-gatewayd.sh UDPGEN_JSONL [N] [USER] [SECONDS]}
n=${2:-1000000}; user=${3:-niaj.rossi3090}; secs=${4:-10}
command -v wrk >/dev/null || { echo "bench-gatewayd: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
JR=/lib/systemd/systemd-journal-remote; [ -x $JR ] || JR=/usr/lib/systemd/systemd-journal-remote
GW=/lib/systemd/systemd-journal-gatewayd; [ -x $GW ] || GW=/usr/lib/systemd/systemd-journal-gatewayd
for p in activity-web activityctl activity-bench; do swift build -c release --product $p >&2; done
bin=$(swift build -c release --show-bin-path)
w=${TMPDIR:-/tmp}/activityd-bench-gatewayd
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
if [ "${REUSE:-0}" != 1 ] || [ ! -s "$w/journal/bench.journal" ]; then
rm -rf "$w"; mkdir -p "$w/journal"

"$bin/activity-bench" store --input "$input" --dir "$w/store" --events "$n" --source-events "$n" >/dev/null
"$bin/activityctl" events --data-dir "$w/store" --format jsonl | python3 -c '
import json, sys
out = sys.stdout
for i, line in enumerate(sys.stdin):
    e = json.loads(line)
    # The export writes RFC 3339 with nanoseconds; the journal keeps microseconds.
    from datetime import datetime, timezone
    t = e["time"]; frac = t[20:-1] if "." in t else ""
    secs = int(datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
    usec = secs * 1_000_000 + int((frac + "000000")[:6])
    out.write(f"__REALTIME_TIMESTAMP={usec}\n__MONOTONIC_TIMESTAMP={1_000_000 + i}\n"
              "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=bench\nSYSLOG_IDENTIFIER=app\nPRIORITY=6\n")
    for k in ("user", "action", "outcome", "category", "ip", "device"):
        if k in e: out.write(f"ACTIVITY_{k.upper()}={e[k]}\n")
    out.write("MESSAGE=" + json.dumps(e, separators=(",", ":"), ensure_ascii=False) + "\n\n")
' > "$w/j.export"
$JR -o "$w/journal/bench.journal" "$w/j.export" 2>/dev/null
rm -f "$w/j.export"
fi
echo "== $n events: store $(du -sh "$w/store/segments" | cut -f1), journal $(du -sh "$w/journal" | cut -f1)"

gport=${GW_PORT:-19599}; wport=${WEB_PORT:-18099}
systemd-socket-activate -l "127.0.0.1:$gport" "$GW" -D "$w/journal" 2>"$w/gw.log" & pids+=($!)
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat > "$w/web.toml" <<TOML
data_dir = "$w/store"
[web]
listen = "127.0.0.1:$wport"
[[web.token]]
name = "bench"
sha256 = "$(printf %s "$token" | sha256sum | cut -d' ' -f1)"
roles = ["admin"]
TOML
"$bin/activity-web" --config "$w/web.toml" --log-level warning > "$w/web.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do grep -q listening "$w/web.log" && break; sleep 0.1; done

web="http://127.0.0.1:$wport/api/v1/users/$user/events"
gw="http://127.0.0.1:$gport/entries?ACTIVITY_USER=$user"
# The same 100 events from both (a check, and a warm page cache).
a=$(curl -sf -H "Authorization: Bearer $token" "$web" | python3 -c 'import json,sys; print(" ".join(str(e["seq"]) for e in json.load(sys.stdin)["events"]))')
b=$(curl -sf -H "Accept: application/json" -H "Range: entries=:-99:100" "$gw" |
    python3 -c 'import json,sys; print(" ".join(str(json.loads(json.loads(l)["MESSAGE"])["seq"]) for l in reversed(sys.stdin.read().splitlines()) if l.strip()))')
[ "$a" = "$b" ] || { echo "bench-gatewayd: the two answers differ" >&2; echo "web: ${a:0:200}" >&2; echo "gatewayd: ${b:0:200}" >&2; exit 1; }
echo "== both return the same $(wc -w <<<"$a") events of $user"
echo "== activity-web: GET /api/v1/users/$user/events (2 threads, 16 connections, ${secs}s)"
wrk -t2 -c16 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$web" | grep -E "50%|99%|Requests/sec|Non-2xx"
echo "== systemd-journal-gatewayd: GET /entries?ACTIVITY_USER=$user, Range: entries=:-99:100 (2 threads, 16 connections, ${secs}s)"
wrk -t2 -c16 -d"${secs}s" --latency -H "Accept: application/json" -H "Range: entries=:-99:100" "$gw" | grep -E "50%|99%|Requests/sec|Non-2xx"
