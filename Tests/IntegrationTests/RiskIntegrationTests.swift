import Foundation
import Testing
import ActivityTestSupport

/// Risk at ingest on the real daemon (issue 17): each flag set as events are stored, the report agreeing with
/// the stored flags, and the same flags whether or not the daemon was killed in the middle.
@Suite("Risk at ingest", .serialized)
struct RiskIntegrationTests {
    /// A login history as application JSON lines, each with a unique `attrs.id`; deterministic for a seed.
    static func history(seed: UInt64, count: Int) -> [String] {
        var state = seed
        func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        let users = ["ann", "bob", "cy"]
        let places = [
            ("GB", "London", 51.5, -0.13), ("FR", "Paris", 48.86, 2.35), ("US", "New York", 40.71, -74.0),
            ("JP", "Tokyo", 35.68, 139.7),
        ]
        let devices = ["iPhone", "Android", "Firefox/120"]
        let ips = ["198.51.100.1", "198.51.100.2", "203.0.113.9"]
        var t = 1_774_000_000  // 2026-03-20
        var out: [String] = []
        while out.count < count {
            t += 1 + next(1800)
            let user = users[next(users.count)], ip = ips[next(ips.count)]
            let id = "\"attrs\":{\"id\":\"e\(out.count)\"}"
            if next(10) < 3 {
                // A run of failures 5 s apart: long runs make bursts.
                for k in 0..<(1 + next(7)) {
                    let fid = "\"attrs\":{\"id\":\"e\(out.count)\"}"
                    out.append(
                        "{\"time\":\(t + 5 * k),\"action\":\"login_failed\",\"outcome\":\"failure\",\"user\":\"\(user)\",\"ip\":\"\(ip)\",\(fid)}"
                    )
                }
                t += 40
                continue
            }
            let p = places[next(places.count)]
            var line =
                "{\"time\":\(t),\"action\":\"login\",\"user\":\"\(user)\",\"ip\":\"\(ip)\",\"device\":\"\(devices[next(devices.count)])\","
            line += "\"geo\":{\"country\":\"\(p.0)\",\"city\":\"\(p.1)\",\"lat\":\(p.2),\"lon\":\(p.3)},"
            if next(6) == 0 { line += "\"net\":{\"vpn\":true,\"lists\":[\"vpn-ranges\"]}," }
            out.append(line + id + "}")
        }
        return out
    }

    static func send(_ lines: ArraySlice<String>, port: Int) {
        // Ten lines per datagram, in order, from one socket at a time: the pipeline sees them in this order.
        var i = lines.startIndex
        while i < lines.endIndex {
            let j = min(i + 10, lines.endIndex)
            sendUDP(Array(lines[i..<j].joined(separator: "\n").utf8), port: port)
            i = j
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    /// Every stored event as export JSON, once `count` are there.
    static func storedEvents(_ dataDir: String, count: Int) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let (_, out, _) = try runTool(
                "activityctl", ["--data-dir", dataDir, "events", "--format", "jsonl", "--tz", "UTC"])
            let rows = try jsonLines(out)
            if rows.count >= count || Date() > deadline { return rows }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// `id → (risk names, risk_why)` for the successful logins.
    static func verdicts(_ rows: [[String: Any]]) -> [String: (String, String)] {
        var out: [String: (String, String)] = [:]
        for r in rows where r["action"] as? String == "login" {
            let attrs = r["attrs"] as? [String: String] ?? [:]
            let risk = (r["risk"] as? [String: Any] ?? [:]).keys.sorted().joined(separator: ",")
            out[attrs["id"] ?? "?"] = (risk, attrs["risk_why"] ?? "")
        }
        return out
    }

    @Test("each flag is set at ingest with its reason, and report suspicious shows the stored flags")
    func eachFlag() throws {
        let dir = DaemonProcess.temporaryDirectory("risk-flags")
        let daemon = try DaemonProcess(dir: dir, extraConfig: "[risk]\nburst_threshold = 3\n", listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        let lines = [
            #"{"time":"2026-03-20T10:00:00Z","action":"login","user":"ann","ip":"198.51.100.1","device":"iPhone","geo":{"country":"GB","city":"London","lat":51.5,"lon":-0.13},"attrs":{"id":"first"}}"#,
            #"{"time":"2026-03-20T11:00:00Z","action":"login","user":"ann","ip":"198.51.100.1","device":"Android","geo":{"country":"US","city":"New York","lat":40.71,"lon":-74.0},"attrs":{"id":"travel"}}"#,
            #"{"time":"2026-03-21T10:00:00Z","action":"login","user":"ann","ip":"203.0.113.5","device":"iPhone","geo":{"country":"US","city":"New York","lat":40.71,"lon":-74.0},"net":{"vpn":true,"lists":["vpn-ranges"]},"attrs":{"id":"vpn"}}"#,
            #"{"time":"2026-03-22T10:00:00Z","action":"login_failed","outcome":"failure","user":"ann","ip":"192.0.2.9"}"#,
            #"{"time":"2026-03-22T10:00:10Z","action":"login_failed","outcome":"failure","user":"ann","ip":"192.0.2.9"}"#,
            #"{"time":"2026-03-22T10:00:20Z","action":"login_failed","outcome":"failure","user":"ann","ip":"192.0.2.9"}"#,
            #"{"time":"2026-03-22T10:01:00Z","action":"login","user":"ann","ip":"192.0.2.9","device":"iPhone","geo":{"country":"US","city":"New York","lat":40.71,"lon":-74.0},"attrs":{"id":"burst"}}"#,
            #"{"time":"2026-03-22T12:00:00Z","action":"login","user":"ann","ip":"198.51.100.1","device":"iPhone","geo":{"country":"US","city":"New York","lat":40.71,"lon":-74.0},"attrs":{"id":"quiet"}}"#,
        ]
        sendUDP(Array(lines.joined(separator: "\n").utf8), port: port)
        let rows = try Self.storedEvents(daemon.dataDir, count: lines.count)
        let (_, report, _) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "report", "suspicious", "--format", "jsonl", "--tz", "UTC"])
        #expect(try daemon.terminate() == 0)
        let v = Self.verdicts(rows)
        #expect(v["first"]?.0 == "")
        #expect(v["travel"]?.0 == "impossible_travel,new_country,new_device")
        #expect(
            v["travel"]?.1
                == "new country US (seen before: GB); travel 5,570 km in 1h00m = 5,570 km/h > 1,000 km/h (London, GB → New York, US); new device Android (1 known)"
        )
        #expect(v["vpn"]?.0 == "anonymizer")
        #expect(v["vpn"]?.1 == "via VPN (lists: vpn-ranges)")
        #expect(v["burst"]?.0 == "failed_burst")
        #expect(
            v["burst"]?.1
                == "success after 3 failures in 20s (user ann); success after 3 failures in 20s (ip 192.0.2.9)")
        #expect(v["quiet"]?.0 == "")
        let kinds = try jsonLines(report).map { $0["kinds"] as? String ?? "" }
        #expect(kinds == ["new_country,impossible_travel,new_device", "anonymizer", "failed_burst"])
    }

    @Test(
        "the same history with and without a kill -9 or a clean restart in the middle gives the same risk on every event; the report agrees with a recomputation"
    )
    func killConsistency() throws {
        let lines = Self.history(seed: 17, count: 600)
        // Uninterrupted.
        let dirA = DaemonProcess.temporaryDirectory("risk-a")
        let a = try DaemonProcess(dir: dirA, listen: ["127.0.0.1:0"])
        Self.send(lines[...], port: try a.waitReady()[0])
        let rowsA = try Self.storedEvents(a.dataDir, count: lines.count)
        #expect(try a.terminate() == 0)
        // Killed after the first 250 are stored, then restarted (a clean stop in between is the easier case).
        let dirB = DaemonProcess.temporaryDirectory("risk-b")
        var b = try DaemonProcess(dir: dirB, listen: ["127.0.0.1:0"])
        Self.send(lines[..<250], port: try b.waitReady()[0])
        #expect(try Self.storedEvents(b.dataDir, count: 250).count == 250)
        b.kill9()
        b = try DaemonProcess(dir: dirB, listen: ["127.0.0.1:0"])
        Self.send(lines[250...], port: try b.waitReady()[0])
        let rowsB = try Self.storedEvents(b.dataDir, count: lines.count)
        #expect(b.log.contains("risk state rebuilt from the store"))
        #expect(try b.terminate() == 0)

        // Stopped cleanly after the first 250: the next start reads the state back from the snapshot instead
        // of folding the store, with the same result.
        let dirC = DaemonProcess.temporaryDirectory("risk-c")
        var c = try DaemonProcess(dir: dirC, listen: ["127.0.0.1:0"])
        Self.send(lines[..<250], port: try c.waitReady()[0])
        #expect(try Self.storedEvents(c.dataDir, count: 250).count == 250)
        #expect(try c.terminate() == 0)
        #expect(FileManager.default.fileExists(atPath: c.dataDir + "/risk.snapshot"))
        c = try DaemonProcess(dir: dirC, listen: ["127.0.0.1:0"])
        Self.send(lines[250...], port: try c.waitReady()[0])
        let rowsC = try Self.storedEvents(c.dataDir, count: lines.count)
        #expect(c.log.contains("risk state read from the snapshot of the last clean stop"), "\(c.log)")
        #expect(!FileManager.default.fileExists(atPath: c.dataDir + "/risk.snapshot"), "a used snapshot is removed")
        #expect(try c.terminate() == 0)

        // Checkpointed every second, killed with login attempts stored after the last checkpoint: the next start reads
        // the checkpoint and folds only those attempts, with the same result.
        let dirD = DaemonProcess.temporaryDirectory("risk-d")
        let every = "[risk]\ncheckpoint_interval = \"1s\""
        var d = try DaemonProcess(dir: dirD, extraConfig: every, listen: ["127.0.0.1:0"])
        var portD = try d.waitReady()[0]
        Self.send(lines[..<200], port: portD)
        #expect(try Self.storedEvents(d.dataDir, count: 200).count == 200)
        Thread.sleep(forTimeInterval: 1.2)
        // The first batch after the interval carries the checkpoint.
        Self.send(lines[200..<250], port: portD)
        #expect(try Self.storedEvents(d.dataDir, count: 250).count == 250)
        let checkpoint = d.dataDir + "/risk.checkpoint"
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        Self.send(lines[250..<330], port: portD)
        #expect(try Self.storedEvents(d.dataDir, count: 330).count == 330)
        d.kill9()
        d = try DaemonProcess(dir: dirD, extraConfig: every, listen: ["127.0.0.1:0"])
        portD = try d.waitReady()[0]
        Self.send(lines[330...], port: portD)
        let rowsD = try Self.storedEvents(d.dataDir, count: lines.count)
        #expect(
            d.log.contains("risk state read from the last checkpoint and the login attempts stored after it"),
            "\(d.log)")
        // It folded some attempts, not all: at most those after the checkpoint (seq > 200 at least).
        let replayed = d.log.split(separator: "\n").first { $0.contains("risk state read from the last checkpoint") }
            .flatMap { $0.split(separator: " ").first { $0.hasPrefix("risk.events=") } }
            .flatMap { Int($0.dropFirst("risk.events=".count)) }
        #expect(replayed.map { $0 > 0 && $0 <= 130 } == true, "\(d.log)")
        #expect(try d.terminate() == 0)

        let rowsDVerdicts = Self.verdicts(rowsD)
        var differD: [String] = []
        for (id, x) in Self.verdicts(rowsA) where rowsDVerdicts[id]?.0 != x.0 || rowsDVerdicts[id]?.1 != x.1 {
            differD.append(id)
        }
        #expect(
            differD.isEmpty,
            "\(differD.count) logins flagged differently after a kill -9 with a checkpoint: \(differD.sorted().prefix(5))"
        )

        #expect(rowsA.count == lines.count && rowsB.count == lines.count && rowsC.count == lines.count)
        let va = Self.verdicts(rowsA), vb = Self.verdicts(rowsB), vc = Self.verdicts(rowsC)
        #expect(va.count > 150)
        var differ: [String] = []
        for (id, x) in va where vb[id]?.0 != x.0 || vb[id]?.1 != x.1 { differ.append(id) }
        #expect(
            differ.isEmpty, "\(differ.count) logins flagged differently after kill -9: \(differ.sorted().prefix(5))")
        var differC: [String] = []
        for (id, x) in va where vc[id]?.0 != x.0 || vc[id]?.1 != x.1 { differC.append(id) }
        #expect(
            differC.isEmpty,
            "\(differC.count) logins flagged differently after a clean restart: \(differC.sorted().prefix(5))")
        // Every kind occurs, so the comparison covers each check.
        let all = Set(va.values.flatMap { $0.0.split(separator: ",").map(String.init) })
        #expect(all == ["new_country", "impossible_travel", "anonymizer", "failed_burst", "new_device"])

        // The report from stored flags and a full recomputation agree row by row.
        for dir in [a.dataDir, b.dataDir] {
            let (_, stored, _) = try runTool(
                "activityctl", ["--data-dir", dir, "report", "suspicious", "--format", "jsonl", "--tz", "UTC"])
            let (_, fresh, _) = try runTool(
                "activityctl",
                ["--data-dir", dir, "report", "suspicious", "--format", "jsonl", "--tz", "UTC", "--recompute"])
            #expect(!stored.isEmpty)
            #expect(stored == fresh)
        }
    }
}

/// One HTTP/1.1 request over a fresh loopback TCP connection (`Connection: close`); status and body.
func httpRequest(port: Int, method: String = "POST", path: String = "/v1/check", headers: [String] = [], body: String)
    throws -> (Int, String)
{
    var text =
        "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
    for h in headers { text += h + "\r\n" }
    let reply = try httpExchange(port: port, text + "\r\n" + body)
    let status = reply.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    let replyBody = reply.range(of: "\r\n\r\n").map { String(reply[$0.upperBound...]) } ?? ""
    return (status, replyBody)
}

/// Sends `request` over a fresh loopback TCP connection and reads the reply until the server closes it (each read
/// waits at most 5 s).
func httpExchange(port: Int, _ request: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { close(fd) }
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    guard withLoopbackAddress(port: port, { connect(fd, $0, $1) }) == 0 else {
        throw TestFailure("connect to \(port) failed")
    }
    let bytes = Array(request.utf8)
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        sent += n
    }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite("Check API", .serialized)
struct CheckAPIIntegrationTests {
    // sha256("app-token") and sha256("acme-token").
    static let config = """
        [[enrich.iplist]]
        name = "vpn-ranges"
        tag = "vpn"
        path = "vpn.txt"
        [risk]
        block = ["impossible_travel"]
        challenge = ["new_country", "anonymizer"]
        [risk.account.strict]
        block = ["new_country", "anonymizer"]
        [api]
        listen = "127.0.0.1:0"
        record = true
        max_body = "1KiB"
        [[api.token]]
        name = "app"
        sha256 = "7f14c33dfe13ac4af4884e14da5760f9b930205aa8055478c3e74296470d71af"
        [[api.token]]
        name = "acme"
        sha256 = "28daa606f54b368209e11244fd3d5612b41212e822258df22e55afe06a7bdae1"
        accounts = ["acme"]
        """

    static func apiPort(_ d: DaemonProcess) throws -> Int {
        for line in d.log.split(separator: "\n") where line.contains("check API listening") {
            if let p = line.split(separator: ":").last.flatMap({ Int($0.filter(\.isNumber)) }) { return p }
        }
        throw TestFailure("no check API line in: \(d.log)")
    }

    @Test(
        "verdicts by policy (per account too), enrichment and flags in the answer, the check recorded; refusals are 4xx and counted"
    )
    func verdictsAndRefusals() throws {
        let dir = DaemonProcess.temporaryDirectory("check-api")
        try "203.0.113.0/24\n".write(toFile: dir + "/vpn.txt", atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(dir: dir, extraConfig: Self.config, listen: ["127.0.0.1:0"])
        let udp = try daemon.waitReady()[0]
        let port = try Self.apiPort(daemon)
        let now = Int(Date().timeIntervalSince1970)
        // ann logged in from London 2 days ago.
        sendUDP(
            Array(
                #"{"time":\#(now - 172_800),"action":"login","user":"ann","account":"acme","ip":"198.51.100.1","device":"iPhone","geo":{"country":"GB","city":"London","lat":51.5,"lon":-0.13}}"#
                    .utf8), port: udp)
        sendUDP(
            Array(
                #"{"time":\#(now - 172_800),"action":"login","user":"ann","account":"strict","ip":"198.51.100.1","geo":{"country":"GB"}}"#
                    .utf8), port: udp)
        _ = try RiskIntegrationTests.storedEvents(daemon.dataDir, count: 2)
        let auth = ["Authorization: Bearer app-token", "Content-Type: application/json"]

        let (s1, b1) = try httpRequest(
            port: port, headers: auth, body: #"{"user":"ann","account":"acme","ip":"198.51.100.1","device":"iPhone"}"#)
        #expect(s1 == 200)
        let o1 = try #require(try JSONSerialization.jsonObject(with: Data(b1.utf8)) as? [String: Any])
        #expect(o1["verdict"] as? String == "allow")
        #expect((o1["flags"] as? [String]) == [])
        #expect(o1["check_id"] is String)
        // The same user of another account has no history there: nothing to compare with, allowed.
        let (_, b2) = try httpRequest(
            port: port, headers: ["Authorization: Bearer acme-token"],
            body: #"{"user":"ann","account":"acme","device":"Android"}"#)
        let o2 = try #require(try JSONSerialization.jsonObject(with: Data(b2.utf8)) as? [String: Any])
        #expect(o2["verdict"] as? String == "allow")
        #expect((o2["flags"] as? [String]) == ["new_device"])
        #expect((o2["why"] as? [String]) == ["new device Android (1 known)"])
        // Through a VPN: challenged by the default policy, blocked by the strict account's.
        let (_, b3) = try httpRequest(
            port: port, headers: auth, body: #"{"user":"ann","account":"acme","ip":"203.0.113.5","device":"iPhone"}"#)
        let o3 = try #require(try JSONSerialization.jsonObject(with: Data(b3.utf8)) as? [String: Any])
        #expect(o3["verdict"] as? String == "challenge")
        #expect((o3["flags"] as? [String]) == ["anonymizer"])
        let enrichment = o3["enrichment"] as? [String: Any] ?? [:]
        #expect(enrichment["vpn"] as? Bool == true && (enrichment["lists"] as? [String]) == ["vpn-ranges"])
        let (_, b4) = try httpRequest(
            port: port, headers: auth, body: #"{"user":"ann","account":"strict","ip":"203.0.113.5"}"#)
        #expect(b4.contains(#""verdict":"block""#))

        // Refusals.
        let cases: [([String], String, String, String, Int)] = [
            ([], "POST", "/v1/check", #"{"user":"ann"}"#, 401),
            (["Authorization: Bearer wrong"], "POST", "/v1/check", #"{"user":"ann"}"#, 401),
            (auth, "POST", "/v1/check", #"{"user":"#, 400),
            (auth, "POST", "/v1/check", #"{"ip":"1.2.3.4"}"#, 400),
            (auth, "POST", "/v1/check", #"{"user":"ann","ip":"not-an-ip"}"#, 400),
            (auth, "POST", "/v1/check", #"{"user":"ann","time":"2020-01-01T00:00:00Z"}"#, 400),
            (auth, "POST", "/v1/check", #"{"user":"ann","action":"order_placed"}"#, 400),
            (auth, "GET", "/v1/check", "", 405),
            (auth, "POST", "/v1/events", #"{"user":"ann"}"#, 404),
            (["Authorization: Bearer acme-token"], "POST", "/v1/check", #"{"user":"ann","account":"other"}"#, 403),
            (["Authorization: Bearer acme-token"], "POST", "/v1/check", #"{"user":"ann"}"#, 403),
            (auth, "POST", "/v1/check", "{\"user\":\"" + String(repeating: "a", count: 2000) + "\"}", 413),
        ]
        for (headers, method, path, body, expected) in cases {
            let (status, text) = try httpRequest(port: port, method: method, path: path, headers: headers, body: body)
            #expect(status == expected, "\(method) \(path) \(body.prefix(40)): \(status) \(text)")
        }
        #expect(try daemon.terminate() == 0)
        let stats = readStats(daemon.dataDir)
        let checks = stats?["checks"] as? [String: Int] ?? [:]
        #expect(
            checks["unauthorized"] == 2 && checks["bad_request"] == 5 && checks["forbidden_account"] == 2
                && checks["too_large"] == 1 && checks["not_found"] == 1 && checks["method_not_allowed"] == 1,
            "\(checks)")
        // Recorded checks are login_check events; nothing else was written through the API.
        let (_, out, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "jsonl"])
        let rows = try jsonLines(out)
        #expect(rows.filter { $0["action"] as? String == "login_check" }.count == 4)
        #expect(rows.count == 6)
    }
}
