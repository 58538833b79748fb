import ActivityModel
import ActivityPipeline
import Foundation
import Testing

@Suite("login correlator: one login, one event")
struct LoginCorrelatorTests {
    static let parser = SyslogParser(timeZone: TimeZone(identifier: "UTC") ?? .current)
    static let now = Timestamp(seconds: 1_763_900_000)

    /// sshd's auth.log lines for the logins of ``AuditFixtures/rhelSSHLogin`` and ``AuditFixtures/debianSSHFailures``.
    static let authLog = [
        "Nov 22 08:26:40 web1 sshd[2201]: Accepted password for alice from 192.0.2.10 port 51234 ssh2",
        "Nov 22 08:26:40 web1 sshd[2201]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
        "Nov 22 09:26:40 web1 sshd[2201]: pam_unix(sshd:session): session closed for user alice",
        "Nov 22 08:28:20 deb12 sshd[3301]: Failed password for bob from 203.0.113.50 port 40000 ssh2",
        "Nov 22 08:30:00 deb12 sshd[3310]: Invalid user admin from 198.51.100.7 port 40002",
    ]

    /// Events of both sources through one correlator, the auth log first or the audit log first; rendered as
    /// `action user service`.
    static func merged(
        auditFirst: Bool, authLog: [String] = authLog,
        audit: [String] = AuditFixtures.rhelSSHLogin + AuditFixtures.debianSSHFailures
    ) -> [String] {
        var normalizer = Normalizer()
        var auditNormalizer = AuditNormalizer(host: "web1")
        var fromAuth: [(ActivityEvent, Int?)] = []
        for l in authLog {
            guard let r = parser.parse(l[...], now: now) else { continue }
            if case .events(let es) = normalizer.normalize(r) { fromAuth += es.map { ($0, r.pid) } }
        }
        var fromAudit: [ActivityEvent] = []
        for l in audit { if case .events(let es)? = auditNormalizer.normalize(line: l[...]) { fromAudit += es } }
        var c = LoginCorrelator()
        var out: [String] = []
        func feedAuth() {
            for (e, pid) in fromAuth {
                var e = e; c.correlate(&e, pid: pid, fromAudit: false);
                out.append("\(e.action) \(e.user ?? "-") \(e.service ?? "-")")
            }
        }
        func feedAudit() {
            for var e in fromAudit {
                c.correlate(&e, pid: nil, fromAudit: true);
                out.append("\(e.action) \(e.user ?? "-") \(e.service ?? "-")")
            }
        }
        if auditFirst { feedAudit(); feedAuth() } else { feedAuth(); feedAudit() }
        return out.sorted()
    }

    @Test("auth log first: the audit log's reports of the same login, logout and failures become duplicates")
    func authFirst() {
        #expect(
            Self.merged(auditFirst: false) == [
                "duplicate_login alice sshd", "duplicate_login_failed - sshd", "duplicate_login_failed bob sshd",
                "duplicate_logout alice sshd",
                "login alice sshd", "login_failed admin sshd", "login_failed bob sshd", "login_failed carol sshd",
                "logout alice sshd",
            ])
    }

    @Test("audit log first: the auth log's reports become the duplicates; the counted events are the same facts")
    func auditFirst() {
        let events = Self.merged(auditFirst: true)
        #expect(events.filter { !$0.hasPrefix("duplicate_") }.count == 5)
        #expect(events.filter { $0.hasPrefix("duplicate_") }.count == 4)
        #expect(events.contains("duplicate_login alice sshd"))
        #expect(events.contains("duplicate_login_failed admin sshd"))
    }

    @Test("no pairing across processes, users, outcomes, hosts, or beyond the window")
    func notTheSame() {
        func one(_ a: ActivityEvent, pidA: Int?, _ b: ActivityEvent, pidB: Int?) -> Bool {
            var c = LoginCorrelator()
            var a = a, b = b
            c.correlate(&a, pid: pidA, fromAudit: false)
            return c.correlate(&b, pid: pidB, fromAudit: true)
        }
        func login(
            _ user: String?, at s: Int64, host: String = "web1", ip: String? = "192.0.2.10", outcome: Outcome = .success
        ) -> ActivityEvent {
            var e = ActivityEvent(
                time: Timestamp(seconds: s), category: .login, action: .login, outcome: outcome, user: user)
            e.host = host
            e.ip = ip.flatMap { IPAddress($0) }
            return e
        }
        let t: Int64 = 1_763_800_000
        #expect(one(login("alice", at: t), pidA: 1, login("alice", at: t + 1), pidB: 1))
        #expect(one(login("alice", at: t), pidA: 1, login("uid:1000", at: t + 1), pidB: 1))
        #expect(!one(login("alice", at: t), pidA: 1, login("alice", at: t + 1), pidB: 2))  // another process
        #expect(!one(login("alice", at: t), pidA: 1, login("bob", at: t + 1), pidB: 1))  // another user
        #expect(!one(login("alice", at: t), pidA: 1, login("alice", at: t + 6), pidB: 1))  // beyond 5 s
        #expect(!one(login("alice", at: t), pidA: 1, login("alice", at: t, host: "db1"), pidB: 1))  // another host
        #expect(!one(login("alice", at: t), pidA: 1, login("alice", at: t, outcome: .failure), pidB: 1))
        #expect(!one(login("alice", at: t), pidA: nil, login("alice", at: t, ip: nil), pidB: 1))  // nothing ties them
        #expect(one(login("alice", at: t), pidA: nil, login("alice", at: t), pidB: 1))  // same address
        // Two reports of the same source never pair; one first report absorbs one duplicate only.
        var c = LoginCorrelator()
        var a = login("alice", at: t), b = login("alice", at: t)
        #expect(!c.correlate(&a, pid: 1, fromAudit: false))
        #expect(!c.correlate(&b, pid: 1, fromAudit: false))
        var x = login("alice", at: t), y = login("alice", at: t), z = login("alice", at: t)
        #expect(c.correlate(&x, pid: 1, fromAudit: true))
        #expect(c.correlate(&y, pid: 1, fromAudit: true))
        #expect(!c.correlate(&z, pid: 1, fromAudit: true))
        #expect(x.action.rawValue == "duplicate_login" && x.attrs["duplicate_of"] == "-")
        // Relabelled events are not logins for any report.
        #expect(LoginEventKind(x) == .other)
    }

    @Test("memory stays bounded")
    func bounded() {
        var c = LoginCorrelator()
        for i in 0..<(LoginCorrelator.maxTracked * 3) {
            var e = ActivityEvent(
                time: Timestamp(seconds: Int64(i)), category: .login, action: .login, outcome: .success, user: "u\(i)")
            e.host = "h"
            c.correlate(&e, pid: i, fromAudit: i % 2 == 0)
        }
        #expect(c.trackedReports <= 2 * LoginCorrelator.maxTracked)  // one list per kind of source
    }
}
