import Testing
import Foundation

@Suite("systemd units")
struct SystemdUnitTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func analyze(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["systemd-analyze"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// The units with ExecStart pointing at the built binary (verify checks that it exists).
    func stagedUnits() throws -> String {
        let dir = DaemonProcess.temporaryDirectory("units")
        let bin = DaemonProcess.binDir.appendingPathComponent("activityd").path
        for name in ["activityd.service", "activityd.socket"] {
            let text = try String(
                contentsOf: SystemdUnitTests.root.appendingPathComponent("systemd/" + name), encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/bin/activityd", with: bin).write(
                toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test("systemd-analyze verify is clean for the service and socket units")
    func verify() throws {
        let dir = try stagedUnits()
        let (status, text) = try analyze(["verify", dir + "/activityd.service", dir + "/activityd.socket"])
        #expect(status == 0, "\(text)")
        #expect(!text.contains("activityd.service:") && !text.contains("activityd.socket:"), "\(text)")
    }

    @Test("systemd-analyze security --offline=yes rates the service OK or better")
    func security() throws {
        let dir = try stagedUnits()
        let (_, text) = try analyze(["security", "--offline=yes", dir + "/activityd.service"])
        let line = text.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let level = Double(line.split(separator: " ").first { Double($0) != nil } ?? "") ?? 99
        #expect(level <= 3.9, "\(line)")  // systemd: ≤ 3.9 is OK, ≤ 1.9 SAFE
        print("systemd-analyze security: \(line)")
    }
}
