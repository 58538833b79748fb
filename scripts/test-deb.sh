#!/usr/bin/env bash
# Builds the Debian package (scripts/package-deb.sh) and tests it the way a clean host would get it:
#   1. lintian: no error or warning (pedantic and experimental tags included).
#   2. A fresh Debian 12 root: `debootstrap --variant=minbase bookworm`, cached as a tarball under the work
#      directory and unpacked anew for every run (the cache is only the download).
#   3. Inside it (chroot, /proc mounted): `dpkg -i` (which stops at the missing dependencies), `apt-get -f
#      install` (which fetches them from the mirror and configures the package), then: the package is installed,
#      every library resolves (no Swift toolchain there), `activityd --check-config` on the shipped conffile,
#      `activityctl --help`, the daemon tails an auth.log line into a store that activityctl reads back, the
#      service is enabled, and the sysctl drop-in is in place.
#   4. `systemd-analyze verify` on the installed units, in the root (with systemd installed, as on a host).
#   5. `dpkg --purge`: nothing of the package is left (files, conffile, unit links, data directory).
# Every step is bounded by `timeout`; mounts are undone on any exit (trap). Needs root, network to the Debian
# mirror, debootstrap, lintian, dpkg-dev (scripts/setup.sh installs them).
#
# Environment: ACTIVITYD_DEB_TEST_DIR (work directory, default .build/deb-test), DEBIAN_MIRROR (default
# http://deb.debian.org/debian), ACTIVITYD_DEB_SCRATCH (the release build's scratch path, see package-deb.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${ACTIVITYD_DEB_TEST_DIR:-.build/deb-test}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "test-deb: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
t0=$(date +%s)
step() { echo "test-deb: [$(( $(date +%s) - t0 ))s] $*" >&2; }
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }

step "building the package"
deb=$(timeout 1800 scripts/package-deb.sh "$work/out" | tail -n 1)
[ -f "$deb" ] || fail "no package built"
echo "test-deb: $(basename "$deb"): $(du -h "$deb" | cut -f1), Depends: $(dpkg-deb -f "$deb" Depends)" >&2

step "lintian"
lintian_out=$(timeout 600 lintian --pedantic --display-experimental --info "$deb" 2>&1 || true)
if echo "$lintian_out" | grep -E '^(E|W|X|P|I): ' >&2; then fail "lintian reported the tags above"; fi

cache=$work/bookworm-minbase.tar.gz
if [ ! -f "$cache" ]; then
    step "debootstrap --variant=minbase bookworm (cached in $cache for later runs)"
    rm -rf "$work/bootstrap"
    timeout 900 debootstrap --variant=minbase bookworm "$work/bootstrap" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
    tar -C "$work/bootstrap" -czf "$cache.tmp" . && mv "$cache.tmp" "$cache"
    rm -rf "$work/bootstrap"
fi

root=$work/root
cleanup() {
    # Anything still running inside the root (a step cut short by its timeout) goes first.
    for p in /proc/[0-9]*; do
        if [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ]; then kill -9 "${p#/proc/}" 2>/dev/null || true; fi
    done
    for m in "$root/proc" "$root/dev/pts"; do
        if mountpoint -q "$m" 2>/dev/null; then umount -l "$m" || true; fi
    done
    rm -rf "$root"
}
trap cleanup EXIT
cleanup
mkdir -p "$root"
step "unpacking a clean root"
tar -C "$root" -xzf "$cache"
mount -t proc proc "$root/proc"
mount -t devpts devpts "$root/dev/pts" -o newinstance,ptmxmode=0666 2>/dev/null || true
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/activityd.deb"
in_root() { timeout "$1" chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 /bin/sh -ec "$2"; }

step "dpkg -i, then apt-get -f install"
in_root 120 'dpkg -i /tmp/activityd.deb >/tmp/dpkg-i.log 2>&1 || true; grep -q "dependency problems" /tmp/dpkg-i.log || cat /tmp/dpkg-i.log'
in_root 600 'apt-get update -qq && apt-get -f install -y -qq -o Dpkg::Use-Pty=0 >/tmp/apt.log 2>&1 || { tail -n 30 /tmp/apt.log; exit 1; }'
in_root 30 'dpkg-query -W -f="\${Status}\n" activityd | grep -qx "install ok installed"' || fail "activityd is not installed"

step "checks in the installed root"
in_root 30 '
    ! ldd /usr/bin/activityd /usr/bin/activityctl /usr/bin/activity-web | grep "not found"
    ! ldd /usr/bin/activity-web | grep -i swift
    ! ldd /usr/bin/activityd | grep -i swift
    test ! -e /usr/bin/swift
    activityd --check-config
    activityctl --help | grep -q "USAGE: activityctl"
    activityctl --version
    activity-web --config /etc/activityd/activityd.toml --check-config
    test ! -e /etc/systemd/system/multi-user.target.wants/activity-web.service
    zcat /usr/share/man/man8/activity-web.8.gz | grep -q "Nm activity-web"
    dpkg-query -W -f="\${Conffiles}\n" activityd | grep -q "/etc/activityd/activityd.toml"
    grep -qx "net.core.rmem_max = 67108864" /usr/lib/sysctl.d/60-activityd.conf
    test -L /etc/systemd/system/multi-user.target.wants/activityd.service
    zcat /usr/share/man/man8/activityd.8.gz | grep -q "Nm activityd"
    test -s /usr/share/bash-completion/completions/activityctl
'
# The daemon runs from the package alone: it follows an auth.log and activityctl reads the event back.
in_root 60 '
    mkdir -p /tmp/smoke
    echo "Dec  4 10:00:00 host sshd[42]: Accepted password for alice from 81.2.69.160 port 50000 ssh2" > /tmp/smoke/auth.log
    cat > /tmp/smoke/activityd.toml <<EOF
data_dir = "/tmp/smoke/data"
[[input.file]]
paths = ["/tmp/smoke/auth.log"]
start_at = "beginning"
EOF
    activityd --config /tmp/smoke/activityd.toml 2>/tmp/smoke/log & pid=$!
    i=0
    until activityctl --data-dir /tmp/smoke/data events --user alice --format jsonl 2>/dev/null | grep -q "\"ip\":\"81.2.69.160\""; do
        i=$((i + 1)); [ $i -lt 100 ] || { cat /tmp/smoke/log; kill $pid; exit 1; }
        sleep 0.1
    done
    kill -TERM $pid; wait $pid
    activityctl --data-dir /tmp/smoke/data verify
'

step "systemd-analyze verify on the installed units (systemd added to the root, as on any Debian 12 host)"
in_root 300 'apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 systemd >/tmp/apt-systemd.log 2>&1 || { tail -n 30 /tmp/apt-systemd.log; exit 1; }'
in_root 60 'systemd-analyze verify /lib/systemd/system/activityd.service /lib/systemd/system/activityd.socket /lib/systemd/system/activity-web.service' \
    >"$work/analyze.log" 2>&1 || { cat "$work/analyze.log" >&2; fail "systemd-analyze verify"; }
if grep -q "activityd\.\(service\|socket\)\|activity-web\.service" "$work/analyze.log"; then cat "$work/analyze.log" >&2; fail "systemd-analyze verify warnings"; fi

step "dpkg --purge"
in_root 60 'mkdir -p /var/lib/private/activityd && ln -sfn private/activityd /var/lib/activityd && touch /var/lib/private/activityd/LOCK'
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$')
in_root 60 'dpkg --purge activityd >/tmp/purge.log 2>&1 || { cat /tmp/purge.log; exit 1; }'
in_root 30 '! dpkg-query -W -f="\${Status}\n" activityd 2>/dev/null | grep -q "installed"'
left=()
for f in $files /etc/activityd /var/lib/activityd /var/lib/private/activityd /etc/systemd/system/multi-user.target.wants/activityd.service; do
    if [ -e "$root$f" ] || [ -L "$root$f" ]; then left+=("$f"); fi
done
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
if find "$root/etc" "$root/var/lib/systemd" \( -name '*activityd*' -o -name '*activity-web*' \) 2>/dev/null | grep .; then fail "activityd traces after purge"; fi

step "passed: built, lintian clean, installed in a clean Debian 12 root, checked, verified, purged"
