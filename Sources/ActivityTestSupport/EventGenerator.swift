import ActivityModel

/// A small deterministic PRNG (SplitMix64) so failing cases reproduce from their seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds random but valid events touching every field, for round-trip and store property tests.
public struct EventGenerator: Sendable {
    public var random: SeededRandom
    public init(seed: UInt64) { random = SeededRandom(seed: seed) }

    static let users = ["alice", "bob", "carol", "dave", "érika", "王伟", "o'brien", "user\"quote", "tab\tuser"]
    static let devices = ["iPhone", "Android", "Windows PC", "pts/0", "Mozilla/5.0 (X11; Linux) Firefox/120"]
    static let actions = Array(Action.vocabulary.keys).sorted() + ["custom_verb", "another_new_thing"]

    mutating func maybe<T>(_ p: Double = 0.5, _ make: (inout EventGenerator) -> T) -> T? {
        Double.random(in: 0..<1, using: &random) < p ? make(&self) : nil
    }

    mutating func pick<T>(_ a: [T]) -> T { a[Int.random(in: 0..<a.count, using: &random)] }

    mutating func text(maxLength: Int = 12) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789 -_.\"\\\n\u{1b}éü€😀")
        let n = Int.random(in: 1...maxLength, using: &random)
        return String((0..<n).map { _ in pick(alphabet) })
    }

    public mutating func event() -> ActivityEvent {
        let action = Action(rawValue: pick(EventGenerator.actions))
        var e = ActivityEvent(
            time: Timestamp(
                nanoseconds: Int64.random(in: 1_600_000_000_000_000_000...1_900_000_000_000_000_000, using: &random)),
            category: action.knownCategory ?? .activity, action: action,
            outcome: pick([Outcome.success, .failure, .unknown]))
        e.ingested = maybe(0.8) { g in
            Timestamp(
                nanoseconds: e.time.nanoseconds + Int64.random(in: -1_000_000_000...5_000_000_000, using: &g.random))
        }
        e.reason = maybe(0.2) { g in g.pick(["invalid_password", "invalid_user", "idle_timeout"]) }
        e.user = maybe(0.95) { g in g.pick(EventGenerator.users) }
        e.actor = maybe(0.2) { g in g.pick(EventGenerator.users) }
        e.actorRole = maybe(0.2) { g in g.pick(["user", "admin", "support", "system"]) }
        e.account = maybe(0.2) { g in g.text() }
        e.session = maybe(0.5) { g in String(UInt64.random(in: 0...UInt64.max, using: &g.random), radix: 16) }
        e.entry = maybe(0.5) { g in g.pick(["web", "mobile", "api", "ssh", "console"]) }
        e.device = maybe(0.6) { g in g.pick(EventGenerator.devices) }
        e.ip = maybe(0.8) { g in
            Bool.random(using: &g.random)
                ? .v4(UInt32.random(in: 0...UInt32.max, using: &g.random))
                : .v6(
                    UInt64.random(in: 0...UInt64.max, using: &g.random),
                    UInt64.random(in: 0...UInt64.max, using: &g.random))
        }
        e.port = maybe(0.3) { g in UInt16.random(in: 0...UInt16.max, using: &g.random) }
        e.host = maybe(0.5) { g in g.pick(["web-1", "db-2", "bastion"]) }
        e.service = maybe(0.5) { g in g.pick(["sshd", "sudo", "billing-api"]) }
        e.geo = maybe(0.4) { g in
            var geo = Geo()
            geo.country = g.pick(["GB", "DE", "US", "JP"])
            geo.countryName = g.maybe { g in g.pick(["United Kingdom", "Germany"]) }
            geo.region = g.maybe { g in g.text() }
            geo.city = g.maybe { g in g.pick(["London", "Berlin", "Zürich"]) }
            geo.lat = g.maybe { g in Double.random(in: -90...90, using: &g.random) }
            geo.lon = g.maybe { g in Double.random(in: -180...180, using: &g.random) }
            geo.radiusKm = g.maybe { g in Int.random(in: 1...1000, using: &g.random) }
            geo.tz = g.maybe { g in "Europe/London" }
            geo.asn = g.maybe { g in UInt32.random(in: 1...400_000, using: &g.random) }
            geo.asOrg = g.maybe { g in g.text() }
            return geo
        }
        e.net = maybe(0.2) { g in
            NetFlags(
                vpn: Bool.random(using: &g.random), proxy: Bool.random(using: &g.random),
                tor: Bool.random(using: &g.random),
                hosting: Bool.random(using: &g.random), lists: g.maybe { g in ["vpn-ranges", "tor-exits"] } ?? [])
        }
        if let n = e.net, n.isEmpty { e.net = nil }
        e.commerce = maybe(0.2) { g in
            var c = Commerce()
            c.subscription = g.maybe { g in "S-" + String(Int.random(in: 1...9999, using: &g.random)) }
            c.order = g.maybe { g in "O-" + String(Int.random(in: 1...9999, using: &g.random)) }
            c.amount = g.maybe { g in String(Int.random(in: -100...10000, using: &g.random)) + ".99" }
            c.currency = g.maybe { g in g.pick(["EUR", "USD"]) }
            c.billingCycles = g.maybe { g in Int.random(in: 0...36, using: &g.random) }
            return c
        }
        if let c = e.commerce, c.isEmpty { e.commerce = nil }
        e.comment = maybe(0.1) { g in g.text(maxLength: 60) }
        let attrCount = Int.random(in: 0...3, using: &random)
        for _ in 0..<attrCount { e.attrs[text(maxLength: 6)] = text() }
        e.origin = maybe(0.7) { g in
            Origin(
                input: g.pick(["udp", "journald", "file"]), position: g.maybe { g in g.text() },
                source: g.maybe { g in "127.0.0.1:5514" }, raw: g.maybe(0.1) { g in g.text(maxLength: 80) })
        }
        e.risk = RiskFlags(rawValue: UInt8.random(in: 0...15, using: &random))
        return e
    }
    /// One event with every field of ``ActivityEvent/Field`` and every member of its nested objects set, to values
    /// every reader keeps as they are (a snake_case reason, a lower-case entry, an upper-case currency, an origin
    /// from UDP, no `assessed` risk mark): the fixture of the tests that check each list of fields covers them all.
    public static func everyField() -> ActivityEvent {
        var e = ActivityEvent(
            time: Timestamp(nanoseconds: 1_774_000_000_123_456_789), category: .login,
            action: Action(rawValue: "login_failed"), outcome: .failure, user: "alice")
        e.seq = 42
        e.ingested = Timestamp(nanoseconds: 1_774_000_001_000_000_001)
        e.reason = "invalid_password"
        e.actor = "admin1"
        e.actorRole = "admin"
        e.account = "acme"
        e.session = "s-1"
        e.entry = "web"
        e.device = "Firefox/128"
        e.ip = IPAddress("198.51.100.7")
        e.port = 51000
        e.host = "web-1"
        e.service = "billing-api"
        var g = Geo()
        g.country = "GB"; g.countryName = "United Kingdom"; g.region = "England"; g.city = "London"
        g.lat = 51.5074; g.lon = -0.1278; g.radiusKm = 20; g.tz = "Europe/London"; g.asn = 64500;
        g.asOrg = "Example Net"
        e.geo = g
        e.net = NetFlags(vpn: true, proxy: true, tor: true, hosting: true, lists: ["vpn-ranges", "tor-exits"])
        var c = Commerce()
        c.subscription = "SUB-1"; c.order = "ORD-2"; c.amount = "-19.99"; c.currency = "EUR"; c.billingCycles = 12
        e.commerce = c
        e.comment = "a \"quoted\" comment"
        e.attrs = ["plan": "gold", "tier": "2"]
        e.origin = Origin(input: "udp", position: "p-1", source: "192.0.2.1:40000", raw: "{\"raw\":1}")
        e.risk = [.newCountry, .impossibleTravel, .anonymizer, .failedBurst, .newDevice]
        return e
    }
}

extension ActivityEvent {
    /// Removes field `f` (the fields every event has are left as they are): for tests that walk
    /// ``ActivityEvent/Field`` and need an event without one field.
    public mutating func clear(_ f: ActivityEvent.Field) {
        switch f {
        case .seq, .time, .category, .action, .outcome: break
        case .ingested: ingested = nil
        case .reason: reason = nil
        case .user: user = nil
        case .actor: actor = nil
        case .actorRole: actorRole = nil
        case .account: account = nil
        case .session: session = nil
        case .entry: entry = nil
        case .device: device = nil
        case .ip: ip = nil
        case .port: port = nil
        case .host: host = nil
        case .service: service = nil
        case .geo: geo = nil
        case .net: net = nil
        case .commerce: commerce = nil
        case .comment: comment = nil
        case .attrs: attrs = [:]
        case .origin: origin = nil
        case .risk: risk = []
        }
    }
}
