import Foundation
import Testing

/// Audit log lines (RHEL 9 ENRICHED, Debian 12 RAW) for the daemon tests. Times from 2026-11-22T10:00:00Z.
enum AuditLines {
    static let gs = "\u{1D}"
    static let subj = "subj=system_u:system_r:sshd_t:s0-s0:c0.c1023"

    /// An sshd login of `user` from `ip` with the monitor process `pid`: PAM steps, USER_START, USER_LOGIN.
    static func sshLogin(user: String, uid: Int, ip: String, pid: Int, at t: Int, serial s: Int) -> [String] {
        [
            #"type=USER_AUTH msg=audit(\#(t).101:\#(s)): pid=\#(pid) uid=0 auid=4294967295 ses=4294967295 \#(subj) msg='op=PAM:authentication grantors=pam_unix acct="\#(user)" exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=ssh res=success'"#
                + gs + #"UID="root" AUID="unset""#,
            #"type=USER_ACCT msg=audit(\#(t).105:\#(s + 1)): pid=\#(pid) uid=0 auid=4294967295 ses=4294967295 \#(subj) msg='op=PAM:accounting grantors=pam_unix,pam_localuser acct="\#(user)" exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=ssh res=success'"#
                + gs + #"UID="root" AUID="unset""#,
            #"type=LOGIN msg=audit(\#(t).115:\#(s + 2)): pid=\#(pid) uid=0 \#(subj) old-auid=4294967295 auid=\#(uid) tty=(none) old-ses=4294967295 ses=7 res=1"#
                + gs + #"UID="root" OLD-AUID="unset" AUID="\#(user)""#,
            #"type=USER_START msg=audit(\#(t).130:\#(s + 3)): pid=\#(pid) uid=0 auid=\#(uid) ses=7 \#(subj) msg='op=PAM:session_open grantors=pam_selinux,pam_loginuid,pam_unix acct="\#(user)" exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=ssh res=success'"#
                + gs + #"UID="root" AUID="\#(user)""#,
            #"type=USER_LOGIN msg=audit(\#(t).160:\#(s + 4)): pid=\#(pid) uid=0 auid=\#(uid) ses=7 \#(subj) msg='op=login id=\#(uid) exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=/dev/pts/0 res=success'"#
                + gs + #"UID="root" AUID="\#(user)" ID="\#(user)""#,
        ]
    }

    /// A failed password for `user` (PAM's USER_AUTH and sshd's USER_LOGIN of the same attempt).
    static func sshFailure(user: String, ip: String, pid: Int, at t: Int, serial s: Int) -> [String] {
        [
            #"type=USER_AUTH msg=audit(\#(t).500:\#(s)): pid=\#(pid) uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='op=PAM:authentication grantors=? acct="\#(user)" exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=ssh res=failed'"#,
            #"type=USER_LOGIN msg=audit(\#(t).510:\#(s + 1)): pid=\#(pid) uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='op=login acct="\#(user)" exe="/usr/sbin/sshd" hostname=? addr=\#(ip) terminal=ssh res=failed'"#,
        ]
    }

    /// The logout of an sshd login: USER_END and USER_LOGOUT of the session, USER_END of PAM's session.
    static func sshLogout(user: String, uid: Int, ip: String, pid: Int, at t: Int, serial s: Int) -> [String] {
        let ids = "uid=0 auid=\(uid) ses=7 \(subj)"
        return [
            #"type=USER_END msg=audit(\#(t).200:\#(s)): pid=\#(pid) \#(ids) msg='op=login id=\#(uid) exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=/dev/pts/0 res=success'"#
                + gs + #"UID="root" AUID="\#(user)" ID="\#(user)""#,
            #"type=USER_LOGOUT msg=audit(\#(t).200:\#(s + 1)): pid=\#(pid) \#(ids) msg='op=login id=\#(uid) exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=/dev/pts/0 res=success'"#
                + gs + #"UID="root" AUID="\#(user)" ID="\#(user)""#,
            #"type=USER_END msg=audit(\#(t).210:\#(s + 2)): pid=\#(pid) \#(ids) msg='op=PAM:session_close grantors=pam_selinux,pam_loginuid,pam_unix acct="\#(user)" exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=ssh res=success'"#
                + gs + #"UID="root" AUID="\#(user)""#,
        ]
    }

    /// useradd of `user` by the login user 1000 (`alice`).
    static func addUser(_ user: String, at t: Int, serial s: Int) -> String {
        #"type=ADD_USER msg=audit(\#(t).000:\#(s)): pid=5000 uid=0 auid=1000 ses=7 subj=unconfined msg='op=add-user acct="\#(user)" exe="/usr/sbin/useradd" hostname=? addr=? terminal=pts/0 res=success'"#
            + gs + #"UID="root" AUID="alice""#
    }

    static let base = 1_795_341_600
}

/// This machine's short host name, as the daemon gives audit records without `node=`.
func shortHostName() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    _ = gethostname(&buf, buf.count - 1)
    let name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
}

@Suite("audit log as a file input", .serialized)
struct AuditInputTests {
    /// Polls `activityctl events` until `count` events are stored (or the time is up).
    static func waitForEvents(_ dataDir: String, count: Int, timeout: Double = 30) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var events: [[String: Any]] = []
        repeat {
            let (_, text, _) = try runTool("activityctl", ["--data-dir", dataDir, "events", "--format", "jsonl"])
            events = try jsonLines(text)
            if events.count >= count { break }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        return events
    }

    @Test("[[input.file]] format = \"audit\": logins, failures and admin events; a restart adds no duplicate")
    func auditFileInput() throws {
        let dir = DaemonProcess.temporaryDirectory("audit")
        let log = dir + "/audit.log"
        let t = AuditLines.base
        var lines = AuditLines.sshLogin(user: "alice", uid: 1000, ip: "192.0.2.10", pid: 2201, at: t, serial: 1001)
        lines += AuditLines.sshFailure(user: "bob", ip: "203.0.113.50", pid: 3301, at: t + 60, serial: 2001)
        lines.append(AuditLines.addUser("frank", at: t + 120, serial: 3001))
        lines.append("this is not an audit record")
        lines.append(
            #"type=SERVICE_START msg=audit(\#(t + 130).000:3002): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=cron comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success'"#
        )
        try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let extra = """
            [[input.file]]
            paths = ["\(log)"]
            start_at = "beginning"
            format = "audit"
            """
        var daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
        _ = try daemon.waitReady()
        let first = try Self.waitForEvents(daemon.dataDir, count: 3)
        #expect(try daemon.terminate() == 0)
        try #require(first.count == 3, "\(first)\n\(daemon.log)")

        let (_, jsonText, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [[String: Any]])
        #expect(json.count == 3)
        let login = json[0], failure = json[1], admin = json[2]
        #expect(login["action"] as? String == "login")
        #expect(login["outcome"] as? String == "success")
        #expect(login["user"] as? String == "alice")
        #expect(login["entry"] as? String == "ssh")
        #expect(login["ip"] as? String == "192.0.2.10")
        #expect(login["service"] as? String == "sshd")
        #expect(login["host"] as? String == shortHostName())
        #expect((login["attrs"] as? [String: String])?["audit_type"] == "USER_START")
        #expect((login["attrs"] as? [String: String])?["pid"] == "2201")
        #expect((login["origin"] as? [String: Any])?["input"] as? String == "file")
        #expect(failure["action"] as? String == "login_failed")
        #expect(failure["user"] as? String == "bob")
        #expect(failure["reason"] as? String == "invalid_password")
        #expect(admin["action"] as? String == "user_created")
        #expect(admin["user"] as? String == "frank")
        #expect(admin["actor"] as? String == "alice")

        let stats =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: daemon.dataDir + "/stats.json"))) as? [String: Any]
        #expect((stats?["rejected"] as? [String: Int])?["unparsable_audit"] == 1)
        // LOGIN and SERVICE_START map to nothing (the PAM steps before a login are recognised: no event, not unmatched).
        #expect((stats?["unmatched"] as? [String: Int])?["audit"] == 2)

        // Restart on the same data: the committed position holds, nothing is read twice; new lines are read.
        var more = AuditLines.sshLogin(
            user: "carol", uid: 1002, ip: "198.51.100.4", pid: 4401, at: t + 200, serial: 4001)
        more.append(AuditLines.addUser("grace", at: t + 260, serial: 5001))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        h.seekToEndOfFile()
        h.write(Data((more.joined(separator: "\n") + "\n").utf8))
        try h.close()
        daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
        _ = try daemon.waitReady()
        let all = try Self.waitForEvents(daemon.dataDir, count: 5)
        Thread.sleep(forTimeInterval: 0.5)  // anything read twice would show up by now
        let settled = try Self.waitForEvents(daemon.dataDir, count: 5, timeout: 0)
        #expect(try daemon.terminate() == 0)
        #expect(all.count == 5)
        let serials = settled.compactMap { ($0["attrs"] as? [String: String])?["audit_serial"] }
        #expect(serials == ["1004", "2001", "3001", "4004", "5001"], "\(daemon.log)")
    }

    @Test(
        "one login, one event: the same sshd login, logout and failure in auth.log and in the audit log count once in users and report logins"
    )
    func oneLoginOneEvent() throws {
        let dir = DaemonProcess.temporaryDirectory("one-login")
        let host = shortHostName()
        let t = AuditLines.base  // 2026-11-22T10:00:00Z
        let auth = dir + "/auth.log", audit = dir + "/audit.log"
        try
            ([
                "Nov 22 10:00:00 \(host) sshd[2201]: Accepted password for alice from 192.0.2.10 port 51234 ssh2",
                "Nov 22 10:00:00 \(host) sshd[2201]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
                "Nov 22 10:01:00 \(host) sshd[3301]: Failed password for bob from 203.0.113.50 port 40000 ssh2",
                "Nov 22 10:30:00 \(host) sshd[2201]: pam_unix(sshd:session): session closed for user alice",
            ].joined(separator: "\n") + "\n").write(toFile: auth, atomically: true, encoding: .utf8)
        var lines = AuditLines.sshLogin(user: "alice", uid: 1000, ip: "192.0.2.10", pid: 2201, at: t, serial: 1001)
        lines += AuditLines.sshFailure(user: "bob", ip: "203.0.113.50", pid: 3301, at: t + 60, serial: 2001)
        lines += AuditLines.sshLogout(user: "alice", uid: 1000, ip: "192.0.2.10", pid: 2201, at: t + 1800, serial: 3001)
        try (lines.joined(separator: "\n") + "\n").write(toFile: audit, atomically: true, encoding: .utf8)
        let extra = """
            [[input.file]]
            paths = ["\(auth)"]
            start_at = "beginning"
            [[input.file]]
            paths = ["\(audit)"]
            start_at = "beginning"
            format = "audit"
            [normalize]
            timezone = "UTC"
            """
        let daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
        _ = try daemon.waitReady()
        let events = try Self.waitForEvents(daemon.dataDir, count: 6)
        #expect(try daemon.terminate() == 0)
        try #require(events.count == 6, "\(events)\n\(daemon.log)")
        let actions = events.compactMap { $0["action"] as? String }.sorted()
        #expect(
            actions == [
                "duplicate_login", "duplicate_login_failed", "duplicate_logout", "login", "login_failed", "logout",
            ])

        let (_, usersText, _) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "users", "--format", "json", "--tz", "UTC"])
        let users = try jsonLines(usersText)
        let alice = try #require(users.first { $0["user"] as? String == "alice" }, "\(usersText)")
        let bob = try #require(users.first { $0["user"] as? String == "bob" }, "\(usersText)")
        #expect(alice["logins"] as? Int == 1)
        #expect(alice["status"] as? String == "logged_out")
        #expect(bob["failures_since_success"] as? Int == 1)

        let (_, report, _) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "report", "logins", "--tz", "UTC"])
        let rows = report.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let aliceRow = try #require(rows.first { $0.first == "alice" }, "\(report)")
        let bobRow = try #require(rows.first { $0.first == "bob" }, "\(report)")
        #expect(aliceRow[1] == "1" && aliceRow[2] == "0", "\(report)")  // LOGINS, FAILED
        #expect(bobRow[1] == "0" && bobRow[2] == "1", "\(report)")
    }

    @Test("a syslog line without a program is rejected as unparsable_syslog, not counted as the unmatched program -")
    func syslogLineWithoutProgram() throws {
        let dir = DaemonProcess.temporaryDirectory("no-program")
        let daemon = try DaemonProcess(dir: dir, listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        sendUDP(Array("<13>Nov 22 10:00:00 bastion last message repeated 3 times".utf8), port: port)
        sendUDP(Array("<30>Nov 22 10:02:00 bastion CRON[99]: (root) CMD (run-parts /etc/cron.hourly)".utf8), port: port)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try daemon.terminate() == 0)
        let stats =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: daemon.dataDir + "/stats.json"))) as? [String: Any]
        #expect((stats?["rejected"] as? [String: Int])?["unparsable_syslog"] == 1, "\(String(describing: stats))")
        #expect((stats?["unmatched"] as? [String: Int]) == ["CRON": 1], "\(String(describing: stats))")
    }

    @Test("format must be syslog or audit: --check-config names the key")
    func badFormat() throws {
        let dir = DaemonProcess.temporaryDirectory("audit-config")
        let config = dir + "/activityd.toml"
        try """
        data_dir = "\(dir)/data"
        [[input.file]]
        paths = ["\(dir)/x.log"]
        format = "auditd"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let (status, out, err) = try runTool("activityd", ["--config", config, "--check-config"])
        #expect(status != 0)
        #expect((out + err).contains("input.file[0].format"), "\(out)\(err)")
        #expect((out + err).contains("must be \"syslog\" or \"audit\""), "\(out)\(err)")
    }
}
