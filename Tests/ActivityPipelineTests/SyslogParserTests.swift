import ActivityModel
import ActivityPipeline
import Foundation
import Testing

@Suite("SyslogParser")
struct SyslogParserTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var line: String
        var zone = "UTC"
        var now = testNow
        var time: String?
        var host: String?
        var program: String?
        var pid: Int?
        var message: String
        var fields: [String: String] = [:]
        var testDescription: String { line }
    }

    static func at(_ s: String) -> Timestamp { Timestamp.parseRFC3339(s[...]) ?? Timestamp(nanoseconds: 0) }

    static let rows: [Row] = [
        // RFC 3164, Debian auth.log
        Row(
            line: "Nov 22 10:00:01 web1 sshd[2201]: Accepted password for alice from 192.0.2.10 port 51234 ssh2",
            time: "2026-11-22T10:00:01Z", host: "web1", program: "sshd", pid: 2201,
            message: "Accepted password for alice from 192.0.2.10 port 51234 ssh2"),
        // space-padded day
        Row(
            line: "Nov  2 03:04:05 host CRON[12]: (root) CMD (run-parts /etc/cron.hourly)",
            time: "2026-11-02T03:04:05Z", host: "host", program: "CRON", pid: 12,
            message: "(root) CMD (run-parts /etc/cron.hourly)"),
        // tag without pid
        Row(
            line: "Nov 22 10:00:00 web1 kernel: [ 1.234] eth0: link up", time: "2026-11-22T10:00:00Z", host: "web1",
            program: "kernel", message: "eth0: link up"),
        // <PRI> prefix, no host (logger over UDP)
        Row(
            line: "<13>Nov 22 10:00:01 myapp[77]: hello", time: "2026-11-22T10:00:01Z", program: "myapp", pid: 77,
            message: "hello"),
        Row(
            line: "<38>Nov 22 10:00:01 web1 sshd[2201]: x", time: "2026-11-22T10:00:01Z", host: "web1", program: "sshd",
            pid: 2201, message: "x"),
        // Dec→Jan: a December line read just after New Year is last year's
        Row(
            line: "Dec 31 23:59:50 h su[1]: x", now: at("2027-01-01T00:00:30Z"), time: "2026-12-31T23:59:50Z",
            host: "h", program: "su", pid: 1, message: "x"),
        Row(
            line: "Dec 20 08:00:00 h su[1]: x", now: at("2027-01-15T00:00:00Z"), time: "2026-12-20T08:00:00Z",
            host: "h", program: "su", pid: 1, message: "x"),
        // a January line from a host whose clock is ahead, read just before New Year, is next year's
        Row(
            line: "Jan  1 00:00:05 h su[1]: x", now: at("2026-12-31T23:59:59Z"), time: "2027-01-01T00:00:05Z",
            host: "h", program: "su", pid: 1, message: "x"),
        // a January line read in January stays this year
        Row(
            line: "Jan  3 10:00:00 h su[1]: x", now: at("2027-01-04T00:00:00Z"), time: "2027-01-03T10:00:00Z",
            host: "h", program: "su", pid: 1, message: "x"),
        // Feb 29 goes to the latest leap year
        Row(
            line: "Feb 29 12:00:00 h su[1]: x", now: at("2026-03-01T00:00:00Z"), time: "2024-02-29T12:00:00Z",
            host: "h", program: "su", pid: 1, message: "x"),
        // zone-less stamps read in the configured zone, with DST
        Row(
            line: "Nov 22 10:00:01 h sshd[1]: x", zone: "Europe/Berlin", time: "2026-11-22T09:00:01Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        Row(
            line: "Jul 22 10:00:01 h sshd[1]: x", zone: "Europe/Berlin", time: "2026-07-22T08:00:01Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        Row(
            line: "Nov 22 10:00:01 h sshd[1]: x", zone: "America/New_York", time: "2026-11-22T15:00:01Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        // Europe/Berlin 2026: the gap (02:00→03:00 on Mar 29) uses the winter offset; the repeated hour
        // (03:00→02:00 on Oct 25) takes the first occurrence; either side of each is exact
        Row(
            line: "Mar 29 01:59:59 h sshd[1]: x", zone: "Europe/Berlin", time: "2026-03-29T00:59:59Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        Row(
            line: "Mar 29 02:30:00 h sshd[1]: x", zone: "Europe/Berlin", time: "2026-03-29T01:30:00Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        Row(
            line: "Mar 29 03:00:00 h sshd[1]: x", zone: "Europe/Berlin", time: "2026-03-29T01:00:00Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        Row(
            line: "Oct 25 01:59:59 h sshd[1]: x", zone: "Europe/Berlin", time: "2026-10-24T23:59:59Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        Row(
            line: "Oct 25 02:30:00 h sshd[1]: x", zone: "Europe/Berlin", time: "2026-10-25T00:30:00Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        Row(
            line: "Oct 25 03:00:00 h sshd[1]: x", zone: "Europe/Berlin", time: "2026-10-25T02:00:00Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        // a zone without DST whose standard offset changed (1986: +05:30 → +05:45), and a fixed-offset zone
        Row(
            line: "Nov 22 10:00:00 h sshd[1]: x", zone: "Asia/Kathmandu", time: "2026-11-22T04:15:00Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        Row(
            line: "Nov 22 10:00:00 h sshd[1]: x", zone: "Etc/GMT-3", time: "2026-11-22T07:00:00Z", host: "h",
            program: "sshd", pid: 1, message: "x"),
        // rsyslog ISO file format
        Row(
            line:
                "2026-11-22T10:00:00.123456+01:00 host sshd[123]: Accepted publickey for a from 192.0.2.1 port 1 ssh2",
            time: "2026-11-22T09:00:00.123456000Z", host: "host", program: "sshd", pid: 123,
            message: "Accepted publickey for a from 192.0.2.1 port 1 ssh2"),
        Row(
            line: "<86>2026-11-22T10:00:00Z host su[5]: x", time: "2026-11-22T10:00:00Z", host: "host", program: "su",
            pid: 5, message: "x"),
        Row(
            line: "2026-11-22T10:00:00-0500 host su[5]: x", time: "2026-11-22T15:00:00Z", host: "host", program: "su",
            pid: 5, message: "x"),
        // zone-less ISO in the configured zone (and the configured zone does not touch stamps that have one)
        Row(
            line: "2026-11-22T10:00:00 host su[5]: x", zone: "Europe/Berlin", time: "2026-11-22T09:00:00Z",
            host: "host", program: "su", pid: 5, message: "x"),
        Row(
            line: "2026-11-22T10:00:00+02:00 host su[5]: x", zone: "Europe/Berlin", time: "2026-11-22T08:00:00Z",
            host: "host", program: "su", pid: 5, message: "x"),
        // RFC 5424 (RFC examples), BOM dropped, MSGID kept
        Row(
            line:
                "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{FEFF}'su root' failed for lonvick on /dev/pts/8",
            time: "2003-10-11T22:14:15.003000000Z", host: "mymachine.example.com", program: "su",
            message: "'su root' failed for lonvick on /dev/pts/8", fields: ["MSGID": "ID47"]),
        Row(
            line: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
            time: "2003-08-24T12:14:15.000003000Z", host: "192.0.2.1", program: "myproc", pid: 8710,
            message: "%% It's time to make the do-nuts."),
        Row(
            line:
                "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"] \u{FEFF}An application event log entry",
            time: "2003-10-11T22:14:15.003000000Z", host: "mymachine.example.com", program: "evntslog",
            message: "An application event log entry",
            fields: [
                "MSGID": "ID47", "exampleSDID@32473.iut": "3", "exampleSDID@32473.eventSource": "Application",
                "exampleSDID@32473.eventID": "1011", "examplePriority@32473.class": "high",
            ]),
        // SD escapes, SD without message
        Row(
            line: "<13>1 2026-11-22T10:00:00Z h app 1 - [x@1 a=\"q\\\"uote\\\\ \\]end\"]",
            time: "2026-11-22T10:00:00Z", host: "h", program: "app", pid: 1, message: "",
            fields: ["x@1.a": "q\"uote\\ ]end"]),
        // every header field nil
        Row(line: "<13>1 - - - - - -", message: ""),
        Row(
            line:
                "<38>1 2026-11-22T10:00:00+01:00 web1 sshd 2201 - - Accepted password for a from 192.0.2.1 port 1 ssh2",
            time: "2026-11-22T09:00:00Z", host: "web1", program: "sshd", pid: 2201,
            message: "Accepted password for a from 192.0.2.1 port 1 ssh2"),
        // gdm's odd tags
        Row(
            line: "Nov 22 10:00:00 ws gdm-password]: pam_unix(gdm-password:session): x", time: "2026-11-22T10:00:00Z",
            host: "ws",
            program: "gdm-password", message: "pam_unix(gdm-password:session): x"),
        Row(
            line: "Nov 22 10:00:00 ws gdm-password][2345]: y", time: "2026-11-22T10:00:00Z", host: "ws",
            program: "gdm-password", pid: 2345, message: "y"),
        // classic repeated line: no tag
        Row(
            line: "Nov 22 10:00:00 web1 last message repeated 3 times", time: "2026-11-22T10:00:00Z", host: "web1",
            message: "last message repeated 3 times"),
        // CR LF
        Row(
            line: "Nov 22 10:00:00 h su[1]: x\r", time: "2026-11-22T10:00:00Z", host: "h", program: "su", pid: 1,
            message: "x"),
        // tag with slash (postfix)
        Row(
            line: "Nov 22 10:00:00 mx postfix/smtpd[99]: connect from unknown[203.0.113.1]",
            time: "2026-11-22T10:00:00Z", host: "mx",
            program: "postfix/smtpd", pid: 99, message: "connect from unknown[203.0.113.1]"),
    ]

    @Test(arguments: rows)
    func parses(_ row: Row) throws {
        let zone = try #require(TimeZone(identifier: row.zone))
        let r = try #require(SyslogParser(timeZone: zone).parse(row.line[...], now: row.now))
        #expect(r.time?.description == row.time)
        #expect(r.host == row.host)
        #expect(r.program == row.program)
        #expect(r.pid == row.pid)
        #expect(r.message == row.message)
        #expect(r.fields == row.fields)
    }

    @Test(arguments: [
        "", "hello world", "{\"action\":\"login\"}", "<13>", "<13>hello", "2026-13-40T10:00:00Z h x: y",
        "Foo 22 10:00:00 h x: y", "Nov 32 10:00:00 h x: y", "Nov 22 25:00:00 h x: y",
        "<13>1 2026-11-22T10:00:00Z h a 1 - [bad",
        "Nov 22", "\u{FEFF}",
    ])
    func rejects(_ line: String) {
        #expect(utcParser.parse(line[...], now: testNow) == nil)
    }

    @Test func invalidUTF8DoesNotTrap() {
        let bytes: [UInt8] = Array("Nov 22 10:00:00 h sshd[1]: ".utf8) + [0xFF, 0xFE, 0x41]
        let s = String(decoding: bytes, as: UTF8.self)
        let r = utcParser.parse(s[...], now: testNow)
        #expect(r?.program == "sshd")
    }

    @Test func parsesSubstringsOfALargerBuffer() {
        let text = "Nov 22 10:00:00 a su[1]: one\nNov 22 10:00:01 b su[2]: two\n"
        let lines = text.split(separator: "\n")
        let recs = lines.compactMap { utcParser.parse($0, now: testNow) }
        #expect(recs.map(\.message) == ["one", "two"])
        #expect(recs.map(\.host) == ["a", "b"])
    }
}
