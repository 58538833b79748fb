/// The export form of an event: one compact JSON object with DESIGN.md's snake_case names.
///
/// The key order is fixed (the order of DESIGN.md's table), absent fields are omitted, times are RFC 3339
/// UTC with nanoseconds, `commerce.amount` stays a string. Strings are escaped as JSON requires and no more:
/// `"` `\` and control characters below U+0020 (as `\n`, `\t`... or `\u00XX`); other text is written as UTF-8.
extension ActivityEvent {
    public func exportJSON(includeSeq: Bool = true) -> String {
        var w = JSONWriter()
        w.begin()
        if includeSeq { w.key("seq"); w.raw(String(seq)) }
        w.key("time"); w.string(time.rfc3339())
        if let v = ingested { w.key("ingested"); w.string(v.rfc3339()) }
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
        if let ip { w.key("ip"); w.string(ip.description) }
        if let port { w.key("port"); w.raw(String(port)) }
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
            if let v = g.radiusKm { w.key("radius_km"); w.raw(String(v)) }
            w.field("tz", g.tz)
            if let v = g.asn { w.key("asn"); w.raw(String(v)) }
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
                w.key("lists"); w.out += "["
                for (i, l) in n.lists.enumerated() { if i > 0 { w.out += "," }; w.string(l) }
                w.out += "]"
            }
            w.end()
        }
        if let c = commerce, !c.isEmpty {
            w.key("commerce"); w.begin()
            w.field("subscription", c.subscription)
            w.field("order", c.order)
            w.field("amount", c.amount)
            w.field("currency", c.currency)
            if let v = c.billingCycles { w.key("billing_cycles"); w.raw(String(v)) }
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
        return w.out
    }
}

/// A minimal JSON text writer for the export form: compact, no spaces, keys written in call order.
public struct JSONWriter {
    public var out = ""
    var needsComma = [false]

    public init() { out.reserveCapacity(256) }

    public mutating func begin() { out += "{"; needsComma.append(false) }
    public mutating func end() { out += "}"; needsComma.removeLast() }

    public mutating func key(_ k: String) {
        if needsComma[needsComma.count - 1] { out += "," } else { needsComma[needsComma.count - 1] = true }
        string(k)
        out += ":"
    }

    public mutating func raw(_ s: String) { out += s }

    public mutating func field(_ k: String, _ v: String?) {
        if let v { key(k); string(v) }
    }

    public mutating func string(_ s: String) {
        out += "\""
        JSONWriter.escape(s, into: &out)
        out += "\""
    }

    /// Appends `s` escaped for a JSON string body.
    public static func escape(_ s: String, into out: inout String) {
        var needs = false
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5c { needs = true; break }
        if !needs { out += s; return }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
    }

    /// Shortest text that reads back as the same Double; integers without a fraction part.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
