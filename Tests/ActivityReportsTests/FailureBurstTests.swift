import ActivityModel
import ActivityReports
import Testing

@Suite("failureBursts")
struct FailureBurstTests {
    func fail(_ t: String, _ user: String = "ann", ip: String = "203.0.113.9") -> ActivityEvent {
        ev(t, "login_failed", user: user, outcome: .failure, ip: ip)
    }

    let userOnly = FailureBurstOptions(threshold: 3, window: .minutes(5), byIP: false)

    @Test("fewer than N failures in the window is no burst")
    func belowThreshold() {
        let events = numbered([
            fail("2026-03-10T10:00:00Z"), fail("2026-03-10T10:04:00Z"), fail("2026-03-10T10:09:30Z"),
        ])
        #expect(failureBursts(events: events, options: userOnly).isEmpty)
    }

    @Test("N failures in T is a burst; overlapping windows merge into one burst")
    func merge() throws {
        let events = numbered([
            fail("2026-03-10T10:00:00Z"), fail("2026-03-10T10:01:00Z"), fail("2026-03-10T10:02:00Z"),
            fail("2026-03-10T10:06:00Z"),  // window 10:01..10:06 holds 10:01, 10:02, 10:06: extends
            ev("2026-03-10T10:06:30Z", "mfa_failure", user: "ann", outcome: .failure),
            fail("2026-03-10T11:00:00Z"),  // alone
        ])
        let b = failureBursts(events: events, options: userOnly)
        #expect(b.count == 1)
        let burst = try #require(b.first)
        #expect(burst.key == .user("ann"))
        #expect(burst.count == 5)
        #expect(burst.first == ts("2026-03-10T10:00:00Z"))
        #expect(burst.last == ts("2026-03-10T10:06:30Z"))
        #expect(burst.firstSeq == 1)
        #expect(burst.lastSeq == 5)
        #expect(!burst.isFollowedBySuccess)
    }

    @Test("a gap longer than the window starts a new burst")
    func split() {
        let events = numbered([
            fail("2026-03-10T10:00:00Z"), fail("2026-03-10T10:00:10Z"), fail("2026-03-10T10:00:20Z"),
            fail("2026-03-10T10:30:00Z"), fail("2026-03-10T10:30:10Z"), fail("2026-03-10T10:30:20Z"),
        ])
        let b = failureBursts(events: events, options: userOnly)
        #expect(b.map(\.count) == [3, 3])
    }

    @Test("a success after a burst is recorded, within the success window when one is set")
    func success() throws {
        let events = numbered([
            fail("2026-03-10T10:00:00Z"), fail("2026-03-10T10:00:10Z"), fail("2026-03-10T10:00:20Z"),
            ev("2026-03-10T10:02:00Z", "login", user: "ann", ip: "198.51.100.1"),
        ])
        let b = try #require(failureBursts(events: events, options: userOnly).first)
        #expect(b.successTime == ts("2026-03-10T10:02:00Z"))
        #expect(b.successSeq == 4)
        var strict = userOnly
        strict.successWithin = .minutes(1)
        #expect(failureBursts(events: events, options: strict).first?.isFollowedBySuccess == false)
    }

    @Test("a success resets the window: failures before it do not count towards a burst after it")
    func successResets() {
        let events = numbered([
            fail("2026-03-10T10:00:00Z"), fail("2026-03-10T10:00:10Z"),
            ev("2026-03-10T10:00:15Z", "login", user: "ann"),
            fail("2026-03-10T10:00:20Z"),
        ])
        #expect(failureBursts(events: events, options: userOnly).isEmpty)
    }

    @Test("per-address bursts catch spraying across accounts and list the accounts tried")
    func perIP() throws {
        var events: [ActivityEvent] = []
        for i in 0..<12 {
            events.append(fail("2026-03-10T10:00:\(10 + i)Z", "user\(i)", ip: "192.0.2.66"))
        }
        events.append(ev("2026-03-10T10:01:00Z", "login", user: "user11", ip: "192.0.2.66"))
        let b = failureBursts(events: numbered(events), options: FailureBurstOptions(threshold: 5, window: .minutes(1)))
        #expect(b.count == 1)  // no single user failed 5 times
        let burst = try #require(b.first)
        #expect(burst.key == .ip(try #require(IPAddress("192.0.2.66"))))
        #expect(burst.count == 12)
        #expect(burst.distinctUsers == 12)
        #expect(burst.users.count == FailureBurst.maxListedUsers)
        #expect(burst.isFollowedBySuccess)
    }

    @Test("the detector reports which bursts a success follows, once")
    func detector() {
        var d = FailureBurstDetector(options: FailureBurstOptions(threshold: 2, window: .minutes(1)))
        for e in numbered([fail("2026-03-10T10:00:00Z"), fail("2026-03-10T10:00:01Z")]) {
            #expect(d.observe(e).isEmpty)
        }
        let ok = ev("2026-03-10T10:00:05Z", "login", user: "ann", ip: "203.0.113.9")
        #expect(d.observe(ok).map(\.key.description) == ["user ann", "ip 203.0.113.9"])
        #expect(d.observe(ok).isEmpty)
    }

    @Test("a threshold of zero or less behaves as one and never traps")
    func degenerate() {
        let b = failureBursts(
            events: [fail("2026-03-10T10:00:00Z")],
            options: FailureBurstOptions(threshold: 0, window: .seconds(0), byIP: false))
        #expect(b.map(\.count) == [1])
    }
}

@Suite("failureBursts against a brute-force definition")
struct FailureBurstModelTests {
    struct SplitMix {
        var s: UInt64;
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15; var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("every failure inside a window of N failures is counted exactly once", arguments: Array(UInt64(1)...40))
    func matchesBruteForce(seed: UInt64) {
        var rng = SplitMix(s: seed)
        let threshold = Int(rng.next() % 4) + 2
        let window = TimeSpan.seconds(Int64(rng.next() % 120) + 1)
        var t = ts("2026-03-01T00:00:00Z")
        var events: [ActivityEvent] = []
        for _ in 0..<200 {
            t = t.advanced(by: .seconds(Int64(rng.next() % 60)))
            let success = rng.next() % 10 == 0
            var e = ActivityEvent(
                time: t, category: .login, action: success ? .login : .loginFailed,
                outcome: success ? .success : .failure, user: "u")
            e.seq = UInt64(events.count + 1)
            events.append(e)
        }
        // Brute force: at each failure k, the failures since the last success within `window` before it.
        var covered = Set<UInt64>()
        for k in events.indices where events[k].outcome == .failure {
            var w: [UInt64] = []
            var j = k
            while j >= 0, events[j].outcome == .failure,
                TimeSpan.between(events[j].time, events[k].time) <= window
            {
                w.append(events[j].seq); j -= 1
            }
            if w.count >= threshold { covered.formUnion(w) }
        }
        let bursts = failureBursts(
            events: events,
            options: FailureBurstOptions(threshold: threshold, window: window, byIP: false))
        #expect(bursts.reduce(0) { $0 + $1.count } == covered.count)
        for (a, b) in zip(bursts, bursts.dropFirst()) { #expect(a.lastSeq < b.firstSeq) }
        for b in bursts { #expect(covered.contains(b.firstSeq) && covered.contains(b.lastSeq)) }
    }
}
