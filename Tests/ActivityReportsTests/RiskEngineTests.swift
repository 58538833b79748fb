import ActivityModel
import ActivityTestSupport
@testable import ActivityReports
import Testing

/// A random login history in time order: a few users, places, devices and addresses, failures in runs.
func randomHistory(seed: UInt64, count: Int) -> [ActivityEvent] {
    var r = SeededRandom(seed: seed)
    let users = ["ann", "bob", "cy", "dee"]
    let places: [(String, String, Double, Double)] = [
        ("GB", "London", 51.5, -0.13), ("FR", "Paris", 48.86, 2.35), ("US", "New York", 40.71, -74.0),
        ("DE", "Berlin", 52.52, 13.4), ("JP", "Tokyo", 35.68, 139.7),
    ]
    let devices = ["iPhone", "Android", "Firefox/120", "pts/0", "Windows PC"]
    let ips = ["198.51.100.1", "198.51.100.2", "203.0.113.9", "2001:db8::7"]
    var t = ts("2026-03-01T00:00:00Z")
    var out: [ActivityEvent] = []
    while out.count < count {
        t = t.advanced(by: TimeSpan(nanoseconds: Int64.random(in: 1...1800, using: &r) * 1_000_000_000))
        let user = users.randomElement(using: &r)!
        let ip = ips.randomElement(using: &r)!
        let p = places.randomElement(using: &r)!
        let roll = Int.random(in: 0..<10, using: &r)
        let time = t.description
        var e: ActivityEvent
        if roll < 4 {
            // A run of failures a few seconds apart.
            for _ in 0..<Int.random(in: 1...7, using: &r) {
                t = t.advanced(by: TimeSpan(nanoseconds: Int64.random(in: 1...20, using: &r) * 1_000_000_000))
                out.append(ev(t.description, "login_failed", user: user, outcome: .failure, ip: ip))
            }
            continue
        } else if roll == 4 {
            e = ev(time, "mfa_success", user: user, ip: ip)
        } else if roll == 5 {
            e = ev(time, "logout", user: user, ip: ip)
        } else {
            e = ev(
                time, "login", user: user, ip: ip,
                device: Bool.random(using: &r) ? devices.randomElement(using: &r) : nil,
                country: p.0, city: p.1, lat: p.2, lon: p.3, radius: Int.random(in: 0...50, using: &r),
                vpn: Int.random(in: 0..<8, using: &r) == 0, hosting: Int.random(in: 0..<12, using: &r) == 0)
        }
        out.append(e)
    }
    return numbered(out)
}

@Suite("RiskEngine")
struct RiskEngineTests {
    @Test("a new device is flagged with the count known; the first device and terminals are not")
    func newDevice() {
        let rows = suspiciousLogins(
            events: numbered([
                ev("2026-03-01T10:00:00Z", "login", user: "ann", device: "iPhone"),
                ev("2026-03-01T11:00:00Z", "login", user: "ann", device: "iPhone"),
                ev("2026-03-01T12:00:00Z", "login", user: "ann", device: "pts/3"),
                ev("2026-03-01T13:00:00Z", "login", user: "ann", device: "Firefox/120"),
                ev("2026-03-01T14:00:00Z", "login", user: "ann"),
                ev("2026-03-01T15:00:00Z", "login", user: "ann", device: "iPhone"),
            ]))
        #expect(rows.map(\.event.seq) == [4])
        #expect(rows.first?.kinds == .newDevice)
        #expect(rows.first?.why == "new device Firefox/120 (1 known)")
    }

    @Test("terminals are told from devices by whole characters, also when a name is not ASCII")
    func terminalsByCharacter() {
        for t in ["", "console", ":0", ":1.0", "pts/3", "tty1", "ttyS0", "ssh", "sshd", "ssh2"] {
            #expect(!RiskEngine.isDevice(t), "\(t)")
        }
        // A combining mark makes "h\u{301}" one character: the name does not start with "ssh" (as `hasPrefix`
        // says), while its bytes do.
        for d in [
            "iPhone", "Firefox/120", "consoles", "Console", "pt", "ss", "ssh\u{301}d", "tty\u{308}", "ézé", "p\u{0}ts/",
        ] {
            #expect(RiskEngine.isDevice(d), "\(d)")
        }
        #expect(!RiskEngine.isDevice("sshé"))
        #expect(!RiskEngine.isDevice("ttyé"))
    }

    @Test("kilometres are written with a comma every three digits")
    func kilometres() {
        let cases: [(Double, String)] = [
            (0, "0"), (0.4, "0"), (0.5, "1"), (7, "7"), (999, "999"), (999.6, "1,000"), (1000, "1,000"),
            (12_345, "12,345"),
            (123_456, "123,456"), (1_234_567, "1,234,567"), (-1234.4, "-1,234"), (-0.4, "0"), (-999, "-999"),
            (9e15, "9,000,000,000,000,000"), (1e20, "9,000,000,000,000,000"), (-1e20, "-9,000,000,000,000,000"),
            (.infinity, "∞"), (.nan, "∞"),
        ]
        for (v, text) in cases { #expect(formatKm(v) == text, "\(v)") }
    }

    @Test("assess answers what observe will say and changes nothing")
    func assessIsPure() {
        var engine = RiskEngine()
        for e in randomHistory(seed: 7, count: 400) {
            let before = engine
            let asked = engine.assess(e)
            #expect(engine.users == before.users && engine.addresses == before.addresses)
            let told = engine.observe(e)
            if LoginEventKind(e) == .success { #expect(asked == told) } else { #expect(told.flags.isEmpty) }
        }
    }

    @Test("burst flags agree with FailureBurstDetector on random time-ordered histories", arguments: [1, 2, 3, 5])
    func burstsAgreeWithDetector(threshold: Int) {
        for seed in UInt64(1)...20 {
            let bursts = FailureBurstOptions(threshold: threshold, window: .minutes(2))
            var engine = RiskEngine(
                options: SuspiciousOptions(
                    newCountry: false, impossibleTravel: false, anonymizer: false,
                    bursts: bursts, newDevice: false))
            var detector = FailureBurstDetector(options: bursts)
            for e in randomHistory(seed: seed, count: 300) {
                let followed = detector.observe(e)
                let verdict = engine.observe(e)
                guard LoginEventKind(e) == .success else { continue }
                #expect(verdict.flags.contains(.failedBurst) == !followed.isEmpty, "seed \(seed) seq \(e.seq)")
                let expected = followed.map { "success after \($0.count) failures in \($0.duration) (\($0.key))" }
                #expect(verdict.reasons == expected, "seed \(seed) seq \(e.seq)")
            }
        }
    }

    @Test("state stays within its bounds; the least recently seen users are forgotten first")
    func bounded() {
        var options = SuspiciousOptions()
        options.maxUsers = 80
        options.maxAddresses = 40
        options.maxCountriesPerUser = 2
        options.maxDevicesPerUser = 2
        var engine = RiskEngine(options: options)
        for i in 0..<1000 {
            let t = ts("2026-03-01T00:00:00Z").advanced(by: .seconds(Int64(i)))
            _ = engine.observe(
                ev(t.description, "login_failed", user: "u\(i)", outcome: .failure, ip: "10.0.\(i / 256).\(i % 256)"))
            #expect(engine.trackedUsers <= 80 && engine.trackedAddresses <= 40)
        }
        #expect(engine.users["u999"] != nil && engine.users["u0"] == nil)
        for (i, (cc, d)) in [("GB", "a"), ("FR", "b"), ("DE", "c")].enumerated() {
            _ = engine.observe(ev("2026-03-02T0\(i):00:00Z", "login", user: "ann", device: d, country: cc))
        }
        #expect(engine.users["ann"]?.countries == ["FR", "DE"])
        #expect(engine.users["ann"]?.devices.count == 2)
        // GB was forgotten: it is new again.
        #expect(engine.assess(ev("2026-03-03T00:00:00Z", "login", user: "ann", country: "GB")).flags == .newCountry)
    }

    @Test("stored flags are read for assessed logins and recomputed for older ones")
    func storedFlags() {
        var assessed = ev("2026-03-02T10:00:00Z", "login", user: "ann", country: "FR")
        assessed.risk = [.assessed, .anonymizer]
        assessed.attrs["risk_why"] = "via VPN (lists: x)"
        let events = numbered([
            ev("2026-03-01T10:00:00Z", "login", user: "ann", country: "GB"), assessed,
            ev("2026-03-03T10:00:00Z", "login", user: "ann", country: "DE"),
        ])
        let rows = suspiciousLogins(events: events)
        #expect(rows.map(\.kinds) == [.anonymizer, .newCountry])
        #expect(rows.first?.reasons == ["via VPN (lists: x)"])
        let recomputed = suspiciousLogins(events: events, options: SuspiciousOptions(useStoredFlags: false))
        #expect(recomputed.map(\.kinds) == [.newCountry, .newCountry])
    }
}
