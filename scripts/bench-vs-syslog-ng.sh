#!/usr/bin/env bash
# Side-by-side benchmark: activityd against syslog-ng doing the same job (UDP JSON → parse → GeoIP (the same
# GeoLite2 City database) → VPN list → disk), with the load generator of ../shared/bench, in the same run,
# steps interleaved. Prints the kit's table, per-receiver summary, ratios, and peak RSS / bytes on disk.
#
#   scripts/bench-vs-syslog-ng.sh [RATES...]        # default rates: 10000 20000 60000 100000 200000 0 (0 = flat out;
#                                                   # 10k so that syslog-ng, which often loses at 20k, has a zero-loss step)
#   COUNT=1000000 scripts/bench-vs-syslog-ng.sh     # 1M events per step (the kit's advice for zero-loss verdicts)
#   INDEX_IPV4=true scripts/bench-vs-syslog-ng.sh   # activityd with the flattened IPv4 GeoIP table (more memory)
#   MIRROR=all scripts/bench-vs-syslog-ng.sh        # the mirror writes whole events, not only the count (see below)
#
# activityd runs its full path: decode → normalize → GeoIP + list enrichment → indexed segments with
# fsync = interval. Its output is the segment store; because the kit counts the generator's "seq" values in a
# JSON-lines file, the receiver is `activity-bench receive`: the daemon's own code (`Daemon`) with an observer
# composed in from outside that appends each stored event there after its segment write succeeded (the activityd
# binary has no such option). MIRROR=seq (default) writes only {"seq":"N"}, the count; MIRROR=all writes the
# whole event as `activityctl export` prints it, a second full output that only the benchmark asks for (about
# 12 % of the CPU per event).
# Needs root (the kit installs syslog-ng with apt and raises net.core.rmem_max), ../shared/bench, and pip.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
KIT=${KIT:-$ROOT/../shared/bench}
[ -d "$KIT" ] || { echo "bench: the peer kit is not at $KIT (set KIT=...)" >&2; exit 2; }
scripts/setup.sh
swift build -c release --product activity-bench >&2
BIN=$(swift build -c release --show-bin-path)
mkdir -p /tmp/peer
"$KIT/install-peers.sh" >/tmp/peer/install.log 2>&1 || true
command -v syslog-ng >/dev/null || { echo "bench: syslog-ng is not installed, see /tmp/peer/install.log" >&2; exit 1; }
GEODB=$("$ROOT/.ci/get-geolite2.sh" /tmp/peer/GeoLite2-City.mmdb | tail -n 1)
export GEODB
sysctl -qw net.core.rmem_max=67108864 || true
WRAP=/tmp/peer/activityd-recv.sh
cat > "$WRAP" <<SH
#!/bin/bash
# peer-cmd.sh contract: foreground, bind 127.0.0.1:PORT, JSON lines with "seq" to OUT, exit on SIGTERM.
set -e
PORT=\$1 OUT=\$2 GEODB=\$3 VPN=\$4 WD=\$5
mkdir -p "\$WD"; rm -rf "\$WD/data"
cat > "\$WD/activityd.toml" <<TOML
data_dir = "\$WD/data"
[store]
fsync = "interval"
[[input.udp]]
listen = ["127.0.0.1:\$PORT"]
receive_buffer = "64MiB"
[enrich.geoip]
city = "\$GEODB"
index_ipv4 = ${INDEX_IPV4:-false}
[[enrich.iplist]]
name = "vpn-cidrs"
tag = "vpn"
path = "\$VPN"
TOML
MALLOC_ARENA_MAX=2 exec "$BIN/activity-bench" receive --config "\$WD/activityd.toml" --log-level warning --out "\$OUT" --fields ${MIRROR:-seq}
SH
chmod +x "$WRAP"
export RECV_CMD="$WRAP {PORT} {OUT} {GEODB} {VPN_CIDRS} {WORKDIR}"
export COUNT=${COUNT:-300000}
RATES=("$@"); [ ${#RATES[@]} -gt 0 ] || RATES=(10000 20000 60000 100000 200000 0)
echo "activityd mirror: ${MIRROR:-seq}"
A_LABEL=activityd "$KIT/compare.sh" "${RATES[@]}" | tee /tmp/peer/compare.txt
# Peak RSS and bytes on disk per event for one flat-out step of each (fresh processes).
for who in activityd syslog-ng; do
    if [ $who = activityd ]; then peer="$KIT/peer-cmd.sh"; port=39611; else peer="$KIT/peer-syslog-ng.sh"; port=39612; fi
    wd=/tmp/peer/rss-$who; rm -rf "$wd"; out=/tmp/peer/out/rss-$who.jsonl; rm -f "$out"; mkdir -p /tmp/peer/out
    pid=$(RECV_NAME=rss-$who "$peer" start $port "$out" "$wd")
    "$KIT/measure.sh" --port $port --out "$out" --pid "$pid" --rate 100000 --count "$COUNT" --label $who >/dev/null
    rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
    "$peer" stop "$wd" >/dev/null 2>&1 || true
    if [ $who = activityd ]; then disk=$(du -sb "$wd/data/segments" | cut -f1); else disk=$(stat -c %s "$out"); fi
    # Per event kept (the output file has one line per event each receiver wrote), not per event sent.
    kept=$(wc -l < "$out"); [ "$kept" -gt 0 ] || kept=1
    echo "peak: $who vm_hwm_kib=$rss disk_bytes=$disk events_kept=$kept bytes_per_event=$(( disk / kept ))"
done
