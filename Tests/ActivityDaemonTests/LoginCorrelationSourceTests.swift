import ActivityModel
import Foundation
import Testing
@testable import ActivityDaemon

/// The audit log is paired only with this host's own logs: a syslog line that arrives over UDP is the
/// sender's text and never relabels a local audit record as a duplicate (nor is it relabelled itself).
@Suite("login correlation sources")
struct LoginCorrelationSourceTests {
    static let audit =
        #"type=USER_START msg=audit(1795341600.130:1004): pid=2201 uid=0 auid=1000 ses=7 msg='op=PAM:session_open grantors=pam_unix acct="alice" exe="/usr/sbin/sshd" hostname=192.0.2.10 addr=192.0.2.10 terminal=ssh res=success'"#
    static let sshd = "Nov 22 10:00:00 h sshd[2201]: Accepted password for alice from 192.0.2.10 port 51234 ssh2"
    static let now = Timestamp(seconds: 1_795_341_600)

    func actions(syslogFrom input: String) throws -> [String] {
        var p = EventProcessor(
            udpInputs: [], keepRaw: false, timeZone: try #require(TimeZone(identifier: "UTC")), auditHost: "h")
        var out: [ActivityEvent] = []
        p.processAudit(
            line: RawRecord(message: Self.audit), stream: .file(path: "/var/log/audit/audit.log"),
            origin: Origin(input: "file"),
            now: Self.now, into: &out)
        p.process(
            record: RawRecord(message: Self.sshd),
            stream: input == "udp" ? .udp(sender: "192.0.2.99") : .file(path: "/var/log/auth.log"),
            origin: Origin(input: input), now: Self.now, into: &out)
        return out.map(\.action.rawValue)
    }

    @Test("auth.log and the audit log on this host: one login")
    func localPair() throws {
        #expect(try actions(syslogFrom: "file") == ["login", "duplicate_login"])
    }

    @Test("a syslog datagram claiming the same login: both kept, neither relabelled")
    func udpNeverPairs() throws {
        #expect(try actions(syslogFrom: "udp") == ["login", "login"])
    }
}
