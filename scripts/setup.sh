#!/usr/bin/env bash
# Installs what building and testing activityd needs on Debian 12 (or newer), if it is missing:
# the C libraries' -dev packages, systemd-journal-remote (journal test fixtures), MaxMind tools (mmdb
# test fixtures and a reference reader), python3 (the contrib reader and its check) and auditd (its ausearch and
# aureport check the audit normalizer; installing it needs no running daemon: in a container its service simply
# does not start, and the tools read files given with --input/-if).
# Safe to run again: it installs nothing that is already there.
set -euo pipefail

packages=(pkg-config libsystemd-dev libmaxminddb-dev systemd-journal-remote mmdb-bin libmaxmind-db-writer-perl python3 auditd)
# nats.c (the NATS JetStream forwarder and collector) and nats-server (their tests start real servers on loopback).
packages+=(libnats-dev nats-server)
# The Debian package (scripts/package-deb.sh: dpkg-deb, dpkg-shlibdeps) and its install test (scripts/test-deb.sh:
# a debootstrapped Debian 12 root, lintian).
packages+=(dpkg-dev debootstrap lintian)
# activity-web's browser test (Tests/browser/web_browser_test.py): Debian's chromium, driven by Playwright.
packages+=(chromium)
# activity-web's TLS test: a self-signed certificate (openssl) and an HTTPS client (curl).
packages+=(openssl curl)
# pip fetches the GeoLite2 City database for the GeoIP cross-check (any pip will do).
command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1 || packages+=(python3-pip)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: the Swift toolchain (swift) is not on PATH" >&2; exit 1; }
# From PyPI: Playwright for the browser test (never its own browser download: the test runs Debian's chromium),
# PyYAML and jsonschema for the API contract test.
pypi=()
python3 -c 'import playwright' >/dev/null 2>&1 || pypi+=(playwright)
python3 -c 'import yaml' >/dev/null 2>&1 || pypi+=(pyyaml)
python3 -c 'import jsonschema' >/dev/null 2>&1 || pypi+=(jsonschema)
if [ ${#pypi[@]} -gt 0 ]; then
    echo "setup: installing ${pypi[*]} (PyPI)" >&2
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    python3 -m pip install -q "${pypi[@]}" 2>/dev/null || python3 -m pip install -q --break-system-packages "${pypi[@]}"
fi
