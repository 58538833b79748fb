#!/usr/bin/env bash
# The console's quick start: builds activityd, activityctl and activity-web, writes a small demo store with the
# real daemon (scripts/web-demo-store.sh: two accounts, a VPN login, a failure burst...), and serves it on
# http://127.0.0.1:8089/ with development logins printed below. Ctrl-C stops it. Everything lives under
# .build/web-dev (recreated each run); nothing is written anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product activityd >&2
swift build --product activityctl >&2
swift build --product activity-web >&2
bin="$(swift build --show-bin-path)"
dir="$PWD/.build/web-dev"
rm -rf "$dir" && mkdir -p "$dir"
data=$(scripts/web-demo-store.sh "$dir" "$bin" | tail -n 1)
password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 12)
hash() { printf '%s' "$1" | "$bin/activity-web" --hash-password; }
cat > "$dir/activity-web.toml" <<TOML
data_dir = "$data"
[web]
listen = "127.0.0.1:${PORT:-8089}"
[[web.user]]
name = "admin"
bcrypt = "$(hash "$password")"
roles = ["admin"]
[[web.user]]
name = "acme-owner"
bcrypt = "$(hash "$password")"
roles = ["security", "activity"]
accounts = ["acme"]
TOML
cat >&2 <<MSG

activity-web serves the demo store ($data).
Open http://127.0.0.1:${PORT:-8089}/ and log in as

  admin       / $password   (everything)
  acme-owner  / $password   (only the acme account's users)

API:  curl -u admin:$password http://127.0.0.1:${PORT:-8089}/api/v1/users

MSG
exec "$bin/activity-web" --config "$dir/activity-web.toml"
