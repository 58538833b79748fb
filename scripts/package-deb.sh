#!/usr/bin/env bash
# Builds the Debian package activityd_<version>_<arch>.deb from a release build, for Debian 12 (bookworm) hosts:
#
#   scripts/package-deb.sh [OUT_DIR]          (default: <scratch>/deb; prints the .deb's path last)
#
# The Swift runtime is linked statically (--static-swift-stdlib), so the target host needs no toolchain; the C
# libraries stay shared and `Depends:` is computed from the binaries by dpkg-shlibdeps (libsystemd0,
# libmaxminddb0, libstdc++6, libgcc-s1, libc6), not written by hand. Contents:
#   /usr/bin/activityd, /usr/bin/activityctl, /usr/bin/activity-web  stripped
#   /lib/systemd/system/activityd.{service,socket}                   DynamicUser=, StateDirectory=activityd
#   /lib/systemd/system/activity-web.service                         read-only console; not enabled (it needs
#                                                                     [[web.user]]/[[web.token]] in the conffile)
#   /etc/activityd/activityd.toml                                     a conffile (etc/activityd.toml)
#   /usr/lib/sysctl.d/60-activityd.conf                               net.core.rmem_max for the 64 MiB UDP buffer
#   /usr/share/man/man1/activityctl.1.gz, man8/activityd.8.gz,
#   man8/activity-web.8.gz                                            docs/man (scripts/gen-docs.sh)
#   bash, zsh and fish completions                                    contrib/completions
#   /usr/share/doc/activityd/{README.md,copyright,changelog.gz}
# The service is enabled and started on install when systemd runs (as dh_installsystemd would do), stopped on
# removal; purge also deletes the data directory (/var/lib/activityd).
#
# Environment: ACTIVITYD_DEB_SCRATCH (SwiftPM scratch path for the release build, default .build-deb),
# ACTIVITYD_DEB_MAINTAINER (the Maintainer: field),
# SOURCE_DATE_EPOCH (changelog date; default: the last commit's). Needs swift, dpkg-dev, binutils.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${ACTIVITYD_DEB_SCRATCH:-.build-deb}
out=${1:-$scratch/deb}
version=$(sed -n 's/^let activitydVersion = "\(.*\)"$/\1/p' Sources/activityd/Version.swift)
[ -n "$version" ] || { echo "package-deb: no version in Sources/activityd/Version.swift" >&2; exit 1; }
arch=$(dpkg --print-architecture)
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
maintainer=${ACTIVITYD_DEB_MAINTAINER:-activityd maintainers <activityd@example.org>}

build=(swift build -c release --static-swift-stdlib --scratch-path "$scratch")
"${build[@]}" --product activityd >&2
"${build[@]}" --product activityctl >&2
"${build[@]}" --product activity-web >&2
bin=$("${build[@]}" --show-bin-path)

stage=$scratch/deb-stage
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
for b in activityd activityctl activity-web; do
    install -Dm755 "$bin/$b" "$stage/usr/bin/$b"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/$b"
done
install -Dm644 systemd/activityd.service "$stage/lib/systemd/system/activityd.service"
install -Dm644 systemd/activityd.socket "$stage/lib/systemd/system/activityd.socket"
install -Dm644 systemd/activity-web.service "$stage/lib/systemd/system/activity-web.service"
install -Dm644 etc/activityd.toml "$stage/etc/activityd/activityd.toml"
install -d "$stage/usr/lib/sysctl.d"
cat > "$stage/usr/lib/sysctl.d/60-activityd.conf" <<'SYSCTL'
# Installed by the activityd package. activityd asks for a 64 MiB UDP receive buffer (input.udp.receive_buffer)
# so that bursts wait in the socket instead of being dropped; the kernel caps what a process may ask for at
# net.core.rmem_max (Debian's default is 208 KiB). Override in /etc/sysctl.d/ if you need another value.
net.core.rmem_max = 67108864
SYSCTL
install -d "$stage/usr/share/man/man1" "$stage/usr/share/man/man8"
# The generated mdoc pages use empty lines between paragraphs; groff warns on each ("empty input line"),
# so they become .Pp, which is what they mean.
sed 's/^$/.Pp/' docs/man/activityctl.1 | gzip -9n > "$stage/usr/share/man/man1/activityctl.1.gz"
sed 's/^$/.Pp/' docs/man/activityd.8 | gzip -9n > "$stage/usr/share/man/man8/activityd.8.gz"
sed 's/^$/.Pp/' docs/man/activity-web.8 | gzip -9n > "$stage/usr/share/man/man8/activity-web.8.gz"
# bash-completion sources the file: no #! line.
install -d "$stage/usr/share/bash-completion/completions"
sed '1{/^#!/d}' contrib/completions/activityctl.bash > "$stage/usr/share/bash-completion/completions/activityctl"
chmod 644 "$stage/usr/share/bash-completion/completions/activityctl"
install -Dm644 contrib/completions/activityctl.zsh "$stage/usr/share/zsh/vendor-completions/_activityctl"
install -Dm644 contrib/completions/activityctl.fish "$stage/usr/share/fish/vendor_completions.d/activityctl.fish"
doc=$stage/usr/share/doc/activityd
install -Dm644 README.md "$doc/README.md"
install -Dm644 scripts/deb/copyright "$doc/copyright"
{
    echo "activityd ($version) unstable; urgency=medium"
    echo
    echo "  * Package built from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$epoch")"
} | gzip -9n > "$doc/changelog.gz"   # a native package (no Debian revision): changelog.gz
for s in postinst prerm postrm; do install -m755 "scripts/deb/$s" "$stage/DEBIAN/$s"; done
echo /etc/activityd/activityd.toml > "$stage/DEBIAN/conffiles"

# Depends: from the binaries' NEEDED entries and the installed libraries' symbols files.
shl=$scratch/deb-shlibdeps
rm -rf "$shl" && mkdir -p "$shl/debian"
printf 'Source: activityd\n\nPackage: activityd\nArchitecture: any\n' > "$shl/debian/control"
depends=$(cd "$shl" && dpkg-shlibdeps -O -e"$OLDPWD/$stage/usr/bin/activityd" -e"$OLDPWD/$stage/usr/bin/activityctl" \
          | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

installed_kib=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: activityd
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_kib
Depends: $depends
Section: admin
Priority: optional
Description: login, activity and admin event collector
 activityd collects who logged in, from where, and what they and their
 administrators did, from applications over UDP, from syslog files and from
 journald. It normalizes each fact into one event, enriches it with IP
 geolocation and VPN/proxy/Tor lists, and appends it to rotated, CRC-framed,
 indexed segment files.
 .
 activityctl reads those files without the daemon and answers the
 operator's questions: last logins, inactive accounts, failure bursts,
 suspicious logins, CSV export.
 .
 activity-web serves the same answers read-only as web pages and a JSON API,
 behind roles and account scopes (enable activity-web.service once users or
 tokens are configured).
CONTROL

mkdir -p "$out"
deb="$out/activityd_${version}_${arch}.deb"
# Owned by root whoever builds it; file times from SOURCE_DATE_EPOCH (dpkg-deb clamps them).
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "package-deb: Depends: $depends" >&2
echo "$deb"
