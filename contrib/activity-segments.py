#!/usr/bin/env python3
"""Independent reader of activityd segment files, written from docs/segment-format.md alone.

Usage: activity-segments.py DATA_DIR_OR_SEGMENTS_DIR
Prints one JSON object per committed event (the export form), in sequence order.
Standard library only. EventFieldCoverageTests (Tests/ActivityStoreTests) checks that it reads every field
and member of an event the way activityctl exports it.
"""
import json
import os
import struct
import sys
import zlib  # noqa: F401  (not used: CRC32C is computed below)

SEG_MAGIC = b"ACTSEG\r\n"


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_T = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class Reader:
    def __init__(self, buf, pos=0, end=None):
        self.b = buf
        self.p = pos
        self.end = len(buf) if end is None else end

    def u8(self):
        v = self.b[self.p]
        self.p += 1
        return v

    def u16(self):
        v = struct.unpack_from("<H", self.b, self.p)[0]
        self.p += 2
        return v

    def u32(self):
        v = struct.unpack_from("<I", self.b, self.p)[0]
        self.p += 4
        return v

    def u64(self):
        v = struct.unpack_from("<Q", self.b, self.p)[0]
        self.p += 8
        return v

    def i64(self):
        v = struct.unpack_from("<q", self.b, self.p)[0]
        self.p += 8
        return v

    def f64(self):
        v = struct.unpack_from("<d", self.b, self.p)[0]
        self.p += 8
        return v

    def varint(self):
        result, shift = 0, 0
        while True:
            b = self.u8()
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result
            shift += 7

    def zigzag(self):
        v = self.varint()
        return (v >> 1) ^ -(v & 1)

    def raw(self, n):
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def string(self):
        return self.raw(self.varint()).decode("utf-8", "replace")


def rfc3339(ns):
    import datetime
    secs, frac = divmod(ns, 1_000_000_000)
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        s += ".%09d" % frac
    return s + "Z"


def ip_text(raw):
    import ipaddress
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw))
    a = ipaddress.IPv6Address(raw)
    if a.ipv4_mapped is not None:
        return "::ffff:" + str(a.ipv4_mapped)
    return a.compressed


CATEGORIES = ["login", "activity", "admin"]
OUTCOMES = ["success", "failure", "unknown"]
RISK = [(1, "new_country"), (2, "impossible_travel"), (4, "anonymizer"), (8, "failed_burst"), (16, "new_device")]


def decode_event(r, seq, table):
    s = lambda: table[r.varint()]  # noqa: E731  interned string
    t = r.i64()
    mask = r.varint()
    e = {"seq": seq, "time": rfc3339(t)}
    category = CATEGORIES[r.u8()]
    outcome = OUTCOMES[r.u8()]
    action = s()
    if mask & (1 << 0):
        e["ingested"] = rfc3339(t + r.zigzag())
    e["category"], e["action"], e["outcome"] = category, action, outcome
    for bit, name in [(1, "reason"), (2, "user"), (3, "actor"), (4, "actor_role"), (5, "account")]:
        if mask & (1 << bit):
            e[name] = s()
    if mask & (1 << 6):
        e["session"] = r.string()
    if mask & (1 << 7):
        e["entry"] = s()
    if mask & (1 << 8):
        e["device"] = s()
    if mask & (1 << 9):
        e["ip"] = ip_text(r.raw(r.u8()))
    if mask & (1 << 10):
        e["port"] = r.varint()
    if mask & (1 << 11):
        e["host"] = s()
    if mask & (1 << 12):
        e["service"] = s()
    if mask & (1 << 13):
        sub, g = r.varint(), {}
        if sub & 1: g["country"] = s()
        if sub & 2: g["country_name"] = s()
        if sub & 4: g["region"] = s()
        if sub & 8: g["city"] = s()
        if sub & 16: g["lat"] = r.f64()
        if sub & 32: g["lon"] = r.f64()
        if sub & 64: g["radius_km"] = r.zigzag()
        if sub & 128: g["tz"] = s()
        if sub & 256: g["asn"] = r.varint()
        if sub & 512: g["as_org"] = s()
        e["geo"] = g
    if mask & (1 << 14):
        flags = r.u8()
        n = {"vpn": bool(flags & 1), "proxy": bool(flags & 2), "tor": bool(flags & 4), "hosting": bool(flags & 8)}
        lists = [s() for _ in range(r.varint())]
        if lists:
            n["lists"] = lists
        e["net"] = n
    if mask & (1 << 15):
        sub, c = r.varint(), {}
        if sub & 1: c["subscription"] = s()
        if sub & 2: c["order"] = r.string()
        if sub & 4: c["amount"] = r.string()
        if sub & 8: c["currency"] = s()
        if sub & 16: c["billing_cycles"] = r.zigzag()
        e["commerce"] = c
    if mask & (1 << 16):
        e["comment"] = r.string()
    if mask & (1 << 17):
        attrs = {}
        for _ in range(r.varint()):
            k = s()
            attrs[k] = s()
        e["attrs"] = dict(sorted(attrs.items()))
    if mask & (1 << 18):
        sub = r.varint()
        o = {"input": s()}
        if sub & 1: o["position"] = r.string()
        if sub & 2: o["source"] = s()
        if sub & 4: o["raw"] = r.string()
        e["origin"] = o
    if mask & (1 << 19):
        bits = r.u8()
        # Bit 128 ("assessed": the daemon set the flags at ingest) is not exported; no flag, no "risk".
        flags = {name: True for bit, name in RISK if bits & bit}
        if flags:
            e["risk"] = flags
    return e


def read_segment(path, sealed):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:8] != SEG_MAGIC:
        raise SystemExit("%s: not a segment" % path)
    r = Reader(buf, 8)
    version, header_len = r.u16(), r.u16()
    if version != 1:
        raise SystemExit("%s: unsupported version %d" % (path, version))
    if crc32c(buf[:header_len - 4]) != struct.unpack_from("<I", buf, header_len - 4)[0]:
        raise SystemExit("%s: damaged header" % path)
    pos, pending, out = header_len, [], []
    while pos + 8 <= len(buf):
        length, crc = struct.unpack_from("<II", buf, pos)
        body = buf[pos + 8:pos + 8 + length]
        if len(body) < length or crc32c(body) != crc:
            break  # torn tail (active segment) or damage: stop at the last complete commit
        br = Reader(body)
        kind = br.u8()
        if kind == 1:
            base, count = br.u64(), br.u32()
            table = [br.string() for _ in range(br.varint())]
            for i in range(count):
                n = br.varint()
                er = Reader(body, br.p, br.p + n)
                pending.append(decode_event(er, base + i, table))
                br.p += n
        elif kind == 2:
            out.extend(pending)
            pending = []
        # kind 3 (seal frame, §7.1) and anything newer: no events, nothing committed; skipped.
        pos += 8 + length
    if sealed:
        out.extend(pending)
    return out


def main():
    d = sys.argv[1]
    if os.path.isdir(os.path.join(d, "segments")):
        d = os.path.join(d, "segments")
    names = sorted(n for n in os.listdir(d) if n.endswith(".seg") and len(n) == 24)
    for i, n in enumerate(names):
        for e in read_segment(os.path.join(d, n), sealed=i < len(names) - 1):
            sys.stdout.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
