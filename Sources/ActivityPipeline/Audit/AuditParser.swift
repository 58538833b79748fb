import ActivityModel

/// One `name=value` pair of an audit record.
public struct AuditField: Hashable, Sendable {
    public var key: String
    public var value: String

    public init(key: String, value: String) { self.key = key; self.value = value }
}

/// One line of the Linux audit log (`/var/log/audit/audit.log`), split into its parts.
///
/// ```
/// [node=web1 ]type=USER_LOGIN msg=audit(1700000101.000:800): pid=2400 uid=0 auid=1000 ses=5 subj=… msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=192.0.2.10 addr=192.0.2.10 terminal=/dev/pts/0 res=success'[\x1dUID="root" AUID="alice" ID="alice"]
/// ```
public struct AuditRecord: Hashable, Sendable {
    /// The `node=` prefix (auditd's `name_format`), when the line has one.
    public var node: String?
    /// The record type name (`USER_LOGIN`, `SYSCALL`, `EOE`); a type auditd could not name is `UNKNOWN[1337]`.
    public var type: String
    /// The event time from `msg=audit(SECONDS.MILLIS:SERIAL)`.
    public var time: Timestamp
    /// The event serial: records of one event share time and serial.
    public var serial: UInt64
    /// The fields in line order: those of the record first, then those inside the user-space message
    /// (`msg='…'`). Hex-encoded values of the fields auditd encodes (`acct`, `cmd`, `exe`, `proctitle`…) are
    /// decoded; quotes are removed.
    public var fields: [AuditField]
    /// The ENRICHED part after the `\x1d` separator: the interpreted ids (`AUID`, `UID`, `ID`, `GID`…) in
    /// upper case, values unquoted. Empty for `log_format = RAW`.
    public var enriched: [AuditField]

    public init(
        node: String? = nil, type: String, time: Timestamp, serial: UInt64, fields: [AuditField] = [],
        enriched: [AuditField] = []
    ) {
        self.node = node; self.type = type; self.time = time; self.serial = serial
        self.fields = fields; self.enriched = enriched
    }

    /// The first field named `key` (record fields before message fields), or nil.
    public subscript(key: String) -> String? {
        for f in fields where f.key == key { return f.value }
        return nil
    }

    /// The ENRICHED value named `key` (`AUID`, `ID`…), or nil.
    public func enriched(_ key: String) -> String? {
        for f in enriched where f.key == key { return f.value }
        return nil
    }
}

/// Reads lines of the Linux audit log into ``AuditRecord``s.
///
/// Accepted (auditd 2.8 on RHEL 7 to 3.1 on RHEL 9 and Debian 12):
/// - `log_format = RAW` and `ENRICHED` (RAW plus `\x1d` and the interpreted names, which land in
///   ``AuditRecord/enriched``);
/// - with or without the `node=NAME ` prefix (`name_format`);
/// - values bare (`pid=1234`), double-quoted (`acct="alice"`), or hex-encoded (`acct=28696E76616C6964207573657229`,
///   decoded for the fields auditd encodes: `acct`, `cmd`, `comm`, `cwd`, `exe`, `grp`, `name`, `proctitle`,
///   `path`, `data`, `key`, `old`, `new`; NUL bytes, as in `proctitle`, become spaces);
/// - the user-space message `msg='…'`, whose fields are appended to the record's own;
/// - a bare word after a value continues it: shadow-utils writes `op=adding user id=1005`, which reads as
///   `op = "adding user"`.
///
/// Returns nil (unparsable) when the line does not start with `type=` or `node=… type=`, or its
/// `msg=audit(SECONDS.MILLIS:SERIAL):` stamp is malformed. A trailing `\r`/`\n` is ignored, invalid UTF-8
/// becomes U+FFFD, at most ``maxFields`` fields are kept; nothing traps on any input.
public enum AuditParser {
    /// Fields kept per record (record and message together); the rest of a longer line is ignored.
    public static let maxFields = 128

    /// Parses one line; nil when it is not an audit record.
    public static func parse(_ line: Substring) -> AuditRecord? {
        line.withUTF8Bytes { parse(bytes: $0) }
    }

    /// Parses one line given as UTF-8 bytes; nil when it is not an audit record.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> AuditRecord? {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        // ENRICHED: `RAW-RECORD\x1dNAME="value" NAME="value"`.
        var sep = 0
        while sep < end, bytes[sep] != 0x1D { sep += 1 }
        let main = UnsafeBufferPointer(rebasing: bytes[0..<sep])
        var v = ByteView(main)
        var node: String?
        if v.skip("node=") {
            guard let n = v.word(), v.skip(byte: 0x20) else { return nil }
            node = n
        }
        guard v.skip("type="), let type = v.word(), v.skip(" msg=audit("),
            let (time, serial) = stamp(&v), v.skip(byte: UInt8(ascii: ":"))
        else { return nil }
        var record = AuditRecord(node: node, type: type, time: time, serial: serial)
        readFields(&v, into: &record.fields, inner: false)
        if sep < end {
            var e = ByteView(UnsafeBufferPointer(rebasing: bytes[(sep + 1)..<end]))
            readFields(&e, into: &record.enriched, inner: true)
        }
        return record
    }

    /// `SECONDS[.FRACTION]:SERIAL)`
    static func stamp(_ v: inout ByteView) -> (Timestamp, UInt64)? {
        let s = v.i
        guard let seconds = v.int(), v.i - s <= 12 else { return nil }
        var nanos = 0
        if v.skip(byte: UInt8(ascii: ".")) {
            var digits = 0
            while let c = v.peek(), c >= 0x30, c <= 0x39 {
                if digits < 9 { nanos = nanos * 10 + Int(c - 0x30); digits += 1 }
                v.i += 1
            }
            guard digits > 0 else { return nil }
            while digits < 9 { nanos *= 10; digits += 1 }
        }
        guard v.skip(byte: UInt8(ascii: ":")) else { return nil }
        let t = v.i
        guard let serial = v.int(), v.i - t <= 18, v.skip(byte: UInt8(ascii: ")")) else { return nil }
        return (Timestamp(seconds: Int64(seconds), nanos: Int64(nanos)), UInt64(serial))
    }

    /// Reads `key=value` pairs to the end of the view. `inner` is true inside `msg='…'` (and in the ENRICHED
    /// part), where a nested message cannot start.
    static func readFields(_ v: inout ByteView, into out: inout [AuditField], inner: Bool) {
        while true {
            while let c = v.peek(), c == 0x20 || c == 0x09 { v.i += 1 }
            guard !v.atEnd else { return }
            let ks = v.i
            while let c = v.peek(), c != 0x20, c != UInt8(ascii: "=") { v.i += 1 }
            guard v.peek() == UInt8(ascii: "=") else {
                // A bare word: it continues the previous value (`op=adding user`), or is dropped.
                let word = v.string(ks, v.i)
                if let last = out.indices.last, !word.isEmpty, word != "'" { out[last].value += " " + word }
                continue
            }
            let key = v.string(ks, v.i)
            v.i += 1
            guard let c = v.peek() else {
                append(&out, key, "")
                return
            }
            if c == UInt8(ascii: "\"") {
                v.i += 1
                let vs = v.i
                let ve = v.find(byte: UInt8(ascii: "\""), from: vs) ?? v.end
                append(&out, key, v.string(vs, ve))
                v.i = min(ve + 1, v.end)
            } else if c == UInt8(ascii: "'") && !inner && key == "msg" {
                // The user-space message: up to the last `'` of the record (values inside never hold one:
                // auditd hex-encodes them).
                v.i += 1
                var close = v.end - 1
                while close >= v.i, v.base[close] != UInt8(ascii: "'") { close -= 1 }
                let stop = close >= v.i ? close : v.end
                var m = ByteView(UnsafeBufferPointer(rebasing: v.base[v.i..<stop]))
                readFields(&m, into: &out, inner: true)
                v.i = min(stop + 1, v.end)
            } else {
                let vs = v.i
                while let c = v.peek(), c != 0x20 { v.i += 1 }
                var ve = v.i
                // `res=success'` when the message's closing quote was missing from a cut line.
                if inner, ve > vs, v.base[ve - 1] == UInt8(ascii: "'") { ve -= 1 }
                let raw = UnsafeBufferPointer(rebasing: v.base[vs..<ve])
                if encodedKeys.contains(key), let decoded = hexDecoded(raw) {
                    append(&out, key, decoded)
                } else {
                    append(&out, key, String(decoding: raw, as: UTF8.self))
                }
            }
            if out.count >= maxFields { return }
        }
    }

    @inline(__always)
    static func append(_ out: inout [AuditField], _ key: String, _ value: String) {
        out.append(AuditField(key: key, value: value))
    }

    /// The fields auditd writes hex-encoded when their value holds a space, quote, control character or
    /// non-ASCII byte (`audit_value_needs_encoding`; kernel `audit_log_untrustedstring`).
    static let encodedKeys: Set<String> = [
        "acct", "cmd", "comm", "cwd", "exe", "grp", "name", "proctitle", "path", "data", "key", "old", "new",
        "new-group", "old-group", "new_group",
    ]

    /// Decodes upper-case hex (`616C696365` → `alice`); nil when `raw` is not an even run of hex digits. NUL
    /// bytes (argument separators in `proctitle`) become spaces.
    static func hexDecoded(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        guard raw.count >= 2, raw.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count / 2)
        var k = 0
        while k < raw.count {
            guard let hi = nibble(raw[k]), let lo = nibble(raw[k + 1]) else { return nil }
            let b = hi << 4 | lo
            out.append(b == 0 ? 0x20 : b)
            k += 2
        }
        while out.last == 0x20 { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - 0x30
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - 55
        default: nil
        }
    }
}
