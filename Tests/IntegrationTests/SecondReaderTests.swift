import Testing
import Foundation
import ActivityModel
import ActivityTestSupport

@Suite("contrib/activity-segments.py, the second reader", .serialized)
struct SecondReaderTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("contrib/activity-segments.py").path

    @Test("the stdlib-only Python reader agrees with activityctl on segments the daemon wrote")
    func pythonReaderAgrees() throws {
        let dir = DaemonProcess.temporaryDirectory("reader")
        let daemon = try DaemonProcess(dir: dir, extraConfig: "", listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        var g = EventGenerator(seed: 2026)
        var sent = 0
        for _ in 0..<300 {
            var lines: [String] = []
            for _ in 0..<10 {
                var e = g.event()
                e.origin = nil  // the daemon sets origin for UDP
                lines.append(e.exportJSON(includeSeq: false))
            }
            sendUDP(Array(lines.joined(separator: "\n").utf8), port: port)
            sent += 10
            if sent % 500 == 0 { Thread.sleep(forTimeInterval: 0.02) }
        }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try daemon.terminate() == 0)
        let (s1, ctl, e1) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "events", "--order", "seq", "--format", "jsonl"])
        #expect(s1 == 0, "\(e1)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", SecondReaderTests.script, daemon.dataDir]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let py = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let a = try jsonLines(ctl), b = try jsonLines(py)
        #expect(a.count == sent)
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(NSDictionary(dictionary: x).isEqual(to: y), "activityctl: \(x)\npython: \(y)")
        }
    }
}
