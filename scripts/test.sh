#!/usr/bin/env bash
# Sets up and runs the whole test suite: unit, property, golden and end-to-end tests on the real binaries,
# plus the independent Python reader check. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The GeoIP cross-check compares 10,000 lookups with mmdblookup on the real GeoLite2 City database (from PyPI).
if geo=$(.ci/get-geolite2.sh "$PWD/.build/geolite2/GeoLite2-City.mmdb" | tail -n 1); then
    export ACTIVITYD_GEOLITE2_CITY="$geo"
elif [ "${CI:-}" = true ]; then
    echo "test: could not fetch GeoLite2 City for the cross-check" >&2; exit 1
else
    echo "test: warning: no GeoLite2 City database; the cross-check test is skipped" >&2
fi
swift build --build-tests
# The man page generator (swift-argument-parser), so DocsFreshnessTests can regenerate docs/man/activityctl.1.
swift build --product generate-manual
swift test --skip-build --parallel 2>&1 | tee .build/test-output.txt
grep -q "Test run with .* passed" .build/test-output.txt
# activity-web in a real browser (Debian's chromium + Playwright), on loopback; screenshots in .build/browser-artifacts.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 600 python3 Tests/browser/web_browser_test.py "$(swift build --show-bin-path)" .build/browser-artifacts
# activity-web's JSON API against docs/openapi/web.yaml: every status documented, every body valid, hostile parameters.
timeout 600 python3 Tests/browser/web_api_contract_test.py "$(swift build --show-bin-path)"
# The Debian package: built from a release build, lintian-clean, installed into a fresh debootstrapped Debian 12
# root, checked there and purged (root only: debootstrap, chroot and mounts; CI runs as root).
if [ "$(id -u)" = 0 ]; then
    timeout 1500 scripts/test-deb.sh
elif [ "${CI:-}" = true ]; then
    echo "test: the Debian package test needs root" >&2; exit 1
else
    echo "test: warning: not root; the Debian package test (scripts/test-deb.sh) is skipped" >&2
fi
# Fuzzing (libFuzzer + ASan, a separate package): replay every known fail case, then fuzz each target briefly.
FUZZ_SECONDS=${FUZZ_SECONDS:-15} Fuzz/run.sh
