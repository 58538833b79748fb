#!/usr/bin/env bash
# Sets up, builds and runs activityd in the foreground on the repository's own configuration
# (etc/activityd.dev.toml): data under ./data, UDP on 127.0.0.1:5514 and [::1]:5514. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# GeoIP for the first run (etc/activityd.dev.toml reads it from here): the GeoLite2 City database the tests use.
if ! .ci/get-geolite2.sh "$PWD/data/geoip/GeoLite2-City.mmdb" >/dev/null; then
    echo "run-dev: warning: could not fetch GeoLite2 City (pip, network); events will have no location" >&2
fi
swift build -c release --product activityd >&2
swift build -c release --product activityctl >&2
bin="$(swift build -c release --show-bin-path)"
cat >&2 <<MSG

activityd is starting on etc/activityd.dev.toml (data in ./data). In another terminal:

  $bin/activityctl send --user alice --action login --ip 81.2.69.160 --device iPhone --entry mobile
  $bin/activityctl send --user alice --action login --ip 203.0.113.9 --device Firefox --entry web
  $bin/activityctl --data-dir data events --user alice --output-fields time,user,action,ip,location,vpn,lists
  $bin/activityctl --data-dir data users
  $bin/activityctl --data-dir data report suspicious
  $bin/activityctl --data-dir data tail -f

(81.2.69.160 is in Willesden, London, per GeoLite2; 203.0.113.9 is a documentation address on the dev VPN list.)

MSG
exec "$bin/activityd" --config etc/activityd.dev.toml
