#!/usr/bin/env bash
# Sets up, builds and runs activityd in the foreground on the repository's own configuration
# (etc/activityd.dev.toml): data under ./data, UDP on 127.0.0.1:5514 and [::1]:5514. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product activityd >&2
swift build -c release --product activityctl >&2
bin="$(swift build -c release --show-bin-path)"
cat >&2 <<MSG

activityd is starting on etc/activityd.dev.toml (data in ./data). In another terminal:

  $bin/activityctl send --user alice --action login --ip 81.2.69.160 --device iPhone --entry mobile
  $bin/activityctl --data-dir data events --user alice
  $bin/activityctl --data-dir data tail -f

MSG
exec "$bin/activityd" --config etc/activityd.dev.toml
