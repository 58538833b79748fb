import Testing
import Foundation
import ActivityModel
import ActivityReports
@testable import ActivityStore
import ActivityTestSupport

/// The indexes' logins sections must give `report logins`, `report failures` and `report suspicious` exactly
/// the answers reading every login attempt gives: across sealed segments, the active segment's prefix index and
/// its uncovered tail, a segment whose index is missing, one whose index predates the section, a damaged
/// section, out-of-order imports and time ranges that cut segments.
@Suite("Logins sections")
struct LoginAttemptTests {
    static let base: Int64 = 1_795_341_600_000_000_000

    /// Login attempts of a few users from a few addresses, 20 s apart, with bursts of failures, mixed with other
    /// events; every fifth batch an import of old events (times a day earlier, interleaving earlier segments).
    static func events(_ n: Int, seed: UInt64, assess: Bool) -> [ActivityEvent] {
        var g = EventGenerator(seed: seed)
        var rng = SeededRandom(seed: seed)
        let users = ["alice", "bob", "carol", "dave", "", "eve"]
        let actions = ["login", "login", "login_failed", "login_failed", "mfa_success", "mfa_failure", "logout"]
        var out: [ActivityEvent] = []
        var engine = RiskEngine()
        for i in 0..<n {
            var e = g.event()
            e.seq = 0
            let imported = (i / 50) % 5 == 4
            let t = Self.base + Int64(i) * 20_000_000_000 - (imported ? 86_400_000_000_000 : 0)
            // Equal times now and then: ties are broken by seq.
            e.time = Timestamp(nanoseconds: i % 7 == 3 ? t - 20_000_000_000 : t)
            e.risk = []
            e.attrs["risk_why"] = nil
            if rng.next() % 4 != 0 {
                e.action = Action(rawValue: actions[Int(rng.next() % UInt64(actions.count))])
                e.category = .login
                e.outcome = rng.next() % 3 == 0 ? .failure : .success
                e.reason = rng.next() % 9 == 0 ? "mfa_required" : nil
                let u = users[Int(rng.next() % UInt64(users.count))]
                e.user = rng.next() % 20 == 0 ? nil : u
                e.ip = rng.next() % 10 == 0 ? nil : .v4(0x0A00_0000 | UInt32(rng.next() % 5))
            }
            if assess {
                let kind = LoginEventKind(e)
                if kind.isFailure || kind.isSuccess {
                    let verdict = engine.observe(e)
                    if kind == .success {
                        e.risk = verdict.flags.union(.assessed)
                        e.attrs["risk_why"] = verdict.reasons.isEmpty ? nil : verdict.why
                    }
                }
            }
            out.append(e)
        }
        return out
    }

    /// A store of `events`: sealed segments, a prefix index from a clean close, then a tail no index covers.
    func store(_ events: [ActivityEvent], name: String = #function) throws -> (String, SegmentWriter) {
        let dir = temporaryDirectory(name)
        var options = StoreOptions()
        options.segmentMaxBytes = 24 * 1024
        let split = events.count * 3 / 4
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
            for c in stride(from: 0, to: split, by: 50) { try w.append(Array(events[c..<min(c + 50, split)])) }
            try w.close()
        }
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        for c in stride(from: split, to: events.count, by: 30) {
            try w.append(Array(events[c..<min(c + 30, events.count)]))
        }
        return (dir, w)
    }

    /// The attempts the event path reads: every login attempt in time order, as rows with names.
    func truth(_ r: StoreReader, since: Timestamp?, until: Timestamp?) throws -> [ActivityEvent] {
        var q = EventQuery()
        q.terms[.action] = LoginEventKind.attemptActions
        q.since = since
        q.until = until
        q.order = .time
        return Array(try r.read(q))
    }

    struct Row: Equatable {
        var time: Timestamp, seq: UInt64, kind: LoginEventKind, user: String?, ip: IPAddress?, risk: RiskFlags
    }

    func check(_ dir: String, ranges: [(Timestamp?, Timestamp?)]) throws -> StoreReader {
        let r = try StoreReader(dataDirectory: dir)
        for (since, until) in ranges {
            let events = try truth(r, since: since, until: until)
            let read = try r.loginAttempts(since: since, until: until)
            let rows = Array(read).map {
                Row(
                    time: $0.time, seq: $0.seq, kind: $0.kind, user: $0.user < 0 ? nil : read.userName($0.user),
                    ip: $0.ip, risk: $0.risk)
            }
            let want = events.map {
                Row(
                    time: $0.time, seq: $0.seq, kind: LoginEventKind($0),
                    user: ($0.user?.isEmpty ?? true) ? nil : $0.user,
                    ip: $0.ip, risk: $0.risk)
            }
            #expect(rows.count == want.count)
            #expect(rows == want)

            #expect(
                loginReport(attempts: try r.loginAttempts(since: since, until: until), since: since, until: until)
                    == loginReport(events: events, since: since, until: until))
            let options = FailureBurstOptions(threshold: 3, window: .minutes(10), successWithin: .hours(1))
            let bursts = failureBursts(attempts: try r.loginAttempts(since: since, until: until), options: options)
            #expect(bursts == failureBursts(events: events, options: options))
        }
        return r
    }

    func ranges() -> [(Timestamp?, Timestamp?)] {
        let t = { (s: Int64) in Timestamp(nanoseconds: Self.base + s * 1_000_000_000) }
        return [(nil, nil), (t(7_777), nil), (nil, t(31_111)), (t(-50_000), t(20_003)), (t(40_000), t(40_001))]
    }

    @Test("rows and reports from the logins sections equal those from the events")
    func sectionsAgreeWithEvents() throws {
        let events = Self.events(3000, seed: 7, assess: false)
        let (dir, w) = try store(events)
        let segs = try StoreReader(dataDirectory: dir).segments()
        #expect(segs.count > 4)
        let r = try check(dir, ranges: ranges())
        #expect(r.damage.isEmpty)
        let fails = failureBursts(
            events: try truth(r, since: nil, until: nil),
            options: FailureBurstOptions(threshold: 3, window: .minutes(10), successWithin: .hours(1)))
        #expect(!fails.isEmpty)
        #expect(fails.contains { $0.isFollowedBySuccess })

        // verify checks the sections against the segments' events.
        let report = try r.verify(repair: false)
        #expect(report.problems.isEmpty)

        // A sealed segment without its index, one whose index has no logins section (written before it existed:
        // the name renamed), one whose section is damaged: the events are read instead, with the same answers.
        try FileManager.default.removeItem(atPath: segs[1].indexPath)
        try rewrite(segs[2].indexPath) { b in
            let name = Array("logins".utf8)
            let at = try #require(Self.find([UInt8(name.count)] + name, in: b))
            b[at + 6] = UInt8(ascii: "z")
        }
        let at = try #require(try SegmentIndex(path: segs[3].indexPath, verifyChecksum: true).sections["logins"])
        try rewrite(segs[3].indexPath) { b in
            // The section's row count, more than its bytes can hold.
            for k in 0..<4 { b[at + k] = 0xFF }
        }
        let r2 = try check(dir, ranges: ranges())
        #expect(r2.damage.contains { $0.path == segs[1].indexPath })
        #expect(r2.damage.contains { $0.path == segs[3].indexPath })
        try w.close()
    }

    @Test("report suspicious reads only the flagged logins when every login was assessed, the same rows")
    func storedSuspicious() throws {
        let events = Self.events(2500, seed: 11, assess: true)
        let (dir, w) = try store(events)
        let r = try StoreReader(dataDirectory: dir)
        for (since, until) in ranges() {
            var q = EventQuery()
            q.terms[.action] = LoginEventKind.attemptActions
            q.since = since
            q.until = until
            q.order = .time
            let slow = suspiciousLogins(events: Array(try r.read(q)), options: SuspiciousOptions(useStoredFlags: true))
            let fast = try storedSuspiciousLogins(attempts: try r.loginAttempts(since: since, until: until)) {
                try r.events(seqs: $0)
            }
            #expect(fast == slow)
            if since == nil && until == nil { #expect((fast?.count ?? 0) > 10) }
        }
        try w.close()

        // One success not assessed: no fast answer (the engine must recompute it from the events before it).
        var some = Self.events(400, seed: 12, assess: true)
        let i = try #require(some.lastIndex { LoginEventKind($0) == .success })
        some[i].risk = []
        let (dir2, w2) = try store(some)
        let r2 = try StoreReader(dataDirectory: dir2)
        #expect(try storedSuspiciousLogins(attempts: try r2.loginAttempts()) { try r2.events(seqs: $0) } == nil)
        try w2.close()
    }

    func rewrite(_ path: String, _ change: (inout [UInt8]) throws -> Void) throws {
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try change(&b)
        try Data(b).write(to: URL(fileURLWithPath: path))
    }

    static func find(_ needle: [UInt8], in b: [UInt8]) -> Int? {
        guard b.count >= needle.count else { return nil }
        for i in 0...(b.count - needle.count) where Array(b[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
