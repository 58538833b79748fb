#!/usr/bin/env bash
# Input benchmarks (release build), each against a reference in the same run:
#   1. journald: import an N-entry journal (made by systemd-journal-remote) through activityd — read,
#      normalize, store — versus `journalctl --directory D -o json > /dev/null` merely printing it.
#   2. files: tail an auth log of M lines from the beginning through activityd (parse, normalize, store).
# Usage: scripts/bench-inputs.sh [N_JOURNAL=1000000] [M_LINES=2000000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}; M=${2:-2000000}
scripts/setup.sh
swift build -c release --product activityd >&2
swift build -c release --product activityctl >&2
BIN=$(swift build -c release --show-bin-path)
W=${TMPDIR:-/tmp}/activityd-bench-inputs; rm -rf "$W"; mkdir -p "$W/journal"
JR=/lib/systemd/systemd-journal-remote; [ -x $JR ] || JR=/usr/lib/systemd/systemd-journal-remote
python3 - "$N" > "$W/j.export" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    rt = 1795341600000000 + i * 1000
    msg = (f"Accepted publickey for user{i % 5000} from 198.51.{(i >> 8) % 256}.{i % 256} port {30000 + i % 30000} ssh2: ED25519 SHA256:abcdef{i % 97}"
           if i % 2 == 0 else f"pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
    prog = "sshd" if i % 2 == 0 else "CRON"
    out.write(f"__REALTIME_TIMESTAMP={rt}\n__MONOTONIC_TIMESTAMP={1000000 + i}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
              f"_HOSTNAME=bench\nSYSLOG_IDENTIFIER={prog}\n_COMM={prog.lower()}\n_PID={1000 + i}\n_UID=0\nPRIORITY=6\n"
              f"SYSLOG_FACILITY=10\n_TRANSPORT=syslog\nMESSAGE={msg}\n\n")
PY
$JR -o "$W/journal/bench.journal" "$W/j.export" 2>/dev/null
rm -f "$W/j.export"
t0=$(date +%s.%N); journalctl --directory "$W/journal" -o json > /dev/null; t1=$(date +%s.%N)
jc=$(echo "$t1 - $t0" | bc)
run_daemon() {  # $1 = extra config; waits until $2 events are stored; prints seconds
    # Polls the metrics endpoint every 20 ms (stats.json is only rewritten every 2 s: too coarse to time by).
    rm -rf "$W/data"
    local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'data_dir = "%s/data"\n[[input.udp]]\nlisten = ["127.0.0.1:0"]\n[metrics]\nlisten = "127.0.0.1:%s"\n%s\n' "$W" "$port" "$1" > "$W/a.toml"
    local s0; s0=$(date +%s.%N)
    "$BIN/activityd" --config "$W/a.toml" --log-level warning 2>"$W/log" & local pid=$!
    python3 - "$port" "$2" "$s0" "$pid" <<'PY' || { cat "$W/log"; exit 1; }
import os, sys, time, urllib.request
port, want, s0, pid = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
while True:
    time.sleep(0.02)
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read().decode()
    except OSError:
        os.kill(pid, 0)   # still running? (raises when the daemon died)
        continue
    n = next((int(float(l.split()[1])) for l in body.splitlines() if l.startswith("activityd_events_stored_total ")), 0)
    if n >= want:
        print(f"{time.time() - s0:.3f}")
        break
PY
    kill -TERM $pid; wait $pid || true
}
ad=$(run_daemon "[input.journald]
directory = \"$W/journal\"" $((N / 2)))
printf 'journald: %d entries: activityd (read, normalize %d events, store) %.2f s = %.0f entries/s; journalctl -o json %.2f s = %.0f entries/s; ratio %.2fx\n' \
    "$N" $((N / 2)) "$ad" "$(echo "$N / $ad" | bc -l)" "$jc" "$(echo "$N / $jc" | bc -l)" "$(echo "$jc / $ad" | bc -l)"
python3 - "$M" > "$W/auth.log" <<'PY'
import sys
m = int(sys.argv[1])
w = sys.stdout.write
for i in range(m):
    if i % 2 == 0:
        w(f"Nov 22 10:{(i // 60) % 60:02d}:{i % 60:02d} bench sshd[{2000 + i}]: Failed password for invalid user u{i % 9000} from 203.0.{(i >> 8) % 256}.{i % 256} port {40000 + i % 20000} ssh2\n")
    else:
        w(f"Nov 22 10:{(i // 60) % 60:02d}:{i % 60:02d} bench CRON[{3000 + i}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)\n")
PY
size=$(stat -c %s "$W/auth.log")
fd=$(run_daemon "[[input.file]]
paths = [\"$W/auth.log\"]
start_at = \"beginning\"" $((M / 2)))
printf 'file: %d lines (%d MB, half matching a rule): %.2f s = %.0f lines/s, %.0f MB/s\n' "$M" $((size / 1000000)) "$fd" "$(echo "$M / $fd" | bc -l)" "$(echo "$size / $fd / 1000000" | bc -l)"
rm -rf "$W"
