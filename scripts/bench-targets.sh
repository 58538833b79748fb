#!/usr/bin/env bash
# Issue 21's store and activityctl targets, two builds side by side in one run (alternating, so both see the
# same host): store append of 10M events, full scan (one thread, and the prefetching read on every core),
# `users` and the three reports on a 10M-event store, each as a whole process.
#   scripts/bench-targets.sh BASE_BIN NEW_BIN [STORE] [ROUNDS]
# BASE_BIN and NEW_BIN are directories holding activity-bench and activityctl release builds (e.g. a copy of
# an older build's .build/release, and this one's). STORE defaults to /tmp/bench-store (built with NEW_BIN's
# activity-bench when missing); ROUNDS (default 3) runs of each. Prints each figure's median per build and the
# ratio. Needs /tmp/udpgen-1m.jsonl (made from ../shared/bench/udpgen.c as scripts/bench-ctl.sh does).
set -euo pipefail
base=${1:?base bin dir}
new=${2:?new bin dir}
store=${3:-/tmp/bench-store}
rounds=${4:-3}
input=/tmp/udpgen-1m.jsonl
if [ ! -f "$input" ]; then
    cc -O2 -o /tmp/udpgen "$(dirname "$0")/../../shared/bench/udpgen.c"
    /tmp/udpgen -w "$input" -n 1000000 -s 1
fi
if [ ! -d "$store/segments" ]; then
    "$new/activity-bench" store --input "$input" --dir "$store" --events 10000000 --append-only >/dev/null
fi
python3 - "$base" "$new" "$store" "$rounds" "$input" <<'PY'
import os, re, shutil, statistics, subprocess, sys, tempfile, time
base, new, store, rounds, source = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
# Rows in this order (a base build without the prefetching scan line leaves its cell empty).
results = {name: {} for name in (
    "store append, 10M events (events/s)", "full scan, one thread (events/s)",
    "full scan, prefetching read (events/s)", "users (ms)", "report logins (ms)", "report failures (ms)",
    "report suspicious (ms)")}

def add(build, name, value):
    results.setdefault(name, {}).setdefault(build, []).append(value)

def timed(args):
    t = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t

for r in range(rounds):
    for build, bindir in (("base", base), ("new", new)):
        bench, ctl = os.path.join(bindir, "activity-bench"), os.path.join(bindir, "activityctl")
        scratch = tempfile.mkdtemp(prefix="bench-targets-")
        try:
            out = subprocess.run([bench, "store", "--input", source, "--dir", scratch, "--events", "10000000",
                                  "--append-only", "--clock", "1795341600000000000"],
                                 capture_output=True, text=True, check=True).stdout
            m = re.search(r"append: (\d+) events/s", out)
            add(build, "store append, 10M events (events/s)", int(m.group(1)))
        finally:
            shutil.rmtree(scratch)
        out = subprocess.run([bench, "query", "--dir", store], capture_output=True, text=True, check=True).stdout
        m = re.search(r"full scan: \d+ events in [\d.]+ s = (\d+) events/s", out)
        add(build, "full scan, one thread (events/s)", int(m.group(1)))
        m = re.search(r"full scan, prefetching read .*= (\d+) events/s", out)
        if m:
            add(build, "full scan, prefetching read (events/s)", int(m.group(1)))
        common = ["--data-dir", store, "--tz", "UTC"]
        for name, args in (("users (ms)", ["users"]), ("report logins (ms)", ["report", "logins"]),
                           ("report failures (ms)", ["report", "failures"]),
                           ("report suspicious (ms)", ["report", "suspicious"])):
            add(build, name, round(timed([ctl] + args + common) * 1000, 1))
        print(f"round {r + 1} {build} done", file=sys.stderr, flush=True)

print(f"| figure | base ({base}) | new ({new}) | new/base |")
print("| --- | --- | --- | --- |")
for name, by in results.items():
    if not by:
        continue
    b = statistics.median(by["base"]) if "base" in by else None
    n = statistics.median(by["new"]) if "new" in by else None
    ratio = f"{n / b:.2f}" if b and n else "—"
    fmt = lambda v, vs: "—" if v is None else f"{v:,.0f} (runs: {', '.join(f'{x:,.0f}' for x in vs)})"
    print(f"| {name} | {fmt(b, by.get('base', []))} | {fmt(n, by.get('new', []))} | {ratio} |")
PY
