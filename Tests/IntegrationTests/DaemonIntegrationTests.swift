import Testing
import Foundation

@Suite("activityd end to end (real binaries, real datagrams)", .serialized)
struct DaemonIntegrationTests {
    @Test("login, activity and admin events sent over UDP come back from activityctl with every field")
    func udpToSegmentsToActivityctl() throws {
        let dir = DaemonProcess.temporaryDirectory("e2e")
        let daemon = try DaemonProcess(dir: dir)
        let ports = try daemon.waitReady()
        try #require(ports.count == 2)
        let login =
            #"{"time":"2026-11-22T10:00:00.123Z","action":"login","user":"alice","ip":"81.2.69.160","port":51000,"device":"iPhone 15","entry":"mobile","session":"s-1","service":"portal","host":"web-1"}"#
        let activity =
            #"{"time":"2026-11-22T10:05:00Z","action":"subscription_started","user":"alice","ip":"2a02:1234::7","commerce":{"subscription":"SUB-9","amount":"19.99","currency":"EUR","billing_cycles":12},"comment":"annual plan"}"#
        let admin =
            #"{"time":"2026-11-22T10:10:00Z","action":"plan_extended","user":"alice","actor":"admin.bob","actor_role":"admin","reason":"goodwill"}"#
        sendUDP(Array((login + "\n" + activity).utf8), port: ports[0])
        sendUDP(Array(admin.utf8), port: ports[1], v6: true)
        sendUDP(Array("{not json".utf8), port: ports[0])
        sendUDP([0xFF, 0xFE, 0x7B], port: ports[0])
        let (sendStatus, _, sendErr) = try runTool(
            "activityctl",
            [
                "send", "--to", "127.0.0.1:\(ports[0])", "--user", "dave",
                "--action", "logout", "--ip", "198.51.100.9", "--device", "pts/1",
            ])
        #expect(sendStatus == 0, "\(sendErr)")
        // Wait until the daemon has stored all four (stats.json is rewritten every 2 s; poll the store instead).
        let deadline = Date().addingTimeInterval(20)
        var stored = 0
        while Date() < deadline {
            let (_, out, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "jsonl"])
            stored = out.split(separator: "\n").count
            if stored >= 4 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(stored == 4)
        #expect(try daemon.terminate() == 0)

        let (status, out, err) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "events", "--user", "alice", "--format", "jsonl"])
        #expect(status == 0, "\(err)")
        let events = try jsonLines(out)
        try #require(events.count == 3)
        let l = events[0], a = events[1], m = events[2]
        #expect(l["seq"] as? Int != nil)
        #expect(l["time"] as? String == "2026-11-22T10:00:00.123000000Z")
        #expect(l["category"] as? String == "login")
        #expect(l["action"] as? String == "login")
        #expect(l["outcome"] as? String == "success")
        #expect(l["user"] as? String == "alice")
        #expect(l["ip"] as? String == "81.2.69.160")
        #expect(l["port"] as? Int == 51000)
        #expect(l["device"] as? String == "iPhone 15")
        #expect(l["entry"] as? String == "mobile")
        #expect(l["session"] as? String == "s-1")
        #expect(l["service"] as? String == "portal")
        #expect(l["host"] as? String == "web-1")
        #expect((l["origin"] as? [String: Any])?["input"] as? String == "udp")
        #expect(l["ingested"] as? String != nil)

        #expect(a["category"] as? String == "activity")
        #expect(a["action"] as? String == "subscription_started")
        #expect(a["ip"] as? String == "2a02:1234::7")
        #expect(a["comment"] as? String == "annual plan")
        let c = a["commerce"] as? [String: Any]
        #expect(c?["subscription"] as? String == "SUB-9")
        #expect(c?["amount"] as? String == "19.99")
        #expect(c?["currency"] as? String == "EUR")
        #expect(c?["billing_cycles"] as? Int == 12)

        #expect(m["category"] as? String == "admin")
        #expect(m["action"] as? String == "plan_extended")
        #expect(m["user"] as? String == "alice")
        #expect(m["actor"] as? String == "admin.bob")
        #expect(m["actor_role"] as? String == "admin")
        #expect(m["reason"] as? String == "goodwill")
        #expect(((m["origin"] as? [String: Any])?["source"] as? String)?.hasPrefix("[::1]:") == true)

        // Sequence numbers strictly increase; other filters work.
        let seqs = events.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted() && Set(seqs).count == 3)
        let (_, dave, _) = try runTool(
            "activityctl",
            ["--data-dir", daemon.dataDir, "events", "--category", "login", "--action", "logout", "--format", "jsonl"])
        #expect(try jsonLines(dave).first?["device"] as? String == "pts/1")
        let (_, ranged, _) = try runTool(
            "activityctl",
            [
                "--data-dir", daemon.dataDir, "events", "--since", "2026-11-22T10:04:00Z", "--until",
                "2026-11-22T10:06:00Z", "--format", "jsonl",
            ])
        #expect(try jsonLines(ranged).map { $0["action"] as? String } == ["subscription_started"])

        // The rejected datagrams were counted by reason (stats.json is final after a clean stop).
        let stats =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: daemon.dataDir + "/stats.json"))) as? [String: Any]
        let rejected = stats?["rejected"] as? [String: Int]
        #expect(rejected?["invalid_json"] == 1)
        #expect(rejected?["invalid_utf8"] == 1)
        let (vStatus, vOut, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "verify"])
        #expect(vStatus == 0, "\(vOut)")
    }

    @Test("RFC 3164 and RFC 5424 syslog lines over UDP go through the auth-log rules")
    func syslogOverUDP() throws {
        let dir = DaemonProcess.temporaryDirectory("syslog")
        let daemon = try DaemonProcess(dir: dir, listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        let lines = [
            "<38>Nov 22 10:00:00 bastion sshd[4242]: Accepted publickey for erin from 198.51.100.77 port 50022 ssh2: ED25519 SHA256:Zm9vYmFy",
            "<86>1 2026-11-22T10:01:00.000Z bastion sudo - - - erin : TTY=pts/0 ; PWD=/home/erin ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
            "<30>Nov 22 10:02:00 bastion CRON[99]: (root) CMD (run-parts /etc/cron.hourly)",
        ]
        sendUDP(Array(lines.joined(separator: "\n").utf8), port: port)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try daemon.terminate() == 0)
        let (_, out, _) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "events", "--user", "erin", "--format", "jsonl"])
        let events = try jsonLines(out)
        try #require(events.count == 2, "\(out)\n\(daemon.log)")
        #expect(events[0]["action"] as? String == "login")
        #expect(events[0]["entry"] as? String == "ssh")
        #expect(events[0]["ip"] as? String == "198.51.100.77")
        #expect(events[0]["host"] as? String == "bastion")
        #expect(events[1]["action"] as? String == "privilege_escalation")
        #expect((events[1]["attrs"] as? [String: String])?["command"]?.contains("systemctl") == true)
        let stats =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: daemon.dataDir + "/stats.json"))) as? [String: Any]
        #expect((stats?["unmatched"] as? [String: Int])?["CRON"] == 1)
    }

    @Test("after a burst, SIGTERM leaves every accepted event in the store")
    func burstThenSigterm() throws {
        let dir = DaemonProcess.temporaryDirectory("burst")
        let daemon = try DaemonProcess(dir: dir, listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        let n = 20_000
        var sent = 0
        for i in stride(from: 0, to: n, by: 20) {
            let lines = (i..<(i + 20)).map { #"{"action":"page_viewed","user":"u\#($0 % 97)","attrs":{"n":"\#($0)"}}"# }
            sendUDP(Array(lines.joined(separator: "\n").utf8), port: port)
            sent += 20
            if i % 2000 == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try daemon.terminate() == 0)
        let stats =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: daemon.dataDir + "/stats.json"))) as? [String: Any]
        let accepted = stats?["events_accepted"] as? Int ?? -1
        let dropped = (stats?["dropped"] as? [String: Int])?.values.reduce(0, +) ?? 0
        let (_, out, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "jsonl"])
        let stored = out.split(separator: "\n").count
        #expect(accepted > 0)
        #expect(stored == accepted - dropped)
        #expect(stats?["events_stored"] as? Int == stored)
        let (vStatus, _, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "verify"])
        #expect(vStatus == 0)
    }

    @Test("a second daemon on the same data directory fails with a clear message")
    func secondDaemonFails() throws {
        let dir = DaemonProcess.temporaryDirectory("lock")
        let first = try DaemonProcess(dir: dir, listen: ["127.0.0.1:0"])
        _ = try first.waitReady()
        let (status, _, err) = try runTool("activityd", ["--config", first.configPath])
        #expect(status != 0)
        #expect(err.contains("another activityd"))
        #expect(try first.terminate() == 0)
    }

    @Test("the daemon's worker threads carry their names to the kernel (top -H, ps -L, perf)")
    func threadNames() throws {
        let dir = DaemonProcess.temporaryDirectory("threads")
        let d = try DaemonProcess(dir: dir, listen: ["127.0.0.1:0"])
        _ = try d.waitReady()
        let tasks = "/proc/\(d.process.processIdentifier)/task"
        let names = try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap {
            try? String(contentsOfFile: tasks + "/" + $0 + "/comm", encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        #expect(names.contains("store"), "\(names)")
        #expect(names.contains("pipeline"), "\(names)")
        #expect(try d.terminate() == 0)
    }

    @Test("--check-config validates and --version prints")
    func configChecks() throws {
        let dir = DaemonProcess.temporaryDirectory("cfg")
        try "data_dir = \"x\"\n[store]\nfsync = \"sometimes\"\n".write(
            toFile: dir + "/bad.toml", atomically: true, encoding: .utf8)
        let (s1, _, e1) = try runTool("activityd", ["--config", dir + "/bad.toml", "--check-config"])
        #expect(s1 == 78)
        #expect(e1.contains("store.fsync"))
        try "data_dir = \"x\"\nbogus = 1\n".write(toFile: dir + "/ok.toml", atomically: true, encoding: .utf8)
        let (s2, o2, _) = try runTool("activityd", ["--config", dir + "/ok.toml", "--check-config"])
        #expect(s2 == 0)
        #expect(o2.contains("unknown keys: bogus"))
        // The risk policy, the check API and each file input's format are shown as they will run.
        try """
        data_dir = "x"
        [[input.file]]
        paths = ["/var/log/audit/audit.log"]
        format = "audit"
        [risk]
        block = ["anonymizer"]
        [api]
        listen = "127.0.0.1:58081"
        [[api.token]]
        name = "app"
        sha256 = "7f14c33dfe13ac4af4884e14da5760f9b930205aa8055478c3e74296470d71af"
        """.write(toFile: dir + "/risk.toml", atomically: true, encoding: .utf8)
        let (s4, o4, e4) = try runTool("activityd", ["--config", dir + "/risk.toml", "--check-config"])
        #expect(s4 == 0, "\(e4)")
        #expect(o4.contains("format=audit"), "\(o4)")
        #expect(o4.contains(#"risk: block=["anonymizer"]"#), "\(o4)")
        #expect(o4.contains("api: listen=127.0.0.1:58081 tokens=1 record=false"), "\(o4)")
        let (s3, o3, _) = try runTool("activityd", ["--version"])
        #expect(s3 == 0 && !o3.isEmpty)
    }
}
