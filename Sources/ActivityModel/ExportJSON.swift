/// The export form of an event: one compact JSON object with DESIGN.md's snake_case names.
///
/// The key order is fixed (the order of DESIGN.md's table), absent fields are omitted, times are RFC 3339
/// UTC with nanoseconds, `commerce.amount` stays a string. Strings are escaped as JSON requires and no more:
/// `"` `\` and control characters below U+0020 (as `\n`, `\t`... or `\u00XX`); other text is written as UTF-8.
extension ActivityEvent {
    public func exportJSON(includeSeq: Bool = true) -> String {
        String(decoding: exportJSONBytes(includeSeq: includeSeq), as: UTF8.self)
    }

    /// The export form as UTF-8 bytes (what bulk writers append without making a `String`).
    public func exportJSONBytes(includeSeq: Bool = true) -> [UInt8] {
        var w = JSONWriter()
        write(to: &w, includeSeq: includeSeq)
        return w.bytes
    }

    /// Appends the export form to `bytes` (bulk writers: one buffer for many events).
    public func appendExportJSON(to bytes: inout [UInt8], includeSeq: Bool = true) {
        var w = JSONWriter(appendingTo: bytes)
        bytes = []
        write(to: &w, includeSeq: includeSeq)
        swap(&bytes, &w.bytes)
    }

    func write(to w: inout JSONWriter, includeSeq: Bool) {
        w.begin()
        if includeSeq { w.key("seq"); w.integer(seq) }
        w.key("time"); w.time(time)
        if let v = ingested { w.key("ingested"); w.time(v) }
        w.key("category"); w.string(category.rawValue)
        w.key("action"); w.string(action.rawValue)
        w.key("outcome"); w.string(outcome.rawValue)
        w.field("reason", reason)
        w.field("user", user)
        w.field("actor", actor)
        w.field("actor_role", actorRole)
        w.field("account", account)
        w.field("session", session)
        w.field("entry", entry)
        w.field("device", device)
        if let ip { w.key("ip"); w.address(ip) }
        if let port { w.key("port"); w.integer(port) }
        w.field("host", host)
        w.field("service", service)
        if let g = geo, !g.isEmpty {
            w.key("geo"); w.begin()
            w.field("country", g.country)
            w.field("country_name", g.countryName)
            w.field("region", g.region)
            w.field("city", g.city)
            if let v = g.lat { w.key("lat"); w.raw(JSONWriter.number(v)) }
            if let v = g.lon { w.key("lon"); w.raw(JSONWriter.number(v)) }
            if let v = g.radiusKm { w.key("radius_km"); w.integer(v) }
            w.field("tz", g.tz)
            if let v = g.asn { w.key("asn"); w.integer(v) }
            w.field("as_org", g.asOrg)
            w.end()
        }
        if let n = net, !n.isEmpty {
            w.key("net"); w.begin()
            w.key("vpn"); w.raw(n.vpn ? "true" : "false")
            w.key("proxy"); w.raw(n.proxy ? "true" : "false")
            w.key("tor"); w.raw(n.tor ? "true" : "false")
            w.key("hosting"); w.raw(n.hosting ? "true" : "false")
            if !n.lists.isEmpty {
                w.key("lists"); w.raw("[")
                for (i, l) in n.lists.enumerated() { if i > 0 { w.raw(",") }; w.string(l) }
                w.raw("]")
            }
            w.end()
        }
        if let c = commerce, !c.isEmpty {
            w.key("commerce"); w.begin()
            w.field("subscription", c.subscription)
            w.field("order", c.order)
            w.field("amount", c.amount)
            w.field("currency", c.currency)
            if let v = c.billingCycles { w.key("billing_cycles"); w.integer(v) }
            w.end()
        }
        w.field("comment", comment)
        if !attrs.isEmpty {
            w.key("attrs"); w.begin()
            for (k, v) in attrs.sorted { w.key(k); w.string(v) }
            w.end()
        }
        if let o = origin {
            w.key("origin"); w.begin()
            w.key("input"); w.string(o.input)
            w.field("position", o.position)
            w.field("source", o.source)
            w.field("raw", o.raw)
            w.end()
        }
        if !risk.isEmpty {
            w.key("risk"); w.begin()
            for (flag, name) in RiskFlags.names where risk.contains(flag) { w.key(name); w.raw("true") }
            w.end()
        }
        w.end()
    }
}

/// A minimal JSON text writer for the export form: compact, no spaces, keys written in call order.
///
/// It builds UTF-8 bytes, not a `String`: appending many small strings to a Swift `String` cost several
/// microseconds per event (measured on the daemon's JSON mirror), bytes a fraction of that.
public struct JSONWriter {
    public var bytes: [UInt8] = []
    /// Nesting: bit n set when the object at depth n already has a member (depth ≤ 64).
    private var hasMember: UInt64 = 0
    private var depth = 0

    public init() { bytes.reserveCapacity(320) }

    /// Continues after `bytes` (which should not be used until the writer gives its bytes back).
    public init(appendingTo bytes: [UInt8]) { self.bytes = bytes }

    /// The text written so far.
    public var out: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func begin() {
        bytes.append(UInt8(ascii: "{"))
        depth += 1
        hasMember &= ~(1 << UInt64(min(depth, 63)))
    }

    public mutating func end() {
        bytes.append(UInt8(ascii: "}"))
        depth -= 1
    }

    public mutating func key(_ k: String) {
        let bit: UInt64 = 1 << UInt64(min(depth, 63))
        if hasMember & bit != 0 { bytes.append(UInt8(ascii: ",")) } else { hasMember |= bit }
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// A JSON number from an integer, written digit by digit (no `String`).
    public mutating func integer(_ v: some BinaryInteger) {
        guard let m = UInt64(exactly: v.magnitude) else { raw(String(v)); return }
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDecimal(m, to: &bytes)
    }

    /// A time as a JSON string in RFC 3339 UTC (``Timestamp/rfc3339(offsetSeconds:)``).
    public mutating func time(_ t: Timestamp) {
        bytes.append(UInt8(ascii: "\""))
        t.appendRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func field(_ k: String, _ v: String?) {
        if let v { key(k); string(v) }
    }

    /// An address as a JSON string (``IPAddress/description``).
    public mutating func address(_ a: IPAddress) {
        bytes.append(UInt8(ascii: "\""))
        a.appendText(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        JSONWriter.escape(s, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `s` escaped for a JSON string body: `"` `\` and bytes below 0x20 (as `\n`, `\t`... or
    /// `\u00XX`); everything else, UTF-8 included, as is.
    public static func escape(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { u in
            if !needsEscape(u) { out.append(contentsOf: u); return }
            for b in u {
                switch b {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
                case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
                case 0..<0x20:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                default: out.append(b)
                }
            }
        }
    }

    /// Whether any byte is `"`, `\\` or below 0x20; eight bytes at a time (the common answer is no).
    @inline(__always)
    static func needsEscape(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        if let base = u.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= u.count {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let q = x ^ (0x22 &* ones), b = x ^ (0x5C &* ones)
                // A zero byte in q or b is a quote or a backslash; (x - 0x20) with the high bit set where x's
                // high bit is clear is a byte below 0x20 (the classic "has less than" test, exact per byte).
                let hit = ((q &- ones) & ~q) | ((b &- ones) & ~b) | ((x &- 0x20 &* ones) & ~x)
                if hit & highs != 0 { return true }
                i += 8
            }
        }
        while i < u.count {
            let c = u[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { return true }
            i += 1
        }
        return false
    }

    /// The `String` form of ``escape(_:into:)-([UInt8])``.
    public static func escape(_ s: String, into out: inout String) {
        var b: [UInt8] = []
        escape(s, into: &b)
        out += String(decoding: b, as: UTF8.self)
    }

    /// Shortest text that reads back as the same Double; integers without a fraction part.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
