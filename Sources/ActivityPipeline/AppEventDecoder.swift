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

    /// Canonical field → the names accepted for it, in priority order: when a line gives a field under several
    /// names, the first listed here wins whatever the order in the line, and the others are kept in `attrs`.
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

    /// The event's fields (``ActivityEvent/Field``) a sender's line does not set, and why. Every other field is
    /// read under its export key (``aliases`` or a nested object): `EventFieldCoverageTests` decodes an event's
    /// export form and fails when a field other than these does not come back.
    public static let fieldsNotRead: [ActivityEvent.Field: String] = [
        .seq: "assigned by the store; a sender's `seq` is kept in attrs"
    ]

    /// The fields a line sets but the receiver replaces: `ingested` is the receive time, `origin.input` is
    /// `udp` and `origin.source` the sender's address.
    public static let fieldsReplaced: [String] = ["ingested", "origin.input", "origin.source"]

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

    /// What a top-level name means: a canonical field (with its priority among that field's names) or one of
    /// the nested objects of the export.
    enum Role {
        case field(slot: Int, priority: Int)
        case geo, net, commerce, attrs, risk, origin
    }

    /// One accepted top-level name. `id` is its bit in a line's set of names seen (duplicates are refused).
    struct KnownName {
        let bytes: [UInt8]
        let id: Int
        let role: Role
    }

    /// Every accepted top-level name, found by its bytes: the names of one length are few and differ early, so
    /// a key is matched without making a string or hashing one (measured: key strings and their dictionary
    /// lookups were a fifth of decoding).
    struct NameTable {
        let byLength: [[KnownName]]

        init() {
            var names: [(String, Role)] = []
            for (slot, (_, aliases)) in AppEventDecoder.aliases.enumerated() {
                for (priority, n) in aliases.enumerated() { names.append((n, .field(slot: slot, priority: priority))) }
            }
            let nested: [(ActivityEvent.Field, Role)] = [
                (.geo, .geo), (.net, .net), (.commerce, .commerce), (.attrs, .attrs),
                (.risk, .risk), (.origin, .origin),
            ]
            names += nested.map { ($0.0.key, $0.1) }
            precondition(
                names.count <= 128 && Set(names.map(\.0)).count == names.count, "names must be unique, at most 128")
            var table = [[KnownName]](repeating: [], count: (names.map(\.0.utf8.count).max() ?? 0) + 1)
            for (id, (n, role)) in names.enumerated() {
                table[n.utf8.count].append(KnownName(bytes: Array(n.utf8), id: id, role: role))
            }
            byLength = table
        }

        func find(_ key: UnsafeBufferPointer<UInt8>) -> KnownName? {
            guard key.count < byLength.count, let first = key.first else { return nil }
            for n in byLength[key.count] where n.bytes[0] == first {
                if n.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, key.baseAddress!, key.count) }) == 0 {
                    return n
                }
            }
            return nil
        }
    }

    static let names = NameTable()

    /// The fields read as text (``finish``'s `str`): an object or array in one of them is invalid.
    static let textFields: [Field] = [
        .outcome, .reason, .user, .actor, .actorRole, .account, .session, .entry,
        .device, .userAgent, .ip, .port, .host, .service, .comment,
    ]

    /// A top-level member's value, left where it is in the line until a field needs it.
    enum RawValue {
        case absent
        /// A string without escapes: its content's place in the line.
        case text(Range<Int>)
        /// A string with escapes, decoded.
        case string(String)
        /// A number's text in the line (validated).
        case number(Range<Int>)
        case bool(Bool)
        case null
        /// An object or an array.
        case nested(JSONReader.Value)
    }

    /// The canonical fields of one line, by slot, with the line they point into.
    struct Slots {
        let line: UnsafeBufferPointer<UInt8>
        /// Per slot: the priority of the name that gave it (-1 when absent) and its value. (A struct, not a
        /// tuple: an array of tuples looks its type up at run time, measurably, on every line.)
        struct Slot {
            var priority: Int
            var value: RawValue
        }
        /// One per ``Field``. (An `InlineArray<25, Slot>` instead, to save the allocation, cost 6 % more
        /// instructions per event: the slots are passed by value and were copied element by element; callgrind,
        /// `activity-bench pipeline`.)
        var values = [Slot](repeating: Slot(priority: -1, value: .absent), count: AppEventDecoder.aliases.count)

        init(line: UnsafeBufferPointer<UInt8>) { self.line = line }

        func priority(_ slot: Int) -> Int? { values[slot].priority < 0 ? nil : values[slot].priority }
        mutating func set(_ slot: Int, priority: Int, value: RawValue) {
            values[slot] = Slot(priority: priority, value: value)
        }

        subscript(_ field: Field) -> RawValue? {
            let v = values[field.rawValue]
            return v.priority < 0 ? nil : v.value
        }

        func bytes(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: line[r]) }
        func string(_ r: Range<Int>) -> String { String(decoding: bytes(r), as: UTF8.self) }

        /// The value as the JSON reader would have given it.
        func value(_ field: Field) -> JSONReader.Value? {
            guard let v = self[field] else { return nil }
            switch v {
            case .absent: return nil
            case .text(let r): return .string(string(r))
            case .string(let s): return .string(s)
            case .number(let r): return .number(string(r))
            case .bool(let b): return .bool(b)
            case .null: return .null
            case .nested(let n): return n
            }
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
        datagram.withUnsafeBufferPointer { decode(datagram: $0, receivedAt: receivedAt, source: source, body) }
    }

    /// ``decode(datagram:receivedAt:source:_:)`` over a datagram's bytes wherever they are (the daemon keeps a
    /// read cycle's datagrams in one buffer); line places are from `datagram`'s start.
    public func decode(
        datagram buf: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp, source: String?, _ body: (LineResult) -> Void
    ) {
        guard buf.count > 0 else { return }
        var start = 0
        while start < buf.count {
            var end = buf.count
            if let nl = memchr(buf.baseAddress! + start, 0x0A, buf.count - start) {
                end = buf.baseAddress!.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            }
            var lineEnd = end
            if lineEnd > start, buf[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd > start {
                let r = decodeLine(
                    UnsafeBufferPointer(rebasing: buf[start..<lineEnd]), receivedAt: receivedAt, source: source)
                // Report non-JSON lines by their place in the datagram, so callers need not split it again.
                if case .notJSON = r { body(.notJSON(start..<lineEnd)) } else { body(r) }
            }
            start = end + 1
        }
    }

    /// Decodes one line (without its line break).
    public func decodeLine(_ line: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp, source: String?) -> LineResult {
        guard line.count <= maxLineBytes else { return .rejected(.oversized) }
        var k = 0
        while k < line.count, line[k] == 0x20 || line[k] == 0x09 { k += 1 }
        guard k < line.count, line[k] == UInt8(ascii: "{") || line[k] == UInt8(ascii: "[") else {
            return .notJSON(0..<line.count)
        }
        guard validateUTF8(line) else { return .rejected(.invalidUTF8) }
        guard line[k] == UInt8(ascii: "{") else {
            // An array (or a malformed line starting with one): never an event.
            switch JSONReader().parse(line) {
            case .success: return .rejected(.notAnObject)
            case .failure(let f): return .rejected(AppEventDecoder.reason(f))
            }
        }
        return decodeObject(line, receivedAt: receivedAt, source: source)
    }

    static func reason(_ f: JSONReader.Failure) -> RejectReason {
        switch f {
        case .tooDeep: return .tooDeep
        case .duplicateKey: return .duplicateKey
        case .tooManyMembers: return .tooManyFields
        case .syntax: return .invalidJSON
        }
    }

    /// Reads a line holding one JSON object (RFC 8259, with ``JSONReader``'s limits) straight into an event.
    ///
    /// One pass over the top-level members: a known name is matched as bytes and its value kept as a place in
    /// the line (strings are made only for the fields an event keeps; times and addresses are read from the
    /// bytes); other names go to `attrs`; nested values are read by ``JSONReader``. The line's grammar comes
    /// first: a malformed, too deep or duplicated line is refused as such even when an earlier member was
    /// already invalid, so the first invalid member's reason is kept until the whole line has been read.
    func decodeObject(_ line: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp, source: String?) -> LineResult {
        let reader = JSONReader()
        var p = JSONReader.Parser(b: line, maxDepth: reader.maxDepth, maxMembers: reader.maxMembers)
        var slots = Slots(line: line)
        var attrs = Attributes()
        attrs.reserveCapacity(8)
        var seen: UInt128 = 0  // bit `id` of each known name read
        var otherKeys: [String] = []
        var members = 0
        var rejection: RejectReason?
        var geo: Geo?
        var net: NetFlags?
        var commerceObject: [(String, JSONReader.Value)]?
        var risk: RiskFlags = []
        var originObject: [(String, JSONReader.Value)]?
        do throws(JSONReader.Failure) {
            p.skipWS()
            p.i += 1  // the "{" decodeLine found
            p.skipWS()
            if p.i < line.count, line[p.i] == UInt8(ascii: "}") {
                p.i += 1
            } else {
                while true {
                    p.skipWS()
                    guard p.i < line.count, line[p.i] == UInt8(ascii: "\"") else { throw .syntax(offset: p.i) }
                    let keyRange = try p.plainString()
                    let escapedKey: String? = keyRange == nil ? try p.string() : nil
                    p.skipWS()
                    guard p.i < line.count, line[p.i] == UInt8(ascii: ":") else { throw .syntax(offset: p.i) }
                    p.i += 1
                    p.skipWS()
                    let value = try rawValue(&p)
                    var key: String { escapedKey ?? slots.string(keyRange!) }
                    let known: KnownName?
                    if let keyRange {
                        known = AppEventDecoder.names.find(slots.bytes(keyRange))
                    } else {
                        var k = escapedKey!
                        known = k.withUTF8 { AppEventDecoder.names.find($0) }
                    }
                    // Refuse duplicates: known names by their bit, others by their text.
                    var other: String?
                    if let known {
                        let bit = UInt128(1) << known.id
                        guard seen & bit == 0 else { throw .duplicateKey("") }
                        seen |= bit
                    } else {
                        let k = key
                        guard !otherKeys.contains(k) else { throw .duplicateKey(k) }
                        otherKeys.append(k)
                        other = k
                    }
                    members += 1
                    guard members <= p.maxMembers else { throw .tooManyMembers }
                    if rejection == nil {
                        switch known?.role {
                        case .field(let slot, let priority)?:
                            if let existing = slots.priority(slot), existing <= priority {
                                // A lower-priority alias of a field already given: keep it visible in attrs.
                                if attrs.count < maxAttrs { attrs[key] = text(of: value, in: slots) }
                            } else {
                                if let lower = slots.priority(slot), attrs.count < maxAttrs {
                                    // It came first: it goes to attrs all the same, so the order of names changes nothing.
                                    attrs[AppEventDecoder.aliases[slot].names[lower]] = text(
                                        of: slots.values[slot].value, in: slots)
                                }
                                slots.set(slot, priority: priority, value: value)
                            }
                        case .geo?:
                            if case .nested(.object(let o)) = value {
                                geo = decodeGeo(o)
                            } else {
                                rejection = .invalidField
                            }
                        case .net?:
                            if case .nested(.object(let o)) = value {
                                net = decodeNet(o)
                            } else {
                                rejection = .invalidField
                            }
                        case .commerce?:
                            if case .nested(.object(let o)) = value {
                                commerceObject = o
                            } else {
                                rejection = .invalidField
                            }
                        case .attrs?:
                            if case .nested(.object(let o)) = value {
                                for (k, v) in o where attrs.count < maxAttrs { attrs[k] = text(of: v) }
                            } else {
                                rejection = .invalidField
                            }
                        case .risk?:
                            if case .nested(.object(let o)) = value {
                                for (k, v) in o where v == .bool(true) {
                                    if let f = RiskFlags(name: k) { risk.insert(f) }
                                }
                            }
                        case .origin?:
                            if case .nested(.object(let o)) = value { originObject = o }
                        case nil:
                            if attrs.count < maxAttrs {
                                attrs[other!] = text(of: value, in: slots)
                            } else {
                                rejection = .tooManyFields
                            }
                        }
                    }
                    p.skipWS()
                    guard p.i < line.count else { throw .syntax(offset: p.i) }
                    if line[p.i] == UInt8(ascii: ",") { p.i += 1; continue }
                    if line[p.i] == UInt8(ascii: "}") { p.i += 1; break }
                    throw .syntax(offset: p.i)
                }
            }
            p.skipWS()
            guard p.i == line.count else { throw .syntax(offset: p.i) }
        } catch {
            return .rejected(AppEventDecoder.reason(error))
        }
        if let rejection { return .rejected(rejection) }

        // action / category / kind
        var category: EventCategory?
        if let c = slots.value(.category) {
            guard case .string(let s) = c, let cat = EventCategory(loose: s) else { return .rejected(.invalidField) }
            category = cat
        }
        var actionValue = slots.value(.action)
        // `kind` (the benchmark generator's and some SDKs' field) names a category (`admin`, `activity`), a
        // verb (`login_failed`), or both (`login`).
        if case .string(let kindText)? = slots.value(.kind) {
            let asCategory = EventCategory(loose: kindText)
            let asAction = Action(sanitizing: kindText)
            if category == nil, let asCategory { category = asCategory }
            if actionValue == nil, let asAction, asAction.knownCategory != nil || asCategory == nil {
                actionValue = .string(asAction.rawValue)
            } else if asCategory == nil || category != asCategory {
                attrs["kind"] = kindText
            }
        }
        let action: Action
        if case .string(let actionText)? = actionValue {
            guard let a = Action(sanitizing: actionText) else { return .rejected(.missingAction) }
            action = a
        } else {
            guard let category, let fallback = fallbackAction(category) else {
                return .rejected(actionValue == nil ? .missingAction : .invalidField)
            }
            action = fallback
        }
        return finish(
            action, category: category, slots: slots, attrs: &attrs, geo: geo, net: net,
            commerceObject: commerceObject, risk: risk, originObject: originObject, receivedAt: receivedAt,
            source: source)
    }

    /// Reads the value at the parser's position, keeping plain strings and numbers as places in the line.
    func rawValue(_ p: inout JSONReader.Parser) throws(JSONReader.Failure) -> RawValue {
        guard p.i < p.b.count else { throw .syntax(offset: p.i) }
        switch p.b[p.i] {
        case UInt8(ascii: "\""):
            if let r = try p.plainString() { return .text(r) }
            return .string(try p.string())
        case UInt8(ascii: "{"), UInt8(ascii: "["): return .nested(try p.value(depth: 1))
        case UInt8(ascii: "t"): try p.literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try p.literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try p.literal("null"); return .null
        default: return .number(try p.numberRange())
        }
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
        _ action: Action, category: EventCategory?, slots: Slots,
        attrs: inout Attributes, geo: Geo?, net: NetFlags?, commerceObject: [(String, JSONReader.Value)]?,
        risk: RiskFlags, originObject: [(String, JSONReader.Value)]?, receivedAt: Timestamp, source: String?
    ) -> LineResult {
        var time = receivedAt
        if let t = slots[.time] {
            guard let parsed = timestamp(t, in: slots) else { return .rejected(.invalidTime) }
            time = parsed
        }
        var e = ActivityEvent(time: time, category: category ?? action.knownCategory ?? .activity, action: action)
        // Each text field: nil when absent; a structured value where text is expected is invalid (refused below,
        // after the address and the port, whose own reasons come first).
        func str(_ f: Field) -> String? {
            guard let v = slots[f] else { return nil }
            switch v {
            case .absent, .null: return nil
            case .text(let r): return r.isEmpty ? nil : cut(slots.bytes(r))
            case .string(let s): return s.isEmpty ? nil : cut(s)
            case .number(let r): return slots.string(r)
            case .bool(let b): return b ? "true" : "false"
            case .nested: return nil
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
        if case .text(let r)? = slots[.ip], !r.isEmpty {
            // The usual case, read from the bytes.
            guard let ip = IPAddress(slots.bytes(r)) else { return .rejected(.invalidIP) }
            e.ip = ip
        } else if let ipText = str(.ip) {
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
        if AppEventDecoder.textFields.contains(where: { if case .nested? = slots[$0] { true } else { false } }) {
            return .rejected(.invalidField)
        }

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
        if let v = slots[.subscription] { commerce.subscription = text(of: v, in: slots) }
        if let v = slots[.order] { commerce.order = text(of: v, in: slots) }
        if let v = slots[.amount] {
            let a = text(of: v, in: slots)
            guard isDecimal(a) else { return .rejected(.invalidField) }
            commerce.amount = a
        }
        if let v = slots[.currency] { commerce.currency = text(of: v, in: slots).uppercased() }
        if let v = slots[.billingCycles] {
            guard let c = Int(text(of: v, in: slots)) else { return .rejected(.invalidField) }
            commerce.billingCycles = c
        }
        if !commerce.isEmpty { e.commerce = commerce }
        if let geo, !geo.isEmpty { e.geo = geo }
        if let net, !net.isEmpty { e.net = net }
        e.risk = risk
        // Stamped here, not by the caller, so the event is built in one box (set after `.event(e)`, each stamp
        // copied the whole event). A sender's `ingested` and `origin.input`/`source` are replaced: this is UDP,
        // received now from `source`.
        e.ingested = receivedAt
        var origin = Origin(input: "udp")
        if let o = originObject {
            for (k, v) in o {
                switch k {
                case "position": origin.position = text(of: v)
                case "raw": origin.raw = text(of: v)
                default: break
                }
            }
        }
        origin.source = source
        if keepRaw { origin.raw = String(decoding: slots.line, as: UTF8.self) }
        e.origin = origin
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

    /// ``text(of:)`` for a top-level member's value.
    func text(of v: RawValue, in slots: Slots) -> String {
        switch v {
        case .absent: return ""
        case .text(let r): return cut(slots.bytes(r))
        case .string(let s): return cut(s)
        case .number(let r): return slots.string(r)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .nested(let n): return text(of: n)
        }
    }

    func cut(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let s = String(decoding: bytes, as: UTF8.self)
        return bytes.count > maxValueBytes ? cut(s) : s
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

    func timestamp(_ v: RawValue, in slots: Slots) -> Timestamp? {
        switch v {
        case .text(let r): return Timestamp.parseRFC3339(utf8: slots.bytes(r), defaultOffsetSeconds: 0)
        case .string(let s): return timestamp(.string(s))
        case .number(let r): return timestamp(.number(slots.string(r)))
        default: return nil
        }
    }

    func timestamp(_ v: JSONReader.Value) -> Timestamp? {
        switch v {
        case .string(let s): return Timestamp.parseRFC3339(s[...], defaultOffsetSeconds: 0)
        case .number(let n):
            // Checked arithmetic: a number near the bounds of a unit is an invalid time, never a trap.
            if let i = Int64(n) {
                let a = i.magnitude
                let scale: Int64 =
                    a < 100_000_000_000
                    ? 1_000_000_000  // seconds
                    : a < 100_000_000_000_000
                        ? 1_000_000  // milliseconds
                        : a < 100_000_000_000_000_000 ? 1_000 : 1  // microseconds, nanoseconds
                let (ns, overflow) = i.multipliedReportingOverflow(by: scale)
                return overflow ? nil : Timestamp(nanoseconds: ns)
            }
            guard let d = Double(n), d.isFinite, abs(d) < 9e9 else { return nil }  // fractional seconds
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

/// True when the bytes are well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF): what
/// ``JSONReader`` needs of its input.
@inline(__always)
public func validateUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
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
        if c & 0xE0 == 0xC0 {
            need = 1; minScalar = 0x80; scalar = UInt32(c & 0x1F)
        } else if c & 0xF0 == 0xE0 {
            need = 2; minScalar = 0x800; scalar = UInt32(c & 0x0F)
        } else if c & 0xF8 == 0xF0 {
            need = 3; minScalar = 0x10000; scalar = UInt32(c & 0x07)
        } else {
            return false
        }
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
