#!/usr/bin/env bash
# The quick start. Sets up, builds and runs activityd on the repository's own configuration
# (etc/activityd.dev.toml: data under ./data, UDP on 127.0.0.1:5514 and [::1]:5514, GeoIP and a VPN list) and,
# over the same data, activity-web, the console, on http://127.0.0.1:${WEB_PORT:-8089}/ with development logins
# printed below. On the first run (an empty store) it sends the demo data set (scripts/demo-events.sh) to the
# daemon, so the console's pages have something to show. Ctrl-C stops both.
# RUN_DEV_SECONDS=N stops them after N seconds (for scripts and tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# GeoIP for the first run (etc/activityd.dev.toml reads it from here): the GeoLite2 City database the tests use.
if ! .ci/get-geolite2.sh "$PWD/data/geoip/GeoLite2-City.mmdb" >/dev/null; then
    echo "run-dev: warning: could not fetch GeoLite2 City (pip, network); events will have no location" >&2
fi
for p in activityd activityctl activity-web; do swift build -c release --product "$p" >&2; done
bin="$(swift build -c release --show-bin-path)"
mkdir -p data
web_port=${WEB_PORT:-8089}

pids=()
stop() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT
trap 'exit 0' INT TERM

# The daemon, its log on this terminal and in data/activityd.log (for the ready line).
"$bin/activityd" --config etc/activityd.dev.toml 2> >(tee data/activityd.log >&2) &
pids+=($!)
for _ in $(seq 1 600); do
    grep -q ' ready' data/activityd.log 2>/dev/null && break
    kill -0 "${pids[0]}" 2>/dev/null || { echo "run-dev: activityd exited" >&2; exit 1; }
    sleep 0.1
done
grep -q ' ready' data/activityd.log || { echo "run-dev: activityd did not become ready" >&2; exit 1; }

if [ "$("$bin/activityctl" --data-dir data events --format jsonl --limit 1 2>/dev/null | wc -l)" -eq 0 ]; then
    echo "run-dev: empty store: sending the demo data set (scripts/demo-events.sh)" >&2
    scripts/demo-events.sh 5514 data "$bin"
fi

# The console: a development configuration under .build/ with a fresh password each run.
password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 12)
hash=$(printf '%s' "$password" | "$bin/activity-web" --hash-password)
mkdir -p .build
cat > .build/activity-web.dev.toml <<TOML
data_dir = "$PWD/data"
[web]
listen = "127.0.0.1:$web_port"
audit_to = "127.0.0.1:5514"
[[web.user]]
name = "admin"
bcrypt = "$hash"
roles = ["admin"]
[[web.user]]
name = "acme-owner"
bcrypt = "$hash"
roles = ["security", "activity"]
accounts = ["acme"]
TOML
"$bin/activity-web" --config .build/activity-web.dev.toml &
pids+=($!)
for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$web_port") 2>/dev/null && break
    kill -0 "${pids[1]}" 2>/dev/null || { echo "run-dev: activity-web exited" >&2; exit 1; }
    sleep 0.1
done

cat >&2 <<MSG

activityd runs on etc/activityd.dev.toml (data in ./data); the console on http://127.0.0.1:$web_port/ — log in as

  admin       / $password   (everything)
  acme-owner  / $password   (only the acme account's users)

In another terminal:

  $bin/activityctl send --user alice --action login --ip 81.2.69.160 --device iPhone --entry mobile
  $bin/activityctl send --user alice --action login --ip 203.0.113.9 --device Firefox --entry web
  $bin/activityctl --data-dir data events --user alice --output-fields time,user,action,ip,location,vpn,lists
  $bin/activityctl --data-dir data users
  $bin/activityctl --data-dir data report suspicious
  $bin/activityctl --data-dir data tail -f
  curl -u admin:$password http://127.0.0.1:$web_port/api/v1/users

(81.2.69.160 is in Willesden, London, per GeoLite2; 203.0.113.9 and 198.51.100.0/24 are documentation addresses
on the dev VPN list.)

MSG
if [ -n "${RUN_DEV_SECONDS:-}" ]; then
    sleep "$RUN_DEV_SECONDS"
else
    wait -n "${pids[@]}" || true
fi
