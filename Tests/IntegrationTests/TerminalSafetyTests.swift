import Testing
import Foundation
import ActivityModel
import ActivityStore

// activityctl's JSON and CSV on a real terminal (a pty made by script(1)) versus a pipe: on the terminal nothing
// in stored data may act on it (ESC sequences, BEL, C1 controls, bidi overrides); through a pipe the bytes are
// exact. (A plain comment, not ///: swift-testing prints a suite's doc comment with every failure.)
@Suite(
    "activityctl on a terminal: JSON and CSV escaped, exact through a pipe",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) from util-linux"))
struct TerminalSafetyTests {
    static let hostileUser = "mallory\u{1B}]0;owned\u{07}\u{1B}[2J"
    static let hostileDevice = "evil\u{202E}gpj.exe\u{9B}31m"
    static let hostileComment = "bell\u{07}del\u{7F}cr\rover"

    static let store = Result { () throws -> String in
        let data = DaemonProcess.temporaryDirectory("terminal") + "/data"
        let w = try SegmentWriter(
            dataDirectory: data, options: StoreOptions(), host: "tty", now: Timestamp(seconds: 1_772_900_000))
        var e = ActivityEvent(
            time: Timestamp(seconds: 1_772_900_000), category: .login, action: Action(rawValue: "login"),
            outcome: .success, user: hostileUser)
        e.device = hostileDevice
        e.comment = hostileComment
        e.ip = IPAddress("192.0.2.9")
        try w.append([e], now: Timestamp(seconds: 1_772_900_001))
        try w.close()
        return data
    }

    /// Runs activityctl with its stdout on a pty (script -q, typescript to /dev/null); what reached the terminal,
    /// with the pty's CR before each LF (onlcr) taken out.
    func onTerminal(_ args: [String]) throws -> String {
        let bin = DaemonProcess.binDir.appendingPathComponent("activityctl").path
        let command = ([bin] + args).map(shellQuoted).joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qefc", "stty -onlcr; exec " + command, "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(args)")
        return String(decoding: bytes, as: UTF8.self)
    }

    static func activeScalars(_ text: String) -> [String] {
        var found: [String] = []
        let scalars = Array(text.unicodeScalars)
        for (i, s) in scalars.enumerated() {
            let v = s.value
            if v == 0x09 || v == 0x0A || (v == 0x0D && i + 1 < scalars.count && scalars[i + 1] == "\n") { continue }
            if v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                found.append(String(format: "U+%04X", v))
            }
        }
        return found
    }

    static let commands: [[String]] = [
        ["events", "--format", "jsonl"], ["events", "--format", "json"], ["events", "--format", "csv"],
        ["export", "--csv"], ["tail", "-n", "5"], ["users", "--format", "json"],
    ]

    @Test(
        "on a pty nothing active reaches the terminal, and JSON still parses to the stored values", arguments: commands)
    func terminal(_ command: [String]) throws {
        let dir = try Self.store.get()
        let shown = try onTerminal(["--data-dir", dir] + command)
        #expect(!shown.isEmpty)
        #expect(
            Self.activeScalars(shown).isEmpty, "\(command): \(Self.activeScalars(shown)) in \(shown.debugDescription)")
        #expect(shown.contains("mallory"))
        if command.contains("jsonl") || command.first == "tail" {
            let line = try #require(shown.split(separator: "\n").first { $0.contains("mallory") })
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(o["user"] as? String == Self.hostileUser)
            #expect(o["device"] as? String == Self.hostileDevice)
            #expect(o["comment"] as? String == Self.hostileComment)
        }
        if command.contains("csv") || command.contains("--csv") {
            #expect(shown.contains("mallory\\x1b]0;owned\\x07\\x1b[2J"), "\(shown.debugDescription)")
            #expect(shown.contains("evil\\u202egpj.exe\\u009b31m"), "\(shown.debugDescription)")
        }
    }

    @Test("through a pipe the bytes are exact: CSV carries the raw characters, JSON only what JSON itself escapes")
    func pipe() throws {
        let dir = try Self.store.get()
        let (_, csv, _) = try runActivityctl(["--data-dir", dir, "events", "--format", "csv"])
        #expect(csv.contains(Self.hostileUser))
        #expect(csv.contains(Self.hostileDevice))
        let (_, jsonl, _) = try runActivityctl(["--data-dir", dir, "events", "--format", "jsonl"])
        // JSON escapes C0 itself; DEL, C1 and bidi characters are valid raw in JSON and stay raw.
        #expect(jsonl.contains("evil\u{202E}gpj.exe\u{9B}31m"))
        #expect(jsonl.contains("del\u{7F}cr"))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(jsonl.utf8)) as? [String: Any])
        #expect(o["user"] as? String == Self.hostileUser)
    }
}
