import ActivityCLI
import ActivityModel
import ActivityPipeline
import Foundation

/// Measures the syslog parser and the normalizer on one core: lines per second for lines that match no
/// rule (cron, kernel, systemd, postfix, dhclient, sshd chatter), for lines that do (sshd, sudo, su,
/// logind, login, shadow-utils), and for a mix of one matching line in ten, on an auth log generated in
/// memory. Prints one row per set and stage (parse only, normalize only, both).
///
/// Usage: `activity-bench normalize [LINES] [--tz ZONE]` (default 1 000 000 lines per measurement, zone
/// UTC; a zone with DST, such as `Europe/Berlin`, adds Foundation zone look-ups to every RFC 3164 stamp).
/// Build in release (`swift run -c release activity-bench normalize`); debug figures are meaningless.
///
/// - Parameter arguments: the arguments after `normalize`.
public func runNormalizeBenchmark(arguments: [String]) {
    var total = 1_000_000
    var zoneName = "UTC"
    var rest = arguments[...]
    while let a = rest.popFirst() {
        if a == "--tz", let z = rest.popFirst() { zoneName = z } else if let n = Int(a) { total = max(n, 1000) }
    }
    guard let zone = TimeZone(identifier: zoneName) else {
        diagnostics.error("unknown time zone \(zoneName)")
        return
    }
    let parser = SyslogParser(timeZone: zone)
    let now = Timestamp(seconds: 1_795_348_800)  // 2026-11-22T12:00:00Z
    let unmatched = BenchLog.unmatchedLines(count: 20_000)
    let matched = BenchLog.matchedLines(count: 20_000)

    print("normalize benchmark: \(total) lines per row, one core, zone \(zoneName)")
    print("set        stage               lines/s      ns/line   events")
    // A realistic auth.log mix: one matching line in ten.
    var mixed: [String] = []
    mixed.reserveCapacity(unmatched.count + unmatched.count / 9)
    for (i, l) in unmatched.enumerated() {
        mixed.append(l)
        if i % 9 == 8 { mixed.append(matched[(i / 9) % matched.count]) }
    }
    for (name, lines) in [("unmatched", unmatched), ("matched", matched), ("mixed 1:10", mixed)] {
        // Warm up (page in, fill caches, let the dictionary of rules be built).
        _ = BenchLog.parseAndNormalize(lines, total: min(total, 50_000), parser: parser, now: now)

        let records = lines.compactMap { parser.parse($0[...], now: now) }
        let (parseTime, parsed) = BenchLog.measure { BenchLog.parseOnly(lines, total: total, parser: parser, now: now) }
        BenchLog.row(name, "parse", total, parseTime, parsed)
        let (normTime, events) = BenchLog.measure { BenchLog.normalizeOnly(records, total: total) }
        BenchLog.row(name, "normalize", total, normTime, events)
        let (bothTime, events2) = BenchLog.measure {
            BenchLog.parseAndNormalize(lines, total: total, parser: parser, now: now)
        }
        BenchLog.row(name, "parse+normalize", total, bothTime, events2)
    }
}

/// The generated log and the timing loops of ``runNormalizeBenchmark(arguments:)``.
enum BenchLog {
    static func measure(_ body: () -> Int) -> (Duration, Int) {
        var result = 0
        let d = timed { result = body() }
        return (d, result)
    }

    static func row(_ set: String, _ stage: String, _ lines: Int, _ d: Duration, _ events: Int) {
        let secs = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        let rate = Double(lines) / max(secs, 1e-9)
        let ns = secs * 1e9 / Double(lines)
        let setCol = set.padding(toLength: 10, withPad: " ", startingAt: 0)
        let stageCol = stage.padding(toLength: 18, withPad: " ", startingAt: 0)
        print("\(setCol) \(stageCol) \(String(format: "%10.0f", rate))   \(String(format: "%7.1f", ns))   \(events)")
    }

    static func parseOnly(_ lines: [String], total: Int, parser: SyslogParser, now: Timestamp) -> Int {
        var n = 0
        var i = 0
        for _ in 0..<total {
            if let r = parser.parse(lines[i][...], now: now) { n &+= r.message.utf8.count > 0 ? 1 : 0 }
            i += 1
            if i == lines.count { i = 0 }
        }
        return n
    }

    static func normalizeOnly(_ records: [RawRecord], total: Int) -> Int {
        var normalizer = Normalizer()
        var events = 0
        var i = 0
        for _ in 0..<total {
            if case .events(let es) = normalizer.normalize(records[i]) { events &+= es.count }
            i += 1
            if i == records.count { i = 0 }
        }
        return events
    }

    static func parseAndNormalize(_ lines: [String], total: Int, parser: SyslogParser, now: Timestamp) -> Int {
        var normalizer = Normalizer()
        var events = 0
        var i = 0
        for _ in 0..<total {
            if let r = parser.parse(lines[i][...], now: now), case .events(let es) = normalizer.normalize(r) {
                events &+= es.count
            }
            i += 1
            if i == lines.count { i = 0 }
        }
        return events
    }

    static func stamp(_ k: Int) -> String {
        let s = k % 86_400
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "Nov 21 \(two(s / 3600)):\(two((s % 3600) / 60)):\(two(s % 60))"
    }

    /// Ordinary syslog traffic that no rule matches.
    static func unmatchedLines(count: Int) -> [String] {
        (0..<count).map { k in
            let pid = 20_000 + k
            let body: String
            switch k % 10 {
            case 0: body = "CRON[\(pid)]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
            case 1: body = "CRON[\(pid)]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"
            case 2:
                body =
                    "kernel: [\(k).123456] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56 SRC=203.0.113.\(k % 250) DST=192.0.2.1 LEN=40 PROTO=TCP SPT=\(k) DPT=23"
            case 3: body = "systemd[1]: Started Session \(k) of User root."
            case 4: body = "systemd[1]: Starting Daily apt download activities..."
            case 5: body = "postfix/smtpd[\(pid)]: connect from unknown[203.0.113.\(k % 250)]"
            case 6: body = "postfix/qmgr[900]: 4F1A2B3C4D: from=<root@example.org>, size=\(k), nrcpt=1 (queue active)"
            case 7: body = "dhclient[700]: DHCPREQUEST for 192.0.2.\(k % 250) on eth0 to 192.0.2.1 port 67"
            case 8:
                body =
                    "sshd[\(pid)]: Received disconnect from 203.0.113.\(k % 250) port \(k % 60_000):11: Bye Bye [preauth]"
            default: body = "systemd-logind[512]: Watching system buttons on /dev/input/event0 (Power Button)"
            }
            return "\(stamp(k)) web1 \(body)"
        }
    }

    /// Lines that each produce at least one event (paired lines come in order, so logouts find their login).
    static func matchedLines(count: Int) -> [String] {
        var out: [String] = []
        out.reserveCapacity(count)
        var k = 0
        while out.count < count {
            let pid = 30_000 + k
            let user = "user\(k % 5000)"
            let ip = "198.51.\(k % 200).\(k % 250 + 1)"
            let t = stamp(k)
            switch k % 6 {
            case 0:
                out.append(
                    "\(t) web1 sshd[\(pid)]: Accepted publickey for \(user) from \(ip) port \(40_000 + k % 20_000) ssh2: ED25519 SHA256:Zk3v0m9cQ2Yl0pQ7fRk1\(k)"
                )
                out.append("\(t) web1 sshd[\(pid)]: Disconnected from user \(user) \(ip) port \(40_000 + k % 20_000)")
            case 1:
                out.append(
                    "\(t) web1 sshd[\(pid)]: Failed password for \(user) from \(ip) port \(40_000 + k % 20_000) ssh2")
                out.append(
                    "\(t) web1 sshd[\(pid)]: Invalid user admin\(k % 100) from \(ip) port \(40_000 + k % 20_000)")
            case 2:
                out.append(
                    "\(t) web1 sudo[\(pid)]:   \(user) : TTY=pts/\(k % 9) ; PWD=/home/\(user) ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"
                )
            case 3:
                out.append("\(t) web1 su[\(pid)]: (to root) \(user) on pts/\(k % 9)")
                out.append("\(t) web1 su[\(pid)]: pam_unix(su:session): session closed for user root")
            case 4:
                out.append("\(t) web1 systemd-logind[512]: New session \(k) of user \(user).")
                out.append("\(t) web1 systemd-logind[512]: Removed session \(k).")
            default:
                out.append("\(t) web1 login[\(pid)]: FAILED LOGIN 1 FROM tty1 FOR \(user), Authentication failure")
                out.append("\(t) web1 usermod[\(pid)]: add '\(user)' to group 'docker'")
            }
            k += 1
        }
        return out
    }
}
