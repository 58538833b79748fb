import Foundation
import Testing

/// `activity-bench receive`: the receiver scripts/bench-vs-syslog-ng.sh gives the peer kit. It is the real daemon
/// with an observer composed in from outside (`Daemon.onStored`); production code writes no mirror.
@Suite("activity-bench receive (the benchmark's receiver)", .serialized)
struct BenchReceiverTests {
    @Test("every stored event's seq attribute reaches the JSON-lines file once, after its segment write")
    func mirrorsStoredEvents() throws {
        let dir = DaemonProcess.temporaryDirectory("bench-receive")
        let out = dir + "/out.jsonl"
        let receiver = try DaemonProcess(dir: dir, listen: ["127.0.0.1:0"], executable: "activity-bench") { config in
            ["receive", "--config", config, "--out", out, "--log-level", "info"]
        }
        let ports = try receiver.waitReady()
        try #require(ports.count == 1)
        let sent = 300
        for batch in stride(from: 0, to: sent, by: 20) {
            let lines = (batch..<(batch + 20)).map {
                #"{"time":"2026-11-22T10:00:00Z","action":"login","user":"u\#($0 % 7)","ip":"203.0.113.\#($0 % 200)","seq":\#($0)}"#
            }
            sendUDP(Array(lines.joined(separator: "\n").utf8), port: ports[0])
        }
        sendUDP(Array("{not json".utf8), port: ports[0])
        let deadline = Date().addingTimeInterval(30)
        var mirrored: [String] = []
        while Date() < deadline {
            mirrored =
                (try? String(contentsOfFile: out, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
            if mirrored.count >= sent { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(try receiver.terminate() == 0)
        let seqs = mirrored.compactMap { line -> Int? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (o["seq"] as? String).flatMap { Int($0) }
        }
        #expect(seqs.count == sent)
        #expect(Set(seqs) == Set(0..<sent))
        // The file mirrors the store: the same events are there, read back the way users read them.
        let (status, stored, err) = try runTool(
            "activityctl", ["--data-dir", receiver.dataDir, "events", "--format", "jsonl", "--limit", "1000"])
        #expect(status == 0, "\(err)")
        #expect(stored.split(separator: "\n").count == sent)
    }
}
