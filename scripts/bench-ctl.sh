#!/usr/bin/env bash
# activityctl on a 10M-event store (issue 8): wall time per command including process start, release build.
#   scripts/bench-ctl.sh [STORE_DIR]     (default /tmp/bench-store; built if missing, ~2 minutes)
# Needs ../shared/bench/udpgen.c for the event mix when the store has to be built.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-/tmp/bench-store}
swift build -c release --product activityctl --product activity-bench >/dev/null 2>&1 || swift build -c release
bin=$(swift build -c release --show-bin-path)
if [ ! -d "$store/segments" ]; then
    if [ ! -f /tmp/udpgen-1m.jsonl ]; then
        cc -O2 -o /tmp/udpgen ../shared/bench/udpgen.c
        /tmp/udpgen -w /tmp/udpgen-1m.jsonl -n 1000000 -s 1
    fi
    "$bin/activity-bench" store --input /tmp/udpgen-1m.jsonl --dir "$store" --events 10000000
fi
python3 - "$bin/activityctl" "$store" <<'PY'
import subprocess, sys, time, resource
ctl, store = sys.argv[1], sys.argv[2]
cases = [
    (["events", "--user", "needle.user"], 20),
    (["users"], 10),
    (["users", "--inactive-since", "30d"], 5),
    (["report", "logins"], 3),
    (["report", "failures"], 3),
    (["report", "suspicious", "--since", "2026-11-21"], 3),
]
for args, runs in cases:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([ctl] + args + ["--data-dir", store, "--tz", "UTC"], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    times.sort()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{' '.join(args):45s} median {times[len(times)//2]*1000:8.1f} ms  min {times[0]*1000:8.1f} ms  ({runs} runs; peak RSS so far {rss:.0f} MiB)")
PY
