import Testing
import Foundation
import ActivityModel
import ActivityStore

// Golden-output tests of the real `activityctl` binary over a fixed store: every subcommand and output
// format, and every subcommand's `--help`.
//
// The store is written in-process with `SegmentWriter` from ``CLIGoldenStore/events`` (no binary store is
// committed). Times cross two DST changes: America/New_York on 2026-03-08 (07:00 UTC) and Europe/Berlin on
// 2026-03-29 (01:00 UTC), so the goldens show the offset switching. "Now" is pinned with the hidden `--now`.
//
// Each golden file under `Golden/` holds the command line, its stdout, and its stderr and exit status when
// there are any. `UPDATE_GOLDEN=1 swift test --filter CLIGoldenTests` rewrites them all; review the diff
// before committing. (A plain comment, not ///: swift-testing prints a suite's doc comment with every failure.)
@Suite("activityctl golden outputs")
struct CLIGoldenTests {
    static let now = "2026-03-30T12:00:00Z"
    static let berlin = ["--tz", "Europe/Berlin"]

    /// One invocation and the golden file its output is compared with.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var args: [String]
        var status: Int32 = 0
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // events: every format, fields, order, limit, filters, time ranges.
        Case(name: "events-table", args: ["events"] + berlin),
        Case(name: "events-table-new-york", args: ["events", "--user", "alice", "--tz", "America/New_York"]),
        Case(name: "events-json", args: ["events", "--format", "json", "--limit", "3"] + berlin),
        Case(name: "events-jsonl", args: ["events", "--format", "jsonl"] + berlin),
        Case(
            name: "events-jsonl-fields",
            args: [
                "events", "--format", "jsonl", "--category", "activity",
                "--output-fields", "seq,time,user,action,amount,currency,comment,attrs.plan",
            ] + berlin),
        Case(name: "events-csv", args: ["events", "--format", "csv"] + berlin),
        Case(
            name: "events-output-fields",
            args: [
                "events", "--output-fields",
                "seq,time,user,outcome,reason,ip,port,country,asn,as_org,vpn,hosting,lists,risk",
            ] + berlin),
        Case(name: "events-reverse-limit", args: ["events", "--reverse", "--limit", "4"] + berlin),
        Case(name: "events-user", args: ["events", "--user", "bob"] + berlin),
        Case(name: "events-category", args: ["events", "--category", "admin"] + berlin),
        Case(name: "events-vpn", args: ["events", "--vpn"] + berlin),
        Case(
            name: "events-since-until-dst",
            args: ["events", "--since", "2026-03-29 01:00", "--until", "2026-03-29 04:00"] + berlin),
        Case(name: "events-since-relative", args: ["events", "--since", "-1d", "--now", now] + berlin),
        Case(name: "events-unknown-field", args: ["events", "--output-fields", "time,nope"] + berlin, status: 64),
        // users
        Case(name: "users-table", args: ["users", "--now", now] + berlin),
        Case(name: "users-json", args: ["users", "--format", "json", "--now", now] + berlin),
        Case(name: "users-inactive-since", args: ["users", "--inactive-since", "3d", "--now", now] + berlin),
        // reports
        Case(name: "report-logins", args: ["report", "logins"] + berlin),
        Case(
            name: "report-logins-range",
            args: ["report", "logins", "--since", "2026-03-28", "--until", "2026-03-30"] + berlin),
        Case(name: "report-failures", args: ["report", "failures", "--threshold", "5", "--window", "10m"] + berlin),
        Case(name: "report-failures-since", args: ["report", "failures", "--since", "-1d", "--now", now] + berlin),
        Case(name: "report-suspicious", args: ["report", "suspicious"] + berlin),
        Case(name: "report-suspicious-json", args: ["report", "suspicious", "--format", "json"] + berlin),
        // export
        Case(name: "export-csv", args: ["export", "--csv", "--tz", "America/New_York"]),
        Case(name: "export-csv-grace", args: ["export", "--csv", "--user", "grace"] + berlin),
        // tail (without -f it prints the last events and exits)
        Case(name: "tail", args: ["tail", "-n", "3"]),
        Case(name: "tail-table", args: ["tail", "-n", "5", "--format", "table"] + berlin),
        Case(name: "tail-format-csv", args: ["tail", "--format", "csv"], status: 64),
        // maintenance
        Case(name: "verify", args: ["verify"]),
        Case(name: "stats", args: ["stats"]),
        Case(name: "stats-json", args: ["stats", "--json"]),
        // version and help of every (sub)command
        Case(name: "version", args: ["--version"]),
        Case(name: "help", args: ["--help"]),
        Case(name: "help-events", args: ["events", "--help"]),
        Case(name: "help-users", args: ["users", "--help"]),
        Case(name: "help-report", args: ["report", "--help"]),
        Case(name: "help-report-logins", args: ["report", "logins", "--help"]),
        Case(name: "help-report-failures", args: ["report", "failures", "--help"]),
        Case(name: "help-report-suspicious", args: ["report", "suspicious", "--help"]),
        Case(name: "help-export", args: ["export", "--help"]),
        Case(name: "help-tail", args: ["tail", "--help"]),
        Case(name: "help-send", args: ["send", "--help"]),
        Case(name: "help-verify", args: ["verify", "--help"]),
        Case(name: "help-stats", args: ["stats", "--help"]),
    ]

    @Test("activityctl output matches its golden file", arguments: cases)
    func golden(_ c: Case) throws {
        let dir = try CLIGoldenStore.dataDirectory()
        let (status, out, err) = try runActivityctl(["--data-dir", dir] + c.args)
        #expect(status == c.status, "exit status of activityctl \(c.args.joined(separator: " ")); stderr: \(err)")
        var text = "$ activityctl " + c.args.map(shellQuoted).joined(separator: " ") + "\n" + out
        if !err.isEmpty { text += "[stderr]\n" + err }
        if status != 0 { text += "[exit status \(status)]\n" }
        try assertGoldenFile(text.replacingOccurrences(of: dir, with: "$DATA"), name: c.name + ".txt")
    }

    @Test("a damaged segment: verify names the file and offset and exits 1")
    func verifyDamaged() throws {
        let dir = try CLIGoldenStore.write(into: DaemonProcess.temporaryDirectory("golden-damaged"))
        // Flip one byte inside the first frame of the sealed segment (after its header).
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/segments").sorted()
        let seg = dir + "/segments/" + (try #require(names.first { $0.hasSuffix(".seg") }))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: seg))
        bytes[200] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: seg))
        let (status, out, err) = try runActivityctl(["--data-dir", dir, "verify"])
        #expect(status == 1)
        let text =
            "$ activityctl verify\n" + out + (err.isEmpty ? "" : "[stderr]\n" + err) + "[exit status \(status)]\n"
        try assertGoldenFile(text.replacingOccurrences(of: dir, with: "$DATA"), name: "verify-damaged.txt")
    }

    @Test(
        "a damaged store: every read prints the damage after its answer and exits 3",
        arguments: [
            ["events", "--format", "jsonl"], ["users"], ["report", "logins"],
            ["report", "failures", "--threshold", "2"],
            ["report", "suspicious"], ["export", "--csv"], ["tail", "-n", "3"], ["tail", "-f", "--timeout", "0.3"],
        ])
    func readsReportDamage(args: [String]) throws {
        let dir = try CLIGoldenStore.write(into: DaemonProcess.temporaryDirectory("golden-damaged-read"))
        let segs = try FileManager.default.contentsOfDirectory(atPath: dir + "/segments").sorted().filter {
            $0.hasSuffix(".seg")
        }
        try #require(segs.count >= 2)
        func damage(_ name: String, at offset: (Int) -> Int) throws -> String {
            let path = dir + "/segments/" + name
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[offset(bytes.count)] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: path))
            try? FileManager.default.removeItem(atPath: String(path.dropLast(4)) + ".idx")
            return path
        }
        // The sealed segment's first frame damaged and its index gone, so that every read scans the frame (with the
        // index, `users` answers from its per-user digests and never reads the events); the active segment's last
        // commit damaged (and its prefix index gone), which `tail` meets too, as it reads only the newest events.
        let sealed = try damage(segs[0]) { _ in 200 }
        let active = try damage(segs[segs.count - 1]) { $0 - 6 }
        let (status, out, err) = try runActivityctl(["--data-dir", dir] + args + ["--now", Self.now])
        #expect(status == 3, "\(err)")
        #expect(err.contains("activityctl: warning: \(active): offset "), "\(err)")
        if args[0] != "tail" {
            #expect(err.contains("activityctl: warning: \(sealed): offset "), "\(err)")
            #expect(err.contains("activityctl: warning: \(String(sealed.dropLast(4))).idx: missing index"), "\(err)")
        }
        #expect(
            err.hasSuffix("damaged region(s) met; the answer above may be incomplete (run activityctl verify)\n"),
            "\(err)")
        // Stdout holds the answer from what could be read (here the store is small: for some commands nothing).
        _ = out
    }

    @Test("--now must be RFC 3339")
    func badNow() throws {
        let dir = try CLIGoldenStore.dataDirectory()
        let (status, _, err) = try runActivityctl(["--data-dir", dir, "users", "--now", "yesterday"])
        #expect(status != 0)
        #expect(err.contains("--now: not RFC 3339"))
    }
}

/// The fixed store the golden tests read: written once per test process into a temp directory.
enum CLIGoldenStore {
    private static let shared = Result { try write(into: DaemonProcess.temporaryDirectory("golden")) }

    /// The shared store's data directory (written on first use).
    static func dataDirectory() throws -> String { try shared.get() }

    /// A stats.json as the daemon writes it, so `stats` has counters to show.
    static let statsJSON = """
        {"pid":4242,"started":"2026-03-30T06:00:00Z","updated":"2026-03-30T11:59:58Z","datagrams_received":31,\
        "bytes_received":6120,"lines_received":31,"events_accepted":30,"events_stored":30,"durable_seq":30,\
        "enrichment_hits":18,"enrichment_misses":12,"segments_sealed":1,"bytes_written":4096,"fsyncs":12,\
        "queue_depth":0,"kernel_drops":0,"reloads":0,"reload_errors":0,"fsync_seconds_max":0.002,\
        "store_paused":false,"last_seq":30,"rejected":{"not_json":1},"dropped":{},"unmatched":{},"store_errors":{}}
        """

    /// Writes ``events`` in two segments (the first sealed and indexed, the second active) under `dir`/data.
    static func write(into dir: String) throws -> String {
        let data = dir + "/data"
        let start = Timestamp(seconds: 1_772_900_000)
        let w = try SegmentWriter(dataDirectory: data, options: StoreOptions(), host: "golden", now: start)
        let all = events
        let split = all.firstIndex { $0.time.seconds >= ts("2026-03-28T00:00:00Z").seconds } ?? all.count
        try w.append(Array(all[..<split]), now: start)
        try w.rotate(now: ts("2026-03-28T00:00:00Z"))
        try w.append(Array(all[split...]), now: ts("2026-03-30T11:59:00Z"))
        try w.close()
        try? FileManager.default.removeItem(atPath: data + "/LOCK")
        try statsJSON.write(toFile: data + "/stats.json", atomically: true, encoding: .utf8)
        return data
    }

    static let london = (51.5074, -0.1278), paris = (48.8566, 2.3522), berlin = (52.52, 13.405)
    static let newYork = (40.7128, -74.0060), sydney = (-33.8688, 151.2093), boston = (42.3601, -71.0589)

    /// The fixed events, in time order (the order the store receives them).
    static let events: [ActivityEvent] = [
        // alice: a web login in London the evening before New York's spring-forward, logged out after it.
        ev(
            "2026-03-07T22:00:00Z", "login", user: "alice", ip: "198.51.100.10", port: 51000, session: "s-a1",
            entry: "web",
            device: "Firefox/128",
            geo: geo("GB", "London", london, radius: 20, name: "United Kingdom", asn: 64500, asOrg: "Example Net")),
        ev("2026-03-08T08:00:00Z", "logout", user: "alice", session: "s-a1"),
        // erin: logs in, is deactivated by an admin, then fails to log in.
        ev(
            "2026-03-23T09:00:00Z", "login", user: "erin", ip: "198.51.100.120", entry: "desktop",
            geo: geo("IE", "Dublin")),
        ev(
            "2026-03-24T08:05:00Z", "subscription_started", user: "alice", ip: "198.51.100.10", service: "billing",
            commerce: commerce(sub: "SUB-1001", amount: "19.99", currency: "EUR", cycles: 12), comment: "annual plan",
            attrs: ["plan": "gold"]),
        // heidi: an IPv6 login with no logout: timed out.
        ev(
            "2026-03-24T15:00:00Z", "login", user: "heidi", ip: "2001:db8::15", entry: "web",
            geo: geo("NL", "Amsterdam")),
        // grace: an order placed on her behalf whose cells a spreadsheet would execute.
        ev(
            "2026-03-25T10:00:00Z", "order_placed_on_behalf", user: "grace", actor: "support.sam", actorRole: "support",
            device: "-2+3",
            commerce: commerce(sub: "@SUB-7", order: "+ORD-90", amount: "15", currency: "USD", cycles: 1),
            comment: "=cmd()"),
        // bob: ssh from New York.
        ev(
            "2026-03-25T13:00:00Z", "login", user: "bob", ip: "203.0.113.50", entry: "ssh", device: "pts/0",
            geo: geo("US", "New York", newYork, radius: 50)),
        ev("2026-03-25T17:00:00Z", "logout", user: "bob"),
        // dave: web login in Leeds.
        ev("2026-03-26T10:00:00Z", "login", user: "dave", ip: "198.51.100.90", entry: "web", geo: geo("GB", "Leeds")),
        ev("2026-03-26T10:30:00Z", "logout", user: "dave"),
        // carol: Berlin, then Sydney 40 minutes later through a VPN; an order with a comma and quotes.
        ev(
            "2026-03-27T06:00:00Z", "login", user: "carol", ip: "198.51.100.80", entry: "mobile", device: "Android",
            geo: geo("DE", "Berlin", berlin, radius: 5)),
        ev(
            "2026-03-27T06:40:00Z", "login", user: "carol", ip: "192.0.2.200", entry: "web", device: "Chrome",
            geo: geo("AU", "Sydney", sydney, radius: 100), net: NetFlags(vpn: true, lists: ["vpn-ranges"])),
        ev(
            "2026-03-27T07:00:00Z", "order_placed", user: "carol", ip: "192.0.2.200",
            commerce: commerce(order: "ORD-88", amount: "120.00", currency: "AUD"), comment: "gift, \"deluxe\" wrap"),
        ev(
            "2026-03-27T12:00:00Z", "user_deactivated", user: "erin", actor: "admin.bob", actorRole: "admin",
            comment: "left the company"),
        // --- second segment ---
        // a hostile user name (ESC sequence) and device (newline) from a scanner.
        ev(
            "2026-03-28T03:00:08Z", "login_failed", user: "mallory\u{1B}[31m", outcome: .failure,
            reason: "invalid_user",
            ip: "192.0.2.66", device: "evil\nFAKE ROW"),
        ev(
            "2026-03-28T12:00:00Z", "login_failed", user: "erin", outcome: .failure, reason: "account_disabled",
            ip: "198.51.100.120"),
        // alice: Paris (a new country), logged out 01:30 CET, just before Berlin's spring-forward.
        ev(
            "2026-03-28T18:00:00Z", "login", user: "alice", ip: "192.0.2.44", entry: "mobile", device: "iPhone",
            geo: geo("FR", "Paris", paris, radius: 10)),
        ev("2026-03-29T00:30:00Z", "logout", user: "alice"),
        // bob: five failures in five minutes across Berlin's 02:00 → 03:00 jump, then a success from the same address.
        ev(
            "2026-03-29T00:58:00Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T00:59:00Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:00:00Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:01:00Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:02:00Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:03:00Z", "login", user: "bob", ip: "203.0.113.77", port: 40022, entry: "ssh",
            device: "pts/1",
            geo: geo("US", "Boston", boston, radius: 50), net: NetFlags(hosting: true, lists: ["cloud-ranges"])),
        ev(
            "2026-03-29T09:00:00Z", "refund_issued", user: "alice", actor: "admin.bob", actorRole: "admin",
            ip: "10.0.0.5",
            commerce: commerce(sub: "SUB-1001", order: "ORD-77", amount: "-5.00", currency: "EUR"),
            comment: "goodwill, partial"),
        // frank: an idle timeout, then a session still open at "now".
        ev("2026-03-29T20:00:00Z", "login", user: "frank", ip: "198.51.100.130", entry: "api", device: "curl/8.5"),
        ev("2026-03-29T21:00:00Z", "session_timeout", user: "frank", reason: "idle_timeout"),
        // dave: locked after an MFA failure.
        ev(
            "2026-03-30T08:00:00Z", "mfa_failure", user: "dave", outcome: .failure, reason: "invalid_mfa",
            ip: "198.51.100.90"),
        ev("2026-03-30T08:01:00Z", "account_locked", user: "dave", reason: "mfa_failures"),
        ev("2026-03-30T11:00:00Z", "login", user: "frank", ip: "198.51.100.130", entry: "api", device: "curl/8.5"),
    ]

    static func ts(_ text: String) -> Timestamp {
        Timestamp.parseRFC3339(Substring(text), defaultOffsetSeconds: 0) ?? Timestamp(nanoseconds: 0)
    }

    static func ev(
        _ time: String, _ action: String, user: String? = nil, outcome: Outcome = .success, reason: String? = nil,
        actor: String? = nil, actorRole: String? = nil, ip: String? = nil, port: UInt16? = nil, session: String? = nil,
        entry: String? = nil, device: String? = nil, service: String? = nil, geo: Geo? = nil, net: NetFlags? = nil,
        commerce: Commerce? = nil, comment: String? = nil, attrs: Attributes = [:]
    ) -> ActivityEvent {
        let a = Action(rawValue: action)
        var e = ActivityEvent(
            time: ts(time), category: a.knownCategory ?? .activity, action: a, outcome: outcome, user: user,
            attrs: attrs)
        // Received one second after it happened, over UDP.
        e.ingested = Timestamp(seconds: e.time.seconds + 1)
        e.origin = Origin(input: "udp", source: "127.0.0.1:40000")
        e.reason = reason
        e.actor = actor
        e.actorRole = actorRole
        e.ip = ip.flatMap { IPAddress($0) }
        e.port = port
        e.session = session
        e.entry = entry
        e.device = device
        e.service = service
        e.geo = geo
        e.net = net
        if net?.isAnonymizer == true { e.risk.insert(.anonymizer) }
        e.commerce = commerce
        e.comment = comment
        return e
    }

    static func geo(
        _ country: String, _ city: String, _ at: (Double, Double)? = nil, radius: Int? = nil, name: String? = nil,
        asn: UInt32? = nil, asOrg: String? = nil
    ) -> Geo {
        var g = Geo()
        g.country = country; g.city = city; g.countryName = name
        g.lat = at?.0; g.lon = at?.1; g.radiusKm = radius
        g.asn = asn; g.asOrg = asOrg
        return g
    }

    static func commerce(
        sub: String? = nil, order: String? = nil, amount: String? = nil, currency: String? = nil,
        cycles: Int? = nil
    ) -> Commerce {
        var c = Commerce()
        c.subscription = sub; c.order = order; c.amount = amount; c.currency = currency; c.billingCycles = cycles
        return c
    }
}

/// Runs the built `activityctl` with a fixed environment: `TZ=UTC` (every time-dependent case passes `--tz`
/// anyway), an 80-column help width, no `NO_COLOR` surprises (stdout is a pipe, so tables have no colour).
func runActivityctl(_ args: [String]) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = DaemonProcess.binDir.appendingPathComponent("activityctl")
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["TZ"] = "UTC"
    env["COLUMNS"] = "80"
    env["LINES"] = "25"
    env["LANG"] = "C.UTF-8"
    p.environment = env
    // stderr goes to a file, so neither stream can fill a pipe and stall the child while the other is read.
    let errPath = NSTemporaryDirectory() + "activityctl-stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let e = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// `arg` as a POSIX shell would need it written (for the command line at the top of a golden file).
func shellQuoted(_ arg: String) -> String {
    let plain = arg.unicodeScalars.allSatisfy {
        CharacterSet.alphanumerics.contains($0) || "-_./:=,+@".unicodeScalars.contains($0)
    }
    return plain && !arg.isEmpty ? arg : "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Compares `actual` with `Golden/<name>` byte for byte.
///
/// With `UPDATE_GOLDEN=1` (or the older `ACTIVITYD_UPDATE_GOLDEN=1`) the file is rewritten instead, so the change
/// is reviewed as a git diff. A missing file is written and the test fails, so a forgotten golden is noticed.
/// On a mismatch the failure message holds a unified diff (`diff -u expected actual`).
func assertGoldenFile(_ actual: String, name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    let url = dir.appendingPathComponent(name)
    let env = ProcessInfo.processInfo.environment
    let update = env["UPDATE_GOLDEN"] == "1" || env["ACTIVITYD_UPDATE_GOLDEN"] == "1"
    let exists = FileManager.default.fileExists(atPath: url.path)
    if update || !exists {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(actual.utf8).write(to: url)
        if !exists && !update {
            Issue.record(
                "golden \(name) was missing and has been written: review it, then rerun", sourceLocation: sourceLocation
            )
        }
        return
    }
    let expected = try Data(contentsOf: url)
    guard expected != Data(actual.utf8) else { return }
    Issue.record(
        """
        golden Tests/IntegrationTests/Golden/\(name) differs (- expected, + actual). If the change is intended, run
          UPDATE_GOLDEN=1 swift test --filter CLIGoldenTests
        and review the diff.
        \(unifiedDiff(expected: url.path, actual: actual))
        """, sourceLocation: sourceLocation)
}

/// `diff -u` of a file against a string (through a temp file); falls back to both texts if diff is missing.
func unifiedDiff(expected path: String, actual: String) -> String {
    let tmp = NSTemporaryDirectory() + "golden-actual-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: tmp) }
    guard (try? actual.write(toFile: tmp, atomically: true, encoding: .utf8)) != nil else { return actual }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["diff", "-u", "--label", "expected", "--label", "actual", path, tmp]
    let out = Pipe()
    p.standardOutput = out
    guard (try? p.run()) != nil else { return "actual:\n" + actual }
    let d = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: d, as: UTF8.self)
}
