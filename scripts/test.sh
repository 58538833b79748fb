#!/usr/bin/env bash
# Sets up and runs the whole test suite: unit, property, golden and end-to-end tests on the real binaries,
# plus the independent Python reader check. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build --parallel 2>&1 | tee .build/test-output.txt
grep -q "Test run with .* passed" .build/test-output.txt
