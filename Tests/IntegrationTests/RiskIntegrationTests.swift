import Foundation
import Testing

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
        let places = [("GB", "London", 51.5, -0.13), ("FR", "Paris", 48.86, 2.35), ("US", "New York", 40.71, -74.0),
                      ("JP", "Tokyo", 35.68, 139.7)]
        let devices = ["iPhone", "Android", "Firefox/120"]
        let ips = ["198.51.100.1", "198.51.100.2", "203.0.113.9"]
        var t = 1_774_000_000 // 2026-03-20
        var out: [String] = []
        while out.count < count {
            t += 1 + next(1800)
            let user = users[next(users.count)], ip = ips[next(ips.count)]
            let id = "\"attrs\":{\"id\":\"e\(out.count)\"}"
            if next(10) < 3 {
                // A run of failures 5 s apart: long runs make bursts.
                for k in 0..<(1 + next(7)) {
                    let fid = "\"attrs\":{\"id\":\"e\(out.count)\"}"
                    out.append("{\"time\":\(t + 5 * k),\"action\":\"login_failed\",\"outcome\":\"failure\",\"user\":\"\(user)\",\"ip\":\"\(ip)\",\(fid)}")
                }
                t += 40
                continue
            }
            let p = places[next(places.count)]
            var line = "{\"time\":\(t),\"action\":\"login\",\"user\":\"\(user)\",\"ip\":\"\(ip)\",\"device\":\"\(devices[next(devices.count)])\","
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
            let (_, out, _) = try runTool("activityctl", ["--data-dir", dataDir, "events", "--format", "jsonl", "--tz", "UTC"])
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
        let (_, report, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "report", "suspicious", "--format", "jsonl", "--tz", "UTC"])
        #expect(try daemon.terminate() == 0)
        let v = Self.verdicts(rows)
        #expect(v["first"]?.0 == "")
        #expect(v["travel"]?.0 == "impossible_travel,new_country,new_device")
        #expect(v["travel"]?.1 == "new country US (seen before: GB); travel 5,570 km in 1h00m = 5,570 km/h > 1,000 km/h (London, GB → New York, US); new device Android (1 known)")
        #expect(v["vpn"]?.0 == "anonymizer")
        #expect(v["vpn"]?.1 == "via VPN (lists: vpn-ranges)")
        #expect(v["burst"]?.0 == "failed_burst")
        #expect(v["burst"]?.1 == "success after 3 failures in 20s (user ann); success after 3 failures in 20s (ip 192.0.2.9)")
        #expect(v["quiet"]?.0 == "")
        let kinds = try jsonLines(report).map { $0["kinds"] as? String ?? "" }
        #expect(kinds == ["new_country,impossible_travel,new_device", "anonymizer", "failed_burst"])
    }

    @Test("the same history with and without a kill -9 in the middle gives the same risk on every event; the report agrees with a recomputation")
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

        #expect(rowsA.count == lines.count && rowsB.count == lines.count)
        let va = Self.verdicts(rowsA), vb = Self.verdicts(rowsB)
        #expect(va.count > 150)
        var differ: [String] = []
        for (id, x) in va where vb[id]?.0 != x.0 || vb[id]?.1 != x.1 { differ.append(id) }
        #expect(differ.isEmpty, "\(differ.count) logins flagged differently after kill -9: \(differ.sorted().prefix(5))")
        // Every kind occurs, so the comparison covers each check.
        let all = Set(va.values.flatMap { $0.0.split(separator: ",").map(String.init) })
        #expect(all == ["new_country", "impossible_travel", "anonymizer", "failed_burst", "new_device"])

        // The report from stored flags and a full recomputation agree row by row.
        for dir in [a.dataDir, b.dataDir] {
            let (_, stored, _) = try runTool("activityctl", ["--data-dir", dir, "report", "suspicious", "--format", "jsonl", "--tz", "UTC"])
            let (_, fresh, _) = try runTool("activityctl", ["--data-dir", dir, "report", "suspicious", "--format", "jsonl", "--tz", "UTC", "--recompute"])
            #expect(!stored.isEmpty)
            #expect(stored == fresh)
        }
    }
}
