import ActivityModel
import ActivityReports
import Testing

/// The users report fed per-chunk ``AccountDigest``s must equal the report fed every event: that is what lets
/// `activityctl users` read the indexes' accounts sections instead of the events.
@Suite("AccountDigest composition")
struct AccountDigestTests {
    /// A small deterministic generator (SplitMix64).
    struct Mix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    }

    /// Every kind of event the users report reads, with the reasons and fields that change its answer.
    func randomEvent(_ g: inout Mix, minute: Int) -> ActivityEvent {
        var e = randomEvent(&g)
        e.time = Timestamp(nanoseconds: ts("2026-03-01T00:00:00Z").nanoseconds + Int64(minute) * 60_000_000_000)
        return e
    }

    func randomEvent(_ g: inout Mix) -> ActivityEvent {
        let time = "2026-03-01T00:00:00Z"
        let user = g.pick(["ann", "bob", "cy", "dee", ""])
        let ip = g.pick([nil, "198.51.100.7", "2001:db8::1", "203.0.113.9"])
        let entry = g.pick([nil, "ssh", "web", "mobile"])
        let device = g.pick([nil, "Firefox", "iPhone"])
        let city = g.pick([nil, "London", "Paris"])
        switch g.int(14) {
        case 0, 1:
            return ev(
                time, "login", user: user, ip: ip, entry: entry, device: device, country: city == nil ? nil : "GB",
                city: city)
        case 2:
            return ev(
                time, "login", user: user, outcome: .failure,
                reason: g.pick([nil, "bad_password", "account_disabled", "account_locked", "invalid_user"]), ip: ip)
        case 3: return ev(time, "login", user: user, reason: "mfa_required", ip: ip)
        case 4:
            return ev(
                time, "login_failed", user: user, outcome: .failure,
                reason: g.pick(["invalid_user", "bad_password", "user_disabled"]), ip: ip)
        case 5: return ev(time, "mfa_success", user: user, outcome: g.pick([.success, .failure]))
        case 6: return ev(time, "mfa_failure", user: user, outcome: .failure)
        case 7, 8: return ev(time, "logout", user: user)
        case 9: return ev(time, "session_timeout", user: user)
        case 10: return ev(time, "account_locked", user: user)
        case 11:
            return ev(
                time, g.pick(["user_deactivated", "user_deleted"]), user: user, outcome: g.pick([.success, .failure]))
        case 12: return ev(time, "password_change", user: user, reason: g.pick([nil, "merchant_account_disabled"]))
        default: return ev(time, "page_view", user: user)
        }
    }

    @Test("digests of any split of any event sequence give the report the events give", arguments: 0..<400)
    func splitsAgree(seed: Int) {
        var g = Mix(state: UInt64(seed) &* 7919)
        var minute = 0
        let events = numbered(
            (0..<(1 + g.int(60))).map { _ in
                minute += g.int(3)  // equal times happen too
                return randomEvent(&g, minute: minute)
            })
        let now = ts("2026-03-02T00:00:00Z")

        var folded = UsersAccumulator()
        var start = 0
        while start < events.count {
            let end = min(events.count, start + 1 + g.int(12))
            let chunk = events[start..<end]
            if g.int(4) == 0 {
                // What no index covers arrives as events (login and admin only, as the store hands them out).
                for e in chunk where e.category != .activity { folded.add(e) }
            } else {
                var digests: [String: AccountDigest] = [:]
                for e in chunk where e.category != .activity {
                    guard let u = e.user, !u.isEmpty else { continue }
                    digests[u, default: AccountDigest(seen: e.time)].apply(e)
                }
                var sorted = digests.sorted(by: { $0.key < $1.key }).map { (user: $0.key, digest: $0.value) }
                switch g.int(4) {
                case 0: for (u, d) in sorted { folded.add(user: u, digest: d) }
                case 1:
                    // Another order than the last chunk's: the fold's guess of the next user misses.
                    sorted.reverse()
                    folded.add(digests: sorted)
                default: folded.add(digests: sorted)
                }
            }
            start = end
        }
        let loginAdmin = events.filter { $0.category != .activity }
        let fromEvents = usersReport(events: loginAdmin, now: now, sessionTimeout: .hours(1), includeInvalidUsers: true)
        let fromDigests = folded.summaries(now: now, sessionTimeout: .hours(1), includeInvalidUsers: true)
        #expect(fromDigests == fromEvents)
    }

    @Test("a lock, then a deactivation, then a login: the transition table keeps each step's time")
    func statusTimes() {
        let events = numbered([
            ev("2026-03-01T08:00:00Z", "login", user: "ann", entry: "web"),
            ev("2026-03-01T09:00:00Z", "account_locked", user: "ann"),
            ev("2026-03-01T10:00:00Z", "user_deactivated", user: "ann"),
            ev("2026-03-01T11:00:00Z", "logout", user: "ann"),
        ])
        var d = AccountDigest(seen: events[0].time)
        for e in events { d.apply(e) }
        // From any status before, a successful login comes first: the run ends disabled since 10:00.
        #expect(Set(d.statusAfter) == [.disabled])
        #expect(Set(d.statusSince) == [ts("2026-03-01T10:00:00Z")])
        var logoutOnly = AccountDigest(seen: events[3].time)
        logoutOnly.apply(events[3])
        #expect(logoutOnly.statusAfter[Int(UserStatus.loggedIn.code)] == .loggedOut)
        #expect(logoutOnly.statusAfter[Int(UserStatus.disabled.code)] == .disabled)
        #expect(logoutOnly.statusSince[Int(UserStatus.disabled.code)] == nil)
    }
}
