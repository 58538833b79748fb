#!/usr/bin/env bash
# activity-web under wrk (Debian's wrk, a second process) on an existing store, e.g. the 10M-event store of
# `activity-bench store --input /tmp/udpgen-1m.jsonl --dir DIR --events 10000000` (BENCHMARKS.md):
# latency of the security page and of a user's history page (one connection), and requests/s of
# GET /api/v1/users/{u}/events (16 connections). Usage: scripts/bench-web.sh STORE_DIR [USER] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?usage: bench-web.sh STORE_DIR [USER] [SECONDS]}
user=${2:-niaj.rossi3090}
secs=${3:-10}
command -v wrk >/dev/null || { echo "bench-web: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product activity-web >&2
bin=$(swift build -c release --show-bin-path)
d=$(mktemp -d)
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=${PORT:-18089}
cat > "$d/web.toml" <<TOML
data_dir = "$store"
[web]
listen = "127.0.0.1:$port"
[[web.token]]
name = "bench"
sha256 = "$(printf %s "$token" | sha256sum | cut -d' ' -f1)"
roles = ["admin"]
TOML
"$bin/activity-web" --config "$d/web.toml" --log-level warning > "$d/out" 2>&1 & pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$d"' EXIT
for _ in $(seq 1 100); do grep -q listening "$d/out" && break; sleep 0.1; done
base="http://127.0.0.1:$port"
auth="Authorization: Bearer $token"
for path in "/security" "/user/logins?u=$user" "/user?u=$user"; do
    curl -sf -o /dev/null -H "$auth" "$base$path"      # warm: page cache, sealed-segment users state
    echo "== GET $path (1 connection, ${secs}s)"
    wrk -t1 -c1 -d"${secs}s" --latency -H "$auth" "$base$path" | grep -E "Latency|50%|90%|99%|Requests/sec|Transfer"
done
path="/api/v1/users/$user/events"
echo "== GET $path (2 threads, 16 connections, ${secs}s)"
wrk -t2 -c16 -d"${secs}s" --latency -H "$auth" "$base$path" | grep -E "Latency|50%|90%|99%|Requests/sec|Transfer|Non-2xx"
echo "== $(ps -o rss= -p $pid | awk '{printf "activity-web RSS %.0f MiB", $1/1024}')"
