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
            time: Timestamp(nanoseconds: Int64.random(in: 1_600_000_000_000_000_000...1_900_000_000_000_000_000, using: &random)),
            category: action.knownCategory ?? .activity, action: action,
            outcome: pick([Outcome.success, .failure, .unknown]))
        e.ingested = maybe(0.8) { g in Timestamp(nanoseconds: e.time.nanoseconds + Int64.random(in: -1_000_000_000...5_000_000_000, using: &g.random)) }
        e.reason = maybe(0.2) { g in g.pick(["invalid_password", "invalid_user", "idle_timeout"]) }
        e.user = maybe(0.95) { g in g.pick(EventGenerator.users) }
        e.actor = maybe(0.2) { g in g.pick(EventGenerator.users) }
        e.actorRole = maybe(0.2) { g in g.pick(["user", "admin", "support", "system"]) }
        e.account = maybe(0.2) { g in g.text() }
        e.session = maybe(0.5) { g in String(UInt64.random(in: 0...UInt64.max, using: &g.random), radix: 16) }
        e.entry = maybe(0.5) { g in g.pick(["web", "mobile", "api", "ssh", "console"]) }
        e.device = maybe(0.6) { g in g.pick(EventGenerator.devices) }
        e.ip = maybe(0.8) { g in
            Bool.random(using: &g.random) ? .v4(UInt32.random(in: 0...UInt32.max, using: &g.random))
                : .v6(UInt64.random(in: 0...UInt64.max, using: &g.random), UInt64.random(in: 0...UInt64.max, using: &g.random))
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
            NetFlags(vpn: Bool.random(using: &g.random), proxy: Bool.random(using: &g.random), tor: Bool.random(using: &g.random),
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
            Origin(input: g.pick(["udp", "journald", "file"]), position: g.maybe { g in g.text() },
                   source: g.maybe { g in "127.0.0.1:5514" }, raw: g.maybe(0.1) { g in g.text(maxLength: 80) })
        }
        e.risk = RiskFlags(rawValue: UInt8.random(in: 0...15, using: &random))
        return e
    }
}
