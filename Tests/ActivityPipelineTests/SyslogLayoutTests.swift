import ActivityModel
import ActivityPipeline
import Foundation
import Testing

/// The layouts beyond the plain RFC 3164/5424/ISO forms: facility/priority tags, Solaris message IDs,
/// bracketed programs, kernel uptime stamps (docs/normalization.md, section 1).
@Suite("SyslogParser layouts")
struct SyslogLayoutTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var line: String
        var host: String?
        var program: String?
        var pid: Int?
        var message: String
        var testDescription: String { line }
    }

    static let rows: [Row] = [
        // FreeBSD syslogd -vv (names) and -v (numbers): between the stamp and the host
        Row(
            line:
                "Nov 22 10:00:01 <auth.info> fbsd1 sshd[123]: Accepted password for alice from 192.0.2.10 port 51234 ssh2",
            host: "fbsd1", program: "sshd", pid: 123,
            message: "Accepted password for alice from 192.0.2.10 port 51234 ssh2"),
        Row(line: "Nov 22 10:00:01 <4.6> fbsd1 sshd[123]: x", host: "fbsd1", program: "sshd", pid: 123, message: "x"),
        Row(
            line: "Nov 22 10:00:01 <security.warn> fbsd1 last message repeated 3 times", host: "fbsd1",
            message: "last message repeated 3 times"),
        // BusyBox syslogd: `facility.priority` between host and tag, `<N>` when it has no names
        Row(
            line:
                "Nov 22 10:00:01 router authpriv.info dropbear[1234]: Password auth succeeded for 'root' from 192.0.2.1:51234",
            host: "router", program: "dropbear", pid: 1234,
            message: "Password auth succeeded for 'root' from 192.0.2.1:51234"),
        Row(line: "Nov 22 10:00:01 router user.notice root: test", host: "router", program: "root", message: "test"),
        Row(line: "Nov 22 10:00:01 router local7.err <86> x: y", host: "router", message: "local7.err <86> x: y"),
        Row(
            line: "Nov 22 10:00:01 router <86> dropbear[9]: y", host: "router", program: "dropbear", pid: 9,
            message: "y"),
        Row(
            line: "2026-11-22T10:00:01+00:00 router authpriv.notice dropbear[5]: x", host: "router",
            program: "dropbear", pid: 5, message: "x"),
        // a template with <$FACILITY.$PRIORITY> after the host, or after the tag
        Row(
            line: "Nov 22 10:00:01 web1 <auth.info> sshd[123]: x", host: "web1", program: "sshd", pid: 123, message: "x"
        ),
        Row(
            line:
                "Nov 22 10:00:01 web1 sshd[123]: <authpriv.notice> Accepted password for a from 192.0.2.1 port 1 ssh2",
            host: "web1", program: "sshd", pid: 123, message: "Accepted password for a from 192.0.2.1 port 1 ssh2"),
        // Solaris message IDs
        Row(
            line:
                "Nov 22 10:00:01 sol1 sshd[1234]: [ID 800047 auth.info] Accepted publickey for alice from 192.0.2.10 port 51234 ssh2",
            host: "sol1", program: "sshd", pid: 1234,
            message: "Accepted publickey for alice from 192.0.2.10 port 51234 ssh2"),
        Row(
            line: "Nov 22 10:00:01 sol1 su: [ID 366847 auth.notice] 'su root' succeeded for alice on /dev/pts/2",
            host: "sol1", program: "su", message: "'su root' succeeded for alice on /dev/pts/2"),
        // bracketed programs
        Row(line: "Nov 22 10:00:01 ap1 [sshd]: x", host: "ap1", program: "sshd", message: "x"),
        Row(
            line: "Nov 22 10:00:01 ap1 [sshd-session][123]: x", host: "ap1", program: "sshd-session", pid: 123,
            message: "x"),
        Row(line: "Nov 22 10:00:01 [sshd]: x", program: "sshd", message: "x"),
        // a non-numeric group before the PID (sssd's identifiers)
        Row(line: "Nov 22 10:00:01 h sssd[sudo][1234]: x", host: "h", program: "sssd", pid: 1234, message: "x"),
        // kernel uptime stamps
        Row(
            line: "Nov 22 10:00:01 web1 kernel: [12345.678901] audit: type=1400", host: "web1", program: "kernel",
            message: "audit: type=1400"),
        Row(
            line: "Nov 22 10:00:01 web1 kernel: [    1.234567] eth0: link up", host: "web1", program: "kernel",
            message: "eth0: link up"),
        // rsyslog before the host name is known
        Row(
            line: "Aug 10 07:13:39 [localhost] systemd: Started System Logging Service.", host: "localhost",
            program: "systemd",
            message: "Started System Logging Service."),
        // look-alikes stay in the message
        Row(
            line: "Nov 22 10:00:01 mx postfix/qmgr[900]: <root@example.org> x", host: "mx", program: "postfix/qmgr",
            pid: 900, message: "<root@example.org> x"),
        Row(line: "Nov 22 10:00:01 h app[1]: <foo.bar> x", host: "h", program: "app", pid: 1, message: "<foo.bar> x"),
        Row(line: "Nov 22 10:00:01 h app[1]: [ID x] y", host: "h", program: "app", pid: 1, message: "[ID x] y"),
        Row(
            line: "Nov 22 10:00:01 h sshd[1]: [  123.456] x", host: "h", program: "sshd", pid: 1,
            message: "[  123.456] x"),
        Row(line: "Nov 22 10:00:01 h kernel: [1.x] y", host: "h", program: "kernel", message: "[1.x] y"),
        Row(line: "Nov 22 10:00:01 web1 foo.bar baz: x", host: "web1", message: "foo.bar baz: x"),
        Row(line: "Nov 22 10:00:01 web1 [a b]: x", host: "web1", message: "[a b]: x"),
    ]

    @Test(arguments: rows)
    func parses(_ row: Row) throws {
        let r = try #require(utcParser.parse(row.line[...], now: testNow))
        #expect(r.time?.description == "2026-11-22T10:00:01Z" || !row.line.hasPrefix("Nov 22 10:00:01"))
        #expect(r.host == row.host)
        #expect(r.program == row.program)
        #expect(r.pid == row.pid)
        #expect(r.message == row.message)
    }

    @Test("lines in these layouts normalize like plain ones")
    func normalizesThroughLayouts() {
        let lines = [
            "Nov 22 10:00:01 sol1 sshd[1234]: [ID 800047 auth.info] Accepted publickey for alice from 192.0.2.10 port 51234 ssh2: RSA SHA256:abc",
            "Nov 22 10:00:02 <auth.info> fbsd1 sshd[77]: Accepted password for bob from 192.0.2.11 port 40000 ssh2",
            "Nov 22 10:00:03 router authpriv.info dropbear[1234]: Password auth succeeded for 'root' from 192.0.2.1:51234",
            "Nov 22 10:00:04 ap1 [sudo]: carol : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/true",
        ]
        #expect(
            normalizeLines(lines) == [
                "login login success user=alice actor=alice entry=ssh ip=192.0.2.10 port=51234 key_fingerprint=SHA256:abc key_type=RSA method=publickey",
                "login login success user=bob actor=bob entry=ssh ip=192.0.2.11 port=40000 method=password",
                "login login success user=root actor=root entry=ssh ip=192.0.2.1 port=51234 method=password",
                "activity privilege_escalation success user=carol actor=carol entry=sudo device=pts/0 command=/bin/true pwd=/ runas=root tty=pts/0",
            ])
    }
}
