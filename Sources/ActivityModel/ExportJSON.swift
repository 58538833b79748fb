/// The export form of an event: one compact JSON object with DESIGN.md's snake_case names.
///
/// The key order is fixed (the order of DESIGN.md's table), absent fields are omitted, times are RFC 3339
/// UTC with nanoseconds, `commerce.amount` stays a string. Strings are escaped as JSON requires and no more:
/// `"` `\` and control characters below U+0020 (as `\n`, `\t`... or `\u00XX`); other text is written as UTF-8.
extension ActivityEvent {
    /// The export form as a string (docs/segment-format.md §4.1). With `includeSeq` false, `seq` is left out
    /// (events not stored yet, whose seq is still 0).
    public func exportJSON(includeSeq: Bool = true) -> String {
        var w = JSONWriter()
        write(to: &w, includeSeq: includeSeq)
        return w.out
    }

    /// The export form as UTF-8 bytes.
    public func exportJSONBytes(includeSeq: Bool = true) -> [UInt8] {
        var w = JSONWriter()
        write(to: &w, includeSeq: includeSeq)
        return w.bytes
    }

    /// Appends the export form to `bytes`.
    public func appendExportJSON(to bytes: inout [UInt8], includeSeq: Bool = true) {
        var w = JSONWriter()
        write(to: &w, includeSeq: includeSeq)
        bytes.append(contentsOf: w.output.buffer)
    }

    /// Appends the export form to a writer (bulk writers: one buffer for many events, a newline between them
    /// with ``JSONWriter/newline()``).
    public func appendExportJSON(to w: inout JSONWriter, includeSeq: Bool = true) {
        write(to: &w, includeSeq: includeSeq)
    }

    func write(to w: inout JSONWriter, includeSeq: Bool) {
        w.begin()
        if includeSeq { w.name("seq"); w.integer(seq) }
        w.name("time"); w.time(time)
        if let v = ingested { w.name("ingested"); w.time(v) }
        w.name("category"); w.string(category.rawValue)
        w.name("action"); w.string(action.rawValue)
        w.name("outcome"); w.string(outcome.rawValue)
        w.field("reason", reason)
        w.field("user", user)
        w.field("actor", actor)
        w.field("actor_role", actorRole)
        w.field("account", account)
        w.field("session", session)
        w.field("entry", entry)
        w.field("device", device)
        if let ip { w.name("ip"); w.address(ip) }
        if let port { w.name("port"); w.integer(port) }
        w.field("host", host)
        w.field("service", service)
        if let g = geo, !g.isEmpty {
            w.name("geo"); w.begin()
            w.field("country", g.country)
            w.field("country_name", g.countryName)
            w.field("region", g.region)
            w.field("city", g.city)
            if let v = g.lat { w.name("lat"); w.number(v) }
            if let v = g.lon { w.name("lon"); w.number(v) }
            if let v = g.radiusKm { w.name("radius_km"); w.integer(v) }
            w.field("tz", g.tz)
            if let v = g.asn { w.name("asn"); w.integer(v) }
            w.field("as_org", g.asOrg)
            w.end()
        }
        if let n = net, !n.isEmpty {
            w.name("net"); w.begin()
            w.name("vpn"); w.raw(n.vpn ? "true" : "false")
            w.name("proxy"); w.raw(n.proxy ? "true" : "false")
            w.name("tor"); w.raw(n.tor ? "true" : "false")
            w.name("hosting"); w.raw(n.hosting ? "true" : "false")
            if !n.lists.isEmpty {
                w.name("lists"); w.raw("[")
                for (i, l) in n.lists.enumerated() { if i > 0 { w.raw(",") }; w.string(l) }
                w.raw("]")
            }
            w.end()
        }
        if let c = commerce, !c.isEmpty {
            w.name("commerce"); w.begin()
            w.field("subscription", c.subscription)
            w.field("order", c.order)
            w.field("amount", c.amount)
            w.field("currency", c.currency)
            if let v = c.billingCycles { w.name("billing_cycles"); w.integer(v) }
            w.end()
        }
        w.field("comment", comment)
        if !attrs.isEmpty {
            w.name("attrs"); w.begin()
            for p in attrs.sortedPairs { w.key(p.key); w.string(p.value) }
            w.end()
        }
        if let o = origin {
            w.name("origin"); w.begin()
            w.name("input"); w.string(o.input)
            w.field("position", o.position)
            w.field("source", o.source)
            w.field("raw", o.raw)
            w.end()
        }
        if !risk.flagsOnly.isEmpty {
            w.name("risk"); w.begin()
            for (flag, name) in RiskFlags.names where risk.contains(flag) { w.key(name); w.raw("true") }
            w.end()
        }
        w.end()
    }
}

/// A minimal JSON text writer for the export form: compact, no spaces, keys written in call order.
///
/// It writes UTF-8 bytes into its own ``ByteOutput``, not a `String` or an `Array` held in a struct: appending
/// many small strings to a Swift `String` cost several microseconds per event, and the `Array` version (a
/// uniqueness check per append) 3.4–3.9 µs per event against 1.9–2.5 µs for this one (`activity-bench decode
/// --stage export`, five alternating runs, see BENCHMARKS.md). Not copyable: one writer owns one buffer.
public struct JSONWriter: ~Copyable {
    /// The buffer written so far (``bytes`` and ``out`` copy it; ``ByteOutput/buffer`` does not).
    public var output: ByteOutput
    /// Nesting: bit n set when the object at depth n already has a member (depth ≤ 64).
    private var hasMember: UInt64 = 0
    private var depth = 0

    /// An empty writer with room for `capacity` bytes; it grows as needed.
    public init(capacity: Int = 512) { output = ByteOutput(capacity: capacity) }

    /// The bytes written so far.
    public var bytes: [UInt8] { Array(output.buffer) }

    /// The text written so far.
    public var out: String { String(decoding: output.buffer, as: UTF8.self) }

    /// Opens an object (`{`): the members written next belong to it. Close it with ``end()``.
    public mutating func begin() {
        output.put(UInt8(ascii: "{"))
        depth += 1
        hasMember &= ~(1 << UInt64(min(depth, 63)))
    }

    /// Closes the innermost open object (`}`).
    public mutating func end() {
        output.put(UInt8(ascii: "}"))
        depth -= 1
    }

    /// A line break between top-level values (JSON lines).
    public mutating func newline() { output.put(0x0A) }

    /// A member name from any text, escaped, then `:` (with a comma before it unless it is the object's first
    /// member). Write its value next. For names written in the source, ``name(_:)`` is cheaper.
    public mutating func key(_ k: String) {
        separate()
        string(k)
        output.put(UInt8(ascii: ":"))
    }

    /// A member name written in the source (no escaping: it must hold no `"`, `\\` or control character, which
    /// debug builds check). The export writes thirty per event; they cost nothing to scan this way.
    public mutating func name(_ k: StaticString) {
        assert(!JSONWriter.needsEscape(UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount)))
        separate()
        output.put(UInt8(ascii: "\""))
        output.put(k)
        output.put(UInt8(ascii: "\""))
        output.put(UInt8(ascii: ":"))
    }

    /// The comma before a member, unless it is the object's first.
    @inline(__always) private mutating func separate() {
        let bit: UInt64 = 1 << UInt64(min(depth, 63))
        if hasMember & bit != 0 { output.put(UInt8(ascii: ",")) } else { hasMember |= bit }
    }

    /// Text written as is (`true`, `[`...): the caller makes it valid JSON.
    public mutating func raw(_ s: StaticString) { output.put(s) }

    /// Text written as is: the caller makes it valid JSON.
    public mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { output.put($0) }
    }

    /// A JSON number from an integer, written digit by digit (no `String`).
    public mutating func integer(_ v: some BinaryInteger) {
        guard let m = UInt64(exactly: v.magnitude) else { raw(String(v)); return }
        if v < 0 { output.put(UInt8(ascii: "-")) }
        appendDecimal(m, to: &output)
    }

    /// A JSON number from a Double: the shortest text that reads back as the same value, integers without a
    /// fraction part, `null` for what JSON cannot hold.
    public mutating func number(_ v: Double) {
        if !v.isFinite { output.put("null"); return }
        if v == v.rounded(), abs(v) < 1e15 { integer(Int64(v)); return }
        raw(v.description)
    }

    /// A time as a JSON string in RFC 3339 UTC (``Timestamp/rfc3339(offsetSeconds:)``).
    public mutating func time(_ t: Timestamp) {
        output.put(UInt8(ascii: "\""))
        t.appendRFC3339(to: &output)
        output.put(UInt8(ascii: "\""))
    }

    /// A string member `k: v`, or nothing at all when `v` is nil (the export omits absent fields).
    public mutating func field(_ k: StaticString, _ v: String?) {
        if let v { name(k); string(v) }
    }

    /// An address as a JSON string (``IPAddress/description``).
    public mutating func address(_ a: IPAddress) {
        output.put(UInt8(ascii: "\""))
        a.appendText(to: &output)
        output.put(UInt8(ascii: "\""))
    }

    /// A JSON string: `s` in quotes, escaped as JSON requires (`"`, `\` and control characters) and no more.
    public mutating func string(_ s: String) {
        output.put(UInt8(ascii: "\""))
        JSONWriter.escape(s, into: &output)
        output.put(UInt8(ascii: "\""))
    }

    /// Appends `s` escaped for a JSON string body: `"` `\` and bytes below 0x20 (as `\n`, `\t`... or
    /// `\u00XX`); everything else, UTF-8 included, as is.
    public static func escape<Sink: ByteSink & ~Copyable>(_ s: String, into out: inout Sink) {
        var s = s
        s.withUTF8 { u in
            if !needsEscape(u) { out.put(u); return }
            for b in u {
                switch b {
                case 0x22: out.put(0x5C); out.put(0x22)
                case 0x5C: out.put(0x5C); out.put(0x5C)
                case 0x0A: out.put(0x5C); out.put(UInt8(ascii: "n"))
                case 0x0D: out.put(0x5C); out.put(UInt8(ascii: "r"))
                case 0x09: out.put(0x5C); out.put(UInt8(ascii: "t"))
                case 0x08: out.put(0x5C); out.put(UInt8(ascii: "b"))
                case 0x0C: out.put(0x5C); out.put(UInt8(ascii: "f"))
                case 0..<0x20:
                    out.put("\\u00")
                    out.put(hexDigit(b >> 4))
                    out.put(hexDigit(b & 0xF))
                default: out.put(b)
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

    /// ``escape(_:into:)`` appended to a `String`.
    public static func escape(_ s: String, into out: inout String) {
        var b: [UInt8] = []
        escape(s, into: &b)
        out += String(decoding: b, as: UTF8.self)
    }
}
