import ActivityModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes application events sent over UDP: one JSON object per line, several lines per datagram.
///
/// Field names are the export names of DESIGN.md; common alternatives are accepted as aliases (ECS-style
/// dotted names such as `user.name`, `source.ip`, `event.action`, `@timestamp`; `username`, `client_ip`,
/// `ts`, `kind`...). The complete table is ``AppEventDecoder/aliases`` and is printed in the README.
/// Rules:
/// - `action` is required; an unknown action is kept, sanitized to snake_case.
/// - `category` may be left out when the action implies it; an unknown action without category is `activity`.
///   `kind` is read as the category when it names one (`login`, `activity`, `admin`), else as the action.
/// - a missing `time` means "now" (the receive time); numbers are Unix seconds, milliseconds or nanoseconds
///   by magnitude; strings are RFC 3339.
/// - every other key is kept in `attrs` (strings as is, other values as their JSON text), up to
///   ``maxAttrs`` keys; string values longer than ``maxValueBytes`` are cut at a character boundary.
/// - a line that is not a JSON object is ``LineResult/notJSON`` (the caller tries syslog); a JSON line that
///   is malformed, too deep, has duplicate keys or invalid values is rejected with a ``RejectReason``.
public struct AppEventDecoder: Sendable {
    public var maxLineBytes = 65_536
    public var maxValueBytes = 4_096
    public var maxAttrs = 64
    /// Keep the raw line in `origin.raw`.
    public var keepRaw = false

    public init() {}

    /// The outcome of one line.
    public enum LineResult: Hashable, Sendable {
        case event(ActivityEvent)
        case rejected(RejectReason)
        /// The line does not start with `{` or `[`: not an application event (maybe syslog). The range is the
        /// line's bytes (without its line break) in the datagram given to ``decode(datagram:receivedAt:source:)``,
        /// or in the buffer given to ``decodeLine(_:receivedAt:source:)``.
        case notJSON(Range<Int>)
    }

    /// Canonical field → the names accepted for it, in priority order (the first present wins).
    public static let aliases: [(field: String, names: [String])] = [
        ("time", ["time", "@timestamp", "timestamp", "ts", "event.created"]),
        ("category", ["category", "event.category"]),
        ("action", ["action", "event.action", "event_type"]),
        ("kind", ["kind"]),
        ("outcome", ["outcome", "event.outcome", "result"]),
        ("reason", ["reason", "event.reason", "failure_reason"]),
        ("user", ["user", "user.name", "username", "user_name", "login"]),
        ("actor", ["actor", "actor.name", "performed_by", "admin_user"]),
        ("actor_role", ["actor_role", "role"]),
        ("account", ["account", "organization", "organization.name", "tenant", "org"]),
        ("session", ["session", "session_id", "session.id", "sid"]),
        ("entry", ["entry", "entry_method", "channel"]),
        ("device", ["device", "device_type", "device.type"]),
        ("user_agent", ["user_agent", "user_agent.original", "ua"]),
        ("ip", ["ip", "source.ip", "client.ip", "client_ip", "remote_ip", "src_ip", "ip_address"]),
        ("port", ["port", "source.port", "client.port"]),
        ("host", ["host", "host.name", "hostname"]),
        ("service", ["service", "service.name", "app", "application"]),
        ("comment", ["comment", "message", "note"]),
        ("subscription", ["subscription", "subscription_id", "subscription_reference"]),
        ("order", ["order", "order_id", "order_reference"]),
        ("amount", ["amount", "price"]),
        ("currency", ["currency"]),
        ("billing_cycles", ["billing_cycles"]),
        ("ingested", ["ingested"]),
    ]

    /// The canonical fields, in the order of ``aliases``.
    enum Field: Int, CaseIterable {
        case time
        case category
        case action
        case kind
        case outcome
        case reason
        case user
        case actor
        case actorRole
        case account
        case session
        case entry
        case device
        case userAgent
        case ip
        case port
        case host
        case service
        case comment
        case subscription
        case order
        case amount
        case currency
        case billingCycles
        case ingested
    }

    /// Every accepted name → (slot of its canonical field, priority among that field's names). One hash
    /// lookup per key is all the per-event work aliases cost.
    static let lookup: [String: (slot: Int, priority: Int)] = {
        var m: [String: (Int, Int)] = [:]
        for (slot, (_, names)) in aliases.enumerated() { for (i, n) in names.enumerated() { m[n] = (slot, i) } }
        return m
    }()

    /// Canonical values of one event, by slot (no hashing per field).
    /// Small on purpose: it only points into the parsed members (an event has ~25 slots; copying values here
    /// cost a kilobyte of allocation per event).
    struct Slots {
        let members: [(String, JSONReader.Value)]
        /// Per slot: 0 when absent, else (member index + 1) | priority << 12 (members ≤ 256, priorities < 8).
        var packed = [UInt16](repeating: 0, count: AppEventDecoder.aliases.count)
        init(_ members: [(String, JSONReader.Value)]) { self.members = members }
        subscript(_ field: Field) -> (priority: Int, value: JSONReader.Value)? { at(field.rawValue) }
        func at(_ slot: Int) -> (priority: Int, value: JSONReader.Value)? {
            let p = packed[slot]
            return p == 0 ? nil : (Int(p >> 12), members[Int(p & 0xFFF) - 1].1)
        }
        mutating func set(_ slot: Int, member m: Int, priority: Int) {
            packed[slot] = UInt16(m + 1) | UInt16(priority) << 12
        }
    }


    /// Splits a datagram into lines (LF, with an optional CR before it; empty lines skipped) and decodes each.
    public func decode(datagram: [UInt8], receivedAt: Timestamp, source: String?) -> [LineResult] {
        var results: [LineResult] = []
        decode(datagram: datagram, receivedAt: receivedAt, source: source) { results.append($0) }
        return results
    }

    /// ``decode(datagram:receivedAt:source:)`` handing each line's result to `body` (no array per datagram).
    public func decode(datagram: [UInt8], receivedAt: Timestamp, source: String?, _ body: (LineResult) -> Void) {
        datagram.withUnsafeBufferPointer { buf in
            var start = 0
            while start < buf.count {
                var end = buf.count
                if let nl = memchr(buf.baseAddress! + start, 0x0A, buf.count - start) {
                    end = buf.baseAddress!.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                }
                var lineEnd = end
                if lineEnd > start, buf[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd > start {
                    let r = decodeLine(UnsafeBufferPointer(rebasing: buf[start..<lineEnd]), receivedAt: receivedAt, source: source)
                    // Report non-JSON lines by their place in the datagram, so callers need not split it again.
                    if case .notJSON = r { body(.notJSON(start..<lineEnd)) } else { body(r) }
                }
                start = end + 1
            }
        }
    }

    /// Decodes one line (without its line break).
    public func decodeLine(_ line: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp, source: String?) -> LineResult {
        guard line.count <= maxLineBytes else { return .rejected(.oversized) }
        var k = 0
        while k < line.count, line[k] == 0x20 || line[k] == 0x09 { k += 1 }
        guard k < line.count, line[k] == UInt8(ascii: "{") || line[k] == UInt8(ascii: "[") else { return .notJSON(0..<line.count) }
        guard validateUTF8(line) else { return .rejected(.invalidUTF8) }
        switch JSONReader().parse(line) {
        case .failure(.tooDeep): return .rejected(.tooDeep)
        case .failure(.duplicateKey): return .rejected(.duplicateKey)
        case .failure(.tooManyMembers): return .rejected(.tooManyFields)
        case .failure(.syntax): return .rejected(.invalidJSON)
        case .success(.object(let members)):
            var result = map(members, receivedAt: receivedAt)
            if case .event(var e) = result {
                e.ingested = receivedAt
                var origin = e.origin ?? Origin(input: "udp")
                origin.input = "udp"
                origin.source = source
                if keepRaw { origin.raw = String(decoding: line, as: UTF8.self) }
                e.origin = origin
                result = .event(e)
            }
            return result
        case .success: return .rejected(.notAnObject)
        }
    }

    /// Maps the members of a parsed object onto an event (export names and aliases).
    public func map(_ members: [(String, JSONReader.Value)], receivedAt: Timestamp) -> LineResult {
        var canonical = Slots(members)
        var attrs = Attributes()
        var geo: Geo?
        var net: NetFlags?
        var commerceObject: [(String, JSONReader.Value)]?
        var risk: RiskFlags = []
        var originObject: [(String, JSONReader.Value)]?

        for (index, (key, value)) in members.enumerated() {
            if let (slot, p) = AppEventDecoder.lookup[key] {
                if let existing = canonical.at(slot), existing.priority <= p {
                    // A lower-priority alias of a field already given: keep it visible in attrs.
                    if attrs.count < maxAttrs { attrs[key] = text(of: value) }
                    continue
                }
                canonical.set(slot, member: index, priority: p)
                continue
            }
            switch key {
            case "geo":
                guard case .object(let o) = value else { return .rejected(.invalidField) }
                geo = decodeGeo(o)
            case "net":
                guard case .object(let o) = value else { return .rejected(.invalidField) }
                net = decodeNet(o)
            case "commerce":
                guard case .object(let o) = value else { return .rejected(.invalidField) }
                commerceObject = o
            case "attrs":
                guard case .object(let o) = value else { return .rejected(.invalidField) }
                for (k, v) in o where attrs.count < maxAttrs { attrs[k] = text(of: v) }
            case "risk":
                if case .object(let o) = value {
                    for (k, v) in o where v == .bool(true) { if let f = RiskFlags(name: k) { risk.insert(f) } }
                }
            case "origin":
                if case .object(let o) = value { originObject = o }
            default:
                guard attrs.count < maxAttrs else { return .rejected(.tooManyFields) }
                attrs[key] = text(of: value)
            }
        }

        // action / category / kind
        var category: EventCategory?
        if let c = canonical[.category] {
            guard case .string(let s) = c.value, let cat = EventCategory(loose: s) else { return .rejected(.invalidField) }
            category = cat
        }
        var actionValue = canonical[.action]?.value
        // `kind` (the benchmark generator's and some SDKs' field) names a category (`admin`, `activity`), a
        // verb (`login_failed`), or both (`login`).
        if case .string(let kindText)? = canonical[.kind]?.value {
            let asCategory = EventCategory(loose: kindText)
            let asAction = Action(sanitizing: kindText)
            if category == nil, let asCategory { category = asCategory }
            if actionValue == nil, let asAction, asAction.knownCategory != nil || asCategory == nil {
                actionValue = .string(asAction.rawValue)
            } else if asCategory == nil || category != asCategory {
                attrs["kind"] = kindText
            }
        }
        guard case .string(let actionText)? = actionValue else {
            if let category, let fallback = fallbackAction(category) {
                return finish(fallback, category: category, canonical: canonical, attrs: attrs, geo: geo, net: net,
                              commerceObject: commerceObject, risk: risk, originObject: originObject, receivedAt: receivedAt)
            }
            return .rejected(actionValue == nil ? .missingAction : .invalidField)
        }
        guard let action = Action(sanitizing: actionText) else { return .rejected(.missingAction) }
        return finish(action, category: category, canonical: canonical, attrs: attrs, geo: geo, net: net,
                      commerceObject: commerceObject, risk: risk, originObject: originObject, receivedAt: receivedAt)
    }

    /// A bare `kind: "activity"` (no verb) is kept as the generic verb of its category.
    func fallbackAction(_ c: EventCategory) -> Action? {
        switch c {
        case .login: return nil
        case .activity: return Action(rawValue: "activity")
        case .admin: return Action(rawValue: "admin_action")
        }
    }

    func finish(
        _ action: Action, category: EventCategory?, canonical: Slots,
        attrs: Attributes, geo: Geo?, net: NetFlags?, commerceObject: [(String, JSONReader.Value)]?,
        risk: RiskFlags, originObject: [(String, JSONReader.Value)]?, receivedAt: Timestamp
    ) -> LineResult {
        var attrs = attrs
        var time = receivedAt
        if let t = canonical[.time]?.value {
            guard let parsed = timestamp(t) else { return .rejected(.invalidTime) }
            time = parsed
        }
        var e = ActivityEvent(time: time, category: category ?? action.knownCategory ?? .activity, action: action)
        // Each text field: nil when absent; a structured value where text is expected is invalid.
        var invalid = false
        func str(_ f: Field) -> String? {
            guard let v = canonical[f]?.value else { return nil }
            switch v {
            case .string(let s): return s.isEmpty ? nil : cut(s)
            case .number(let n): return n
            case .bool(let b): return b ? "true" : "false"
            case .null: return nil
            default: invalid = true; return nil
            }
        }
        e.outcome = str(.outcome).map { Outcome(loose: $0) } ?? defaultOutcome(action)
        e.reason = str(.reason).flatMap { Action(sanitizing: $0)?.rawValue }
        e.user = str(.user)
        e.actor = str(.actor)
        e.actorRole = str(.actorRole)
        e.account = str(.account)
        e.session = str(.session)
        e.entry = str(.entry).map { $0.lowercased() }
        e.device = str(.device)
        if let ua = str(.userAgent) {
            attrs["user_agent"] = ua
            if e.device == nil { e.device = ua }
        }
        if let ipText = str(.ip) {
            guard let ip = IPAddress(ipText) else { return .rejected(.invalidIP) }
            e.ip = ip
        }
        if let p = str(.port) {
            guard let port = UInt16(p) else { return .rejected(.invalidField) }
            e.port = port
        }
        e.host = str(.host)
        e.service = str(.service)
        e.comment = str(.comment)
        if invalid { return .rejected(.invalidField) }
        if let v = canonical[.ingested]?.value, let t = timestamp(v) { e.ingested = t }

        var commerce = Commerce()
        if let o = commerceObject {
            for (k, v) in o {
                switch k {
                case "subscription": commerce.subscription = text(of: v)
                case "order": commerce.order = text(of: v)
                case "amount": commerce.amount = text(of: v)
                case "currency": commerce.currency = text(of: v)
                case "billing_cycles":
                    guard case .number(let n) = v, let c = Int(n) else { return .rejected(.invalidField) }
                    commerce.billingCycles = c
                default: attrs["commerce.\(k)"] = text(of: v)
                }
            }
        }
        if let v = canonical[.subscription]?.value { commerce.subscription = text(of: v) }
        if let v = canonical[.order]?.value { commerce.order = text(of: v) }
        if let v = canonical[.amount]?.value {
            let a = text(of: v)
            guard isDecimal(a) else { return .rejected(.invalidField) }
            commerce.amount = a
        }
        if let v = canonical[.currency]?.value { commerce.currency = text(of: v).uppercased() }
        if let v = canonical[.billingCycles]?.value {
            guard let c = Int(text(of: v)) else { return .rejected(.invalidField) }
            commerce.billingCycles = c
        }
        if !commerce.isEmpty { e.commerce = commerce }
        if let geo, !geo.isEmpty { e.geo = geo }
        if let net, !net.isEmpty { e.net = net }
        e.risk = risk
        if let o = originObject {
            var origin = Origin(input: "udp")
            for (k, v) in o {
                switch k {
                case "input": origin.input = text(of: v)
                case "position": origin.position = text(of: v)
                case "source": origin.source = text(of: v)
                case "raw": origin.raw = text(of: v)
                default: break
                }
            }
            e.origin = origin
        }
        e.attrs = attrs
        return .event(e)
    }

    func defaultOutcome(_ a: Action) -> Outcome {
        switch a.rawValue {
        case "login_failed", "mfa_failure": return .failure
        default: return a.knownCategory == nil ? .unknown : .success
        }
    }

    func decodeGeo(_ o: [(String, JSONReader.Value)]) -> Geo {
        var g = Geo()
        for (k, v) in o {
            switch k {
            case "country": g.country = text(of: v)
            case "country_name": g.countryName = text(of: v)
            case "region": g.region = text(of: v)
            case "city": g.city = text(of: v)
            case "lat": g.lat = Double(text(of: v))
            case "lon": g.lon = Double(text(of: v))
            case "radius_km": g.radiusKm = Int(text(of: v))
            case "tz": g.tz = text(of: v)
            case "asn": g.asn = UInt32(text(of: v))
            case "as_org": g.asOrg = text(of: v)
            default: break
            }
        }
        return g
    }

    func decodeNet(_ o: [(String, JSONReader.Value)]) -> NetFlags {
        var n = NetFlags()
        for (k, v) in o {
            switch k {
            case "vpn": n.vpn = v == .bool(true)
            case "proxy": n.proxy = v == .bool(true)
            case "tor": n.tor = v == .bool(true)
            case "hosting": n.hosting = v == .bool(true)
            case "lists":
                if case .array(let items) = v { n.lists = items.map { text(of: $0) } }
            default: break
            }
        }
        return n
    }

    /// Text of a value for `attrs` and string fields: strings as is (cut to ``maxValueBytes``), the rest as JSON.
    func text(of v: JSONReader.Value) -> String {
        if case .string(let s) = v { return cut(s) }
        return cut(v.jsonText)
    }

    func cut(_ s: String) -> String {
        guard s.utf8.count > maxValueBytes else { return s }
        var n = 0
        var out = ""
        for ch in s where n + ch.utf8.count <= maxValueBytes {
            n += ch.utf8.count
            out.append(ch)
        }
        return out
    }

    func timestamp(_ v: JSONReader.Value) -> Timestamp? {
        switch v {
        case .string(let s): return Timestamp.parseRFC3339(s[...], defaultOffsetSeconds: 0)
        case .number(let n):
            // Checked arithmetic: a number near the bounds of a unit is an invalid time, never a trap.
            if let i = Int64(n) {
                let a = i.magnitude
                let scale: Int64 = a < 100_000_000_000 ? 1_000_000_000            // seconds
                    : a < 100_000_000_000_000 ? 1_000_000                           // milliseconds
                    : a < 100_000_000_000_000_000 ? 1_000 : 1                       // microseconds, nanoseconds
                let (ns, overflow) = i.multipliedReportingOverflow(by: scale)
                return overflow ? nil : Timestamp(nanoseconds: ns)
            }
            guard let d = Double(n), d.isFinite, abs(d) < 9e9 else { return nil }   // fractional seconds
            return Timestamp(nanoseconds: Int64((d * 1e9).rounded()))
        default: return nil
        }
    }

    func isDecimal(_ s: String) -> Bool {
        var seenDigit = false, seenDot = false
        for (i, c) in s.utf8.enumerated() {
            if c == UInt8(ascii: "-") && i == 0 { continue }
            if c == UInt8(ascii: ".") && !seenDot { seenDot = true; continue }
            guard c >= 0x30 && c <= 0x39 else { return false }
            seenDigit = true
        }
        return seenDigit && s.utf8.count <= 40
    }
}

/// True when the bytes are well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
@inline(__always)
func validateUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = b.count
    guard let base = b.baseAddress else { return true }
    let raw = UnsafeRawPointer(base)
    while i < n {
        // ASCII, the usual case, eight bytes at a time.
        while i + 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
        guard i < n else { break }
        let c = b[i]
        if c < 0x80 { i += 1; continue }
        var need = 0
        var minScalar: UInt32 = 0
        var scalar: UInt32 = 0
        if c & 0xE0 == 0xC0 { need = 1; minScalar = 0x80; scalar = UInt32(c & 0x1F) }
        else if c & 0xF0 == 0xE0 { need = 2; minScalar = 0x800; scalar = UInt32(c & 0x0F) }
        else if c & 0xF8 == 0xF0 { need = 3; minScalar = 0x10000; scalar = UInt32(c & 0x07) }
        else { return false }
        guard i + need < n else { return false }
        for k in 1...need {
            let d = b[i + k]
            guard d & 0xC0 == 0x80 else { return false }
            scalar = scalar << 6 | UInt32(d & 0x3F)
        }
        guard scalar >= minScalar, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
        i += need + 1
    }
    return true
}
