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

    /// Every accepted top-level name, found by its bytes (``ByteKeyTable``: a few word compares, no string, no
    /// hash; measured: key strings and their dictionary lookups were a fifth of decoding, the earlier table of
    /// `[UInt8]` names 1.3k instructions per event). A name's table value is its id: its bit in a line's set of
    /// names seen (duplicates are refused) and its index in `roles`.
    struct NameTable: @unchecked Sendable {
        // @unchecked Sendable: written only in `init`.
        let table: ByteKeyTable
        let roles: UnsafeMutableBufferPointer<Role>

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
            table = ByteKeyTable(names.enumerated().map { (key: $0.element.0, value: $0.offset) })
            roles = .allocate(capacity: names.count)
            _ = roles.initialize(from: names.map(\.1))
        }

        @inline(__always) func find(_ key: UnsafeBufferPointer<UInt8>) -> (id: Int, role: Role)? {
            guard let id = table.find(key) else { return nil }
            return (id, roles[id])
        }
    }

    static let names = NameTable()

    /// An action with what it implies: its vocabulary category (nil outside the vocabulary) and the outcome an
    /// event of it has when the sender gives none.
    struct Verb {
        var action: Action
        var known: EventCategory?
        var outcome: Outcome
    }

    /// The vocabulary's verbs (``Action/vocabulary``) found by their bytes, each with its `String` made once: an
    /// action read from a line is neither built nor hashed when it is one of them.
    struct VerbTable: @unchecked Sendable {
        // @unchecked Sendable: written only in `init`.
        let table: ByteKeyTable
        let verbs: UnsafeMutableBufferPointer<Verb>

        init() {
            let all = Action.vocabulary.keys.sorted()
            table = ByteKeyTable(all.enumerated().map { (key: $0.element, value: $0.offset) })
            verbs = .allocate(capacity: all.count)
            _ = verbs.initialize(
                from: all.map { a in
                    let action = Action(rawValue: a)
                    return Verb(
                        action: action, known: Action.vocabulary[a], outcome: AppEventDecoder.defaultOutcome(action))
                })
        }

        /// The verb of an action (known or not).
        func verb(_ a: Action) -> Verb {
            var text = a.rawValue
            if let i = text.withUTF8({ table.find($0) }) { return verbs[i] }
            return Verb(action: a, known: a.knownCategory, outcome: AppEventDecoder.defaultOutcome(a))
        }
    }

    static let verbs = VerbTable()

    /// ``Outcome/init(loose:)``'s spellings and ``EventCategory``'s names, found by their ASCII bytes lowered.
    static let outcomeSpellings = ByteKeyTable(Outcome.looseSpellings.enumerated().map { ($0.element.0, $0.offset) })
    static let categoryNames = ByteKeyTable(categories.enumerated().map { ($0.element.rawValue, $0.offset) })
    /// `EventCategory.allCases`, made once (the synthesized property builds an array on every use).
    static let categories = EventCategory.allCases

    /// The fields read as text (``finish``'s `str`): an object or array in one of them is invalid.
    static let textFields: [Field] = [
        .outcome, .reason, .user, .actor, .actorRole, .account, .session, .entry,
        .device, .userAgent, .ip, .port, .host, .service, .comment,
    ]
    /// ``textFields`` as a set of slot bits.
    static let textFieldBits: UInt32 = textFields.reduce(0) { $0 | 1 << UInt32($1.rawValue) }
    /// How many other names' places a line keeps for the duplicate check before it compares them as strings.
    static let otherPlaceCount = 32
    /// How many canonical fields (slots) there are.
    static let fieldCount = Field.ingested.rawValue + 1

    /// A top-level member's value, left where it is in the line until a field needs it. A plain value (no
    /// references): a line's slots live on the stack and are never retained, copied field by field or
    /// destroyed (an array of slots holding `String`s and `JSONReader.Value`s, made and destroyed per line, was
    /// 1.7k instructions per event; callgrind, `activity-bench decode`).
    struct Slot {
        enum Kind: UInt8 {
            /// A string without escapes: `lo..<hi` is its content's place in the line.
            case text
            /// A string with escapes, decoded: `Line.escaped[lo]`.
            case escaped
            /// A number: `lo..<hi` is its text's place in the line (validated).
            case number
            /// `true` (`lo` 1) or `false` (`lo` 0).
            case bool
            case null
            /// An object or an array: `Line.nested[lo]`.
            case nested
        }
        var kind: Kind
        /// The priority (among its field's names) of the name that gave it.
        var priority: Int = 0
        var lo: Int
        var hi: Int = 0
    }

    /// One line being read: its bytes, its canonical fields by slot (``Field``; `present` has their bits) and
    /// the few values that are not places in it.
    struct Line {
        let b: UnsafeBufferPointer<UInt8>
        let slots: UnsafeMutablePointer<Slot>
        var present: UInt32 = 0
        var escaped: [String] = []
        var nested: [JSONReader.Value] = []
        /// The line's `geo` and `net` objects, when given and not empty. (Here, in memory, rather than local
        /// variables of the decoding loop: as locals the optional `Geo`, 152 bytes, was copied with memcpy at every
        /// member of every line.)
        var geo: Geo?
        var net: NetFlags?

        init(b: UnsafeBufferPointer<UInt8>, slots: UnsafeMutablePointer<Slot>) { self.b = b; self.slots = slots }

        @inline(__always) subscript(_ f: Field) -> Slot? {
            present & (1 << UInt32(f.rawValue)) != 0 ? slots[f.rawValue] : nil
        }
        @inline(__always) func bytes(_ s: Slot) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: b[s.lo..<s.hi])
        }
        @inline(__always) func bytes(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: b[r])
        }
        func string(_ s: Slot) -> String { String(decoding: bytes(s), as: UTF8.self) }
        func string(_ r: Range<Int>) -> String { String(decoding: bytes(r), as: UTF8.self) }
        /// The text of a string value; nil for any other value.
        func stringValue(_ s: Slot) -> String? {
            switch s.kind {
            case .text: return string(s)
            case .escaped: return escaped[s.lo]
            default: return nil
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
    /// the line (strings are made only for the fields an event keeps; times, addresses, actions and outcomes are
    /// read from the bytes); other names go to `attrs`; nested values are read by ``JSONReader``. The line's
    /// grammar comes first: a malformed, too deep or duplicated line is refused as such even when an earlier
    /// member was already invalid, so the first invalid member's reason is kept until the whole line has been read.
    func decodeObject(_ b: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp, source: String?) -> LineResult {
        let reader = JSONReader()
        // The places of the line's first other (not known) names, for the duplicate check; past them, the names
        // are compared as strings. (Room for every member allowed, 4 KiB, was allocated on the heap per line.)
        return withUnsafeTemporaryAllocation(of: Slot.self, capacity: AppEventDecoder.fieldCount) { slots in
            withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: AppEventDecoder.otherPlaceCount) {
                otherPlaces in
                var line = Line(b: b, slots: slots.baseAddress!)
                return decodeObject(
                    &line, reader: reader, otherPlaces: otherPlaces.baseAddress!, receivedAt: receivedAt,
                    source: source)
            }
        }
    }

    func decodeObject(
        _ line: inout Line, reader: JSONReader, otherPlaces: UnsafeMutablePointer<Range<Int>>,
        receivedAt: Timestamp, source: String?
    ) -> LineResult {
        let b = line.b
        var p = JSONReader.Parser(b: b, maxDepth: reader.maxDepth, maxMembers: reader.maxMembers)
        // The event's fields, built as one local value (attributes included) and boxed once at the end. Time,
        // category and action are set last.
        var e = ActivityEvent.Fields(
            time: receivedAt, category: .activity, action: Action(rawValue: ""), outcome: .unknown)
        // Until a line's pairs may repeat a key (an `attrs` object, whose keys may repeat top-level ones, or a
        // name that is escaped or not ASCII, compared as a string), every pair's key is known to be new and is
        // appended without searching the others.
        var attrsChecked = false
        var seen: UInt128 = 0  // bit `id` of each known name read
        var otherCount = 0  // other names read, their places in `otherPlaces` while `otherKeys` is nil
        var otherKeys: [String]?  // the other names as strings, once one is escaped or not ASCII
        var members = 0
        var rejection: RejectReason?
        var commerceObject: [(String, JSONReader.Value)]?
        var risk: RiskFlags = []
        var originObject: [(String, JSONReader.Value)]?
        do throws(JSONReader.Failure) {
            p.skipWS()
            p.i += 1  // the "{" decodeLine found
            p.skipWS()
            if p.i < b.count, b[p.i] == UInt8(ascii: "}") {
                p.i += 1
            } else {
                while true {
                    p.skipWS()
                    guard p.i < b.count, b[p.i] == UInt8(ascii: "\"") else { throw .syntax(offset: p.i) }
                    let keyRange = try p.plainString()
                    let escapedKey: String? = keyRange == nil ? try p.string() : nil
                    p.skipWS()
                    guard p.i < b.count, b[p.i] == UInt8(ascii: ":") else { throw .syntax(offset: p.i) }
                    p.i += 1
                    p.skipWS()
                    let value = try readValue(&p, &line)
                    let known: (id: Int, role: Role)?
                    if let keyRange {
                        known = AppEventDecoder.names.find(line.bytes(keyRange))
                    } else {
                        var k = escapedKey!
                        known = k.withUTF8 { AppEventDecoder.names.find($0) }
                    }
                    // Refuse duplicates: known names by their bit, others by their bytes while they are all plain
                    // ASCII (where equal bytes and equal strings are the same), else by their text.
                    var otherKey: String?
                    var otherRange: Range<Int>?
                    if let known {
                        let bit = UInt128(1) << known.id
                        guard seen & bit == 0 else { throw .duplicateKey("") }
                        seen |= bit
                    } else if otherKeys == nil, otherCount < AppEventDecoder.otherPlaceCount, let r = keyRange,
                        isASCII(line.bytes(r))
                    {
                        let key = line.bytes(r)
                        for j in 0..<otherCount where otherPlaces[j].count == r.count {
                            if r.isEmpty
                                || memcmp(b.baseAddress! + otherPlaces[j].lowerBound, key.baseAddress!, r.count) == 0
                            {
                                throw .duplicateKey("")
                            }
                        }
                        otherPlaces[otherCount] = r
                        otherCount += 1
                        otherRange = r
                    } else {
                        if otherKeys == nil {
                            otherKeys = (0..<otherCount).map { line.string(otherPlaces[$0]) }
                            attrsChecked = true
                        }
                        let k = escapedKey ?? line.string(keyRange!)
                        guard !otherKeys!.contains(k) else { throw .duplicateKey(k) }
                        otherKeys!.append(k)
                        otherKey = k
                    }
                    members += 1
                    guard members <= p.maxMembers else { throw .tooManyMembers }
                    if rejection == nil {
                        switch known?.role {
                        case .field(let slot, let priority)?:
                            let bit = UInt32(1) << UInt32(slot)
                            if line.present & bit != 0, line.slots[slot].priority <= priority {
                                // A lower-priority alias of a field already given: keep it visible in attrs.
                                if e.attrs.count < maxAttrs {
                                    put(
                                        AppEventDecoder.aliases[slot].names[priority], text(of: value, in: line),
                                        into: &e, checked: attrsChecked)
                                }
                            } else {
                                if line.present & bit != 0, e.attrs.count < maxAttrs {
                                    // It came first: it goes to attrs all the same, so the order of names changes nothing.
                                    let lower = line.slots[slot]
                                    put(
                                        AppEventDecoder.aliases[slot].names[lower.priority], text(of: lower, in: line),
                                        into: &e, checked: attrsChecked)
                                }
                                var v = value
                                v.priority = priority
                                line.slots[slot] = v
                                line.present |= bit
                            }
                        case .geo?:
                            if case .object(let o)? = nestedValue(value, line) {
                                let g = decodeGeo(o)
                                line.geo = g.isEmpty ? nil : g
                            } else {
                                rejection = .invalidField
                            }
                        case .net?:
                            if case .object(let o)? = nestedValue(value, line) {
                                let n = decodeNet(o)
                                line.net = n.isEmpty ? nil : n
                            } else {
                                rejection = .invalidField
                            }
                        case .commerce?:
                            if case .object(let o)? = nestedValue(value, line) {
                                commerceObject = o
                            } else {
                                rejection = .invalidField
                            }
                        case .attrs?:
                            if case .object(let o)? = nestedValue(value, line) {
                                attrsChecked = true
                                for (k, v) in o where e.attrs.count < maxAttrs {
                                    e.attrs[k] = text(of: v)
                                }
                            } else {
                                rejection = .invalidField
                            }
                        case .risk?:
                            if case .object(let o)? = nestedValue(value, line) {
                                for (k, v) in o where v == .bool(true) {
                                    if let f = RiskFlags(name: k) { risk.insert(f) }
                                }
                            }
                        case .origin?:
                            if case .object(let o)? = nestedValue(value, line) { originObject = o }
                        case nil:
                            if e.attrs.count < maxAttrs {
                                put(
                                    otherKey ?? line.string(otherRange!), text(of: value, in: line), into: &e,
                                    checked: attrsChecked)
                            } else {
                                rejection = .tooManyFields
                            }
                        }
                    }
                    p.skipWS()
                    guard p.i < b.count else { throw .syntax(offset: p.i) }
                    if b[p.i] == UInt8(ascii: ",") { p.i += 1; continue }
                    if b[p.i] == UInt8(ascii: "}") { p.i += 1; break }
                    throw .syntax(offset: p.i)
                }
            }
            p.skipWS()
            guard p.i == b.count else { throw .syntax(offset: p.i) }
        } catch {
            return .rejected(AppEventDecoder.reason(error))
        }
        if let rejection { return .rejected(rejection) }

        // action / category / kind
        var category: EventCategory?
        if let c = line[.category] {
            guard let cat = self.category(c, in: line) else { return .rejected(.invalidField) }
            category = cat
        }
        let actionSlot = line[.action]
        var verb: Verb?
        // `kind` (the benchmark generator's and some SDKs' field) names a category (`admin`, `activity`), a
        // verb (`login_failed`), or both (`login`).
        if let k = line[.kind], k.kind == .text || k.kind == .escaped {
            let asCategory = self.category(k, in: line)
            if category == nil, let asCategory { category = asCategory }
            // Read as an action only when the line has none, and made only when it is taken: a verb from the
            // vocabulary, or any verb when `kind` is no category (`kind: "activity"` is the category alone).
            if actionSlot == nil, let asAction = self.verb(sanitizing: k, in: line, unlessUnknown: asCategory != nil) {
                verb = asAction
            } else if asCategory == nil || category != asCategory {
                put("kind", line.stringValue(k)!, into: &e, checked: attrsChecked)
            }
        }
        if verb == nil {
            if let a = actionSlot, a.kind == .text || a.kind == .escaped {
                guard let v = self.verb(sanitizing: a, in: line) else { return .rejected(.missingAction) }
                verb = v
            } else {
                guard let category, let fallback = AppEventDecoder.fallbackVerbs[category] else {
                    return .rejected(actionSlot == nil ? .missingAction : .invalidField)
                }
                verb = fallback
            }
        }
        if let why = finish(
            verb!, category: category, line: line, event: &e, attrsChecked: attrsChecked,
            commerceObject: commerceObject, risk: risk, originObject: originObject, receivedAt: receivedAt,
            source: source)
        {
            return .rejected(why)
        }
        // Moved into its box, not copied (boxed inside `finish`, from its `inout` or as a `consuming` parameter,
        // the fields were copied and destroyed: ~1.2k instructions per event; callgrind, `activity-bench decode`).
        return .event(ActivityEvent(fields: consume e))
    }

    /// Reads the value at the parser's position, keeping plain strings and numbers as places in the line.
    @inline(__always)
    func readValue(_ p: inout JSONReader.Parser, _ line: inout Line) throws(JSONReader.Failure) -> Slot {
        guard p.i < p.b.count else { throw .syntax(offset: p.i) }
        switch p.b[p.i] {
        case UInt8(ascii: "\""):
            if let r = try p.plainString() { return Slot(kind: .text, lo: r.lowerBound, hi: r.upperBound) }
            line.escaped.append(try p.string())
            return Slot(kind: .escaped, lo: line.escaped.count - 1)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            line.nested.append(try p.value(depth: 1))
            return Slot(kind: .nested, lo: line.nested.count - 1)
        case UInt8(ascii: "t"): try p.literal("true"); return Slot(kind: .bool, lo: 1)
        case UInt8(ascii: "f"): try p.literal("false"); return Slot(kind: .bool, lo: 0)
        case UInt8(ascii: "n"): try p.literal("null"); return Slot(kind: .null, lo: 0)
        default:
            let r = try p.numberRange()
            return Slot(kind: .number, lo: r.lowerBound, hi: r.upperBound)
        }
    }

    /// The nested value a slot holds; nil for any other value.
    @inline(__always) func nestedValue(_ s: Slot, _ line: Line) -> JSONReader.Value? {
        s.kind == .nested ? line.nested[s.lo] : nil
    }

    /// Adds an attribute to the event being built: appended when its key is known to be new (`checked` false),
    /// else through the subscript, which replaces an existing key's value in place.
    @inline(__always) func put(_ key: String, _ value: String, into e: inout ActivityEvent.Fields, checked: Bool) {
        if checked {
            e.attrs[key] = value
        } else {
            e.attrs.appendUnchecked(Attributes.Pair(key: key, value: value))
        }
    }

    /// ``EventCategory/init(loose:)`` of a string value; nil for anything else. Read from the bytes when they
    /// are ASCII.
    func category(_ s: Slot, in line: Line) -> EventCategory? {
        switch s.kind {
        case .text:
            guard let key = ByteKey(asciiLowercased: line.bytes(s)) else { return EventCategory(loose: line.string(s)) }
            return AppEventDecoder.categoryNames.find(key).map { AppEventDecoder.categories[$0] }
        case .escaped: return EventCategory(loose: line.escaped[s.lo])
        default: return nil
        }
    }

    /// ``Action/init(sanitizing:)`` of a string value, with what the action implies; nil when nothing is left
    /// of it. An action already in snake_case is read from the bytes (and not made when it is in the vocabulary).
    ///
    /// With `unlessUnknown`, an action outside the vocabulary is nil as well (and no string is made for it).
    func verb(sanitizing s: Slot, in line: Line, unlessUnknown: Bool = false) -> Verb? {
        if s.kind == .text {
            let bytes = line.bytes(s)
            if Action.isSnakeCase(bytes) {
                if let i = AppEventDecoder.verbs.table.find(bytes) { return AppEventDecoder.verbs.verbs[i] }
                // Not in the vocabulary: no category, an unknown default outcome.
                if unlessUnknown { return nil }
                return Verb(action: Action(rawValue: line.string(s)), known: nil, outcome: .unknown)
            }
        }
        guard let text = line.stringValue(s), let a = Action(sanitizing: text) else { return nil }
        let v = AppEventDecoder.verbs.verb(a)
        return unlessUnknown && v.known == nil ? nil : v
    }

    /// True when every byte is below 0x80.
    @inline(__always) func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        guard let base = b.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var acc: UInt64 = 0
        while i + 8 <= n { acc |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8 }
        while i < n { acc |= UInt64(b[i]); i += 1 }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    /// ``fallbackAction(_:)`` of each category, made once.
    static let fallbackVerbs: [EventCategory: Verb] = {
        var out: [EventCategory: Verb] = [:]
        for c in EventCategory.allCases {
            if let a = AppEventDecoder().fallbackAction(c) { out[c] = verbs.verb(a) }
        }
        return out
    }()

    /// A bare `kind: "activity"` (no verb) is kept as the generic verb of its category.
    func fallbackAction(_ c: EventCategory) -> Action? {
        switch c {
        case .login: return nil
        case .activity: return Action(rawValue: "activity")
        case .admin: return Action(rawValue: "admin_action")
        }
    }

    /// Sets the event's fields from the line's slots; the reason when a field is invalid, else nil.
    func finish(
        _ verb: Verb, category: EventCategory?, line: Line, event e: inout ActivityEvent.Fields, attrsChecked: Bool,
        commerceObject: [(String, JSONReader.Value)]?, risk: RiskFlags,
        originObject: [(String, JSONReader.Value)]?, receivedAt: Timestamp, source: String?
    ) -> RejectReason? {
        if let t = line[.time] {
            guard let parsed = timestamp(t, in: line) else { return .invalidTime }
            e.time = parsed
        }
        e.category = category ?? verb.known ?? .activity
        e.action = verb.action
        // Each text field: nil when absent; a structured value where text is expected is invalid (refused below,
        // after the address and the port, whose own reasons come first).
        func str(_ f: Field) -> String? {
            guard let s = line[f] else { return nil }
            switch s.kind {
            case .null, .nested: return nil
            case .text: return s.lo == s.hi ? nil : cut(line.bytes(s))
            case .escaped:
                let v = line.escaped[s.lo]
                return v.isEmpty ? nil : cut(v)
            case .number: return line.string(s)
            case .bool: return s.lo != 0 ? "true" : "false"
            }
        }
        /// A text field's bytes when they are in the line and need no cut (the usual case).
        func plainBytes(_ f: Field) -> UnsafeBufferPointer<UInt8>? {
            guard let s = line[f], s.kind == .text, s.lo < s.hi, s.hi - s.lo <= maxValueBytes else { return nil }
            return line.bytes(s)
        }
        if let o = plainBytes(.outcome) {
            if let key = ByteKey(asciiLowercased: o) {
                e.outcome = AppEventDecoder.outcomeSpellings.find(key).map { Outcome.looseSpellings[$0].1 } ?? .unknown
            } else {
                e.outcome = Outcome(loose: String(decoding: o, as: UTF8.self))
            }
        } else {
            e.outcome = str(.outcome).map { Outcome(loose: $0) } ?? verb.outcome
        }
        if let r = plainBytes(.reason), Action.isSnakeCase(r) {
            e.reason = String(decoding: r, as: UTF8.self)
        } else {
            e.reason = str(.reason).flatMap { Action(sanitizing: $0)?.rawValue }
        }
        e.user = str(.user)
        e.actor = str(.actor)
        e.actorRole = str(.actorRole)
        e.account = str(.account)
        if let s = plainBytes(.session) {
            e.session = ShortText(utf8: UnsafeRawBufferPointer(s))
        } else {
            e.session = str(.session).map(ShortText.init)
        }
        e.entry = str(.entry).map { $0.lowercased() }
        e.device = str(.device)
        if let ua = str(.userAgent) {
            put("user_agent", ua, into: &e, checked: attrsChecked)
            if e.device == nil { e.device = ua }
        }
        if let s = line[.ip], s.kind == .text, s.lo < s.hi {
            // The usual case, read from the bytes.
            guard let ip = IPAddress(line.bytes(s)) else { return .invalidIP }
            e.ip = ip
        } else if let ipText = str(.ip) {
            guard let ip = IPAddress(ipText) else { return .invalidIP }
            e.ip = ip
        }
        if let p = str(.port) {
            guard let port = UInt16(p) else { return .invalidField }
            e.port = port
        }
        e.host = str(.host)
        e.service = str(.service)
        e.comment = str(.comment)
        var textBits = line.present & AppEventDecoder.textFieldBits
        while textBits != 0 {
            let slot = textBits.trailingZeroBitCount
            if line.slots[slot].kind == .nested { return .invalidField }
            textBits &= textBits - 1
        }

        let commerceBits =
            UInt32(1) << UInt32(Field.subscription.rawValue) | 1 << UInt32(Field.order.rawValue)
            | 1 << UInt32(Field.amount.rawValue) | 1 << UInt32(Field.currency.rawValue)
            | 1 << UInt32(Field.billingCycles.rawValue)
        if commerceObject != nil || line.present & commerceBits != 0 {
            var commerce = Commerce()
            if let o = commerceObject {
                for (k, v) in o {
                    switch k {
                    case "subscription": commerce.subscription = text(of: v)
                    case "order": commerce.order = text(of: v)
                    case "amount": commerce.amount = text(of: v)
                    case "currency": commerce.currency = text(of: v)
                    case "billing_cycles":
                        guard case .number(let n) = v, let c = Int(n) else { return .invalidField }
                        commerce.billingCycles = c
                    default: e.attrs["commerce.\(k)"] = text(of: v)
                    }
                }
            }
            if let v = line[.subscription] { commerce.subscription = text(of: v, in: line) }
            if let v = line[.order] { commerce.order = text(of: v, in: line) }
            if let v = line[.amount] {
                let a = text(of: v, in: line)
                guard isDecimal(a) else { return .invalidField }
                commerce.amount = a
            }
            if let v = line[.currency] { commerce.currency = text(of: v, in: line).uppercased() }
            if let v = line[.billingCycles] {
                guard let c = Int(text(of: v, in: line)) else { return .invalidField }
                commerce.billingCycles = c
            }
            if !commerce.isEmpty { e.commerce = commerce }
        }
        e.geo = line.geo
        e.net = line.net
        e.risk = risk
        // A sender's `ingested` and `origin.input`/`source` are replaced: this is UDP, received now from `source`.
        e.ingested = receivedAt
        var position: String?
        var raw: String?
        if let o = originObject {
            for (k, v) in o {
                switch k {
                case "position": position = text(of: v)
                case "raw": raw = text(of: v)
                default: break
                }
            }
        }
        if keepRaw { raw = String(decoding: line.b, as: UTF8.self) }
        // Made in place (a local `Origin` stored into the event was copied and destroyed: ~800 instructions).
        e.origin = Origin(input: "udp", position: position, source: source, raw: raw)
        return nil
    }

    static func defaultOutcome(_ a: Action) -> Outcome {
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
    func text(of s: Slot, in line: Line) -> String {
        switch s.kind {
        case .text: return cut(line.bytes(s))
        case .escaped: return cut(line.escaped[s.lo])
        case .number: return line.string(s)
        case .bool: return s.lo != 0 ? "true" : "false"
        case .null: return "null"
        case .nested: return text(of: line.nested[s.lo])
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

    func timestamp(_ s: Slot, in line: Line) -> Timestamp? {
        switch s.kind {
        case .text: return Timestamp.parseRFC3339(utf8: line.bytes(s), defaultOffsetSeconds: 0)
        case .escaped: return timestamp(.string(line.escaped[s.lo]))
        case .number: return timestamp(.number(line.string(s)))
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
