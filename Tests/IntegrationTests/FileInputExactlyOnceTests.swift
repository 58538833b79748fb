import Testing
import Foundation

@Suite("file input: exactly once across rotation and kill -9", .serialized)
struct FileInputExactlyOnceTests {
    @Test("100 rotations (rename and copytruncate alternately) and kill -9 restarts: every line's event exactly once")
    func rotationStormWithCrashes() throws {
        let dir = DaemonProcess.temporaryDirectory("files")
        let log = dir + "/auth.log"
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        let extra = """
            [[input.file]]
            paths = ["\(log)"]
            start_at = "beginning"
            """
        var daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
        _ = try daemon.waitReady()
        let linesPerRotation = 15
        let rotations = 100
        var n = 0
        var kills = 0
        let handle = { () throws -> FileHandle in
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            h.seekToEndOfFile()
            return h
        }
        var out = try handle()
        for r in 0..<rotations {
            for _ in 0..<linesPerRotation {
                n += 1
                let line =
                    "Nov 22 10:\(String(format: "%02d", (n / 60) % 60)):\(String(format: "%02d", n % 60)) testhost sshd[\(10_000 + n)]: Accepted password for user\(n) from 203.0.113.\(n % 250 + 1) port \(40_000 + n % 20_000) ssh2\n"
                out.write(Data(line.utf8))
            }
            Thread.sleep(forTimeInterval: 0.01)
            // A generation that is created and rotated away before the tailer opens it is lost to every tailer
            // (logrotate's own limit, and the documented one). On a loaded machine (CI runs the suites in
            // parallel) 100 ms is not always enough for that, so wait, bounded, until this generation's lines
            // are stored before rotating it; the kill -9s below still land mid-stream.
            let paced = Date().addingTimeInterval(20)
            while Date() < paced, try storedLogins(daemon) < n { Thread.sleep(forTimeInterval: 0.05) }
            if r % 2 == 0 {
                // rename rotation: the writer reopens a new file
                try out.close()
                let rotated = log + ".1"
                try? FileManager.default.removeItem(atPath: rotated)
                try FileManager.default.moveItem(atPath: log, toPath: rotated)
                #expect(FileManager.default.createFile(atPath: log, contents: nil))
                out = try handle()
            } else {
                // copytruncate: copy, then truncate in place (no appends in between)
                let rotated = log + ".1"
                try? FileManager.default.removeItem(atPath: rotated)
                try FileManager.default.copyItem(atPath: log, toPath: rotated)
                try out.truncate(atOffset: 0)
                out.seek(toFileOffset: 0)
            }
            // One rotation per ~100 ms: a tailer must open each generation before the next rotation removes it
            // (two rotations faster than the follower can see are the documented limit of every tailer).
            Thread.sleep(forTimeInterval: 0.1)
            if r % 20 == 10 {
                // kill -9 mid-stream, then restart on the same data directory
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.05))
                daemon.kill9()
                kills += 1
                daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
                _ = try daemon.waitReady()
            }
        }
        try out.close()
        // Wait until everything is stored.
        let deadline = Date().addingTimeInterval(30)
        var seen: [String] = []
        while Date() < deadline {
            let (_, text, _) = try runTool(
                "activityctl", ["--data-dir", daemon.dataDir, "events", "--action", "login", "--format", "jsonl"])
            seen = try jsonLines(text).compactMap { $0["user"] as? String }
            if seen.count >= n { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(try daemon.terminate() == 0)
        let counts = Dictionary(seen.map { ($0, 1) }, uniquingKeysWith: +)
        let missing = (1...n).filter { counts["user\($0)"] == nil }
        let duplicated = counts.filter { $0.value > 1 }.map(\.key)
        #expect(kills == 5)
        #expect(missing.isEmpty, "missing \(missing.count) of \(n): \(missing.prefix(20))")
        #expect(duplicated.isEmpty, "duplicated: \(duplicated.prefix(20))")
        #expect(seen.count == n)
        let (vStatus, vOut, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "verify"])
        #expect(vStatus == 0, "\(vOut)")
    }

    /// How many login events the store holds now.
    private func storedLogins(_ daemon: DaemonProcess) throws -> Int {
        let (_, text, _) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "events", "--action", "login", "--format", "jsonl"])
        return text.split(separator: "\n").count
    }
}
