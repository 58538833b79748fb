import Foundation
import ActivityModel
import ActivityTestSupport

/// Runs the built `activityd` binary as a child process, as an operator would.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked Sendable: `stderrText` is guarded by `lock`; the rest is set in init.
    let process = Process()
    let dataDir: String
    let configPath: String
    private let lock = NSLock()
    private var stderrText = ""

    static var binDir: URL {
        if let d = ProcessInfo.processInfo.environment["ACTIVITYD_BIN_DIR"] { return URL(fileURLWithPath: d) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    static func temporaryDirectory(_ name: String) -> String {
        TestScratch.directory("it-\(name)")
    }

    init(
        dir: String, extraConfig: String = "", storeConfig: String = "", listen: [String] = ["127.0.0.1:0", "[::1]:0"],
        environment: [String: String] = [:], executable: String = "activityd", arguments: ((String) -> [String])? = nil
    ) throws {
        dataDir = dir + "/data"
        configPath = dir + "/activityd.toml"
        let config = """
            data_dir = "\(dataDir)"
            [store]
            segment_max_bytes = "64KiB"
            fsync = "interval"
            fsync_interval = "100ms"
            \(storeConfig)
            [[input.udp]]
            listen = [\(listen.map { "\"\($0)\"" }.joined(separator: ", "))]
            allow = ["127.0.0.0/8", "::1/128"]
            receive_buffer = "1MiB"
            \(extraConfig)
            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        process.executableURL = DaemonProcess.binDir.appendingPathComponent(executable)
        process.arguments = arguments?(configPath) ?? ["--config", configPath, "--log-level", "info"]
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.lock.withLock { self.stderrText += String(decoding: d, as: UTF8.self) }
        }
        try process.run()
    }

    var log: String { lock.withLock { stderrText } }

    /// Waits for the "ready" line and returns the bound UDP ports (IPv4 first).
    func waitReady(timeout: Double = 60) throws -> [Int] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = log
            if let line = text.split(separator: "\n").first(where: {
                $0.contains("] ready") || $0.contains(" ready") && $0.contains("udp=")
            }) {
                // udp=[IPv4]127.0.0.1/127.0.0.1:PORT [IPv6]::1/::1:PORT
                return line.split(separator: " ").compactMap { part -> Int? in
                    guard part.contains("[IPv") else { return nil }
                    return part.split(separator: ":").last.flatMap { Int($0) }
                }
            }
            guard process.isRunning else { throw TestFailure("activityd exited early: \(text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("activityd not ready in time: \(log)")
    }

    func terminate(timeout: Double = 30) throws -> Int32 {
        process.terminate()  // SIGTERM
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL); throw TestFailure("activityd ignored SIGTERM")
        }
        return process.terminationStatus
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs a built tool and returns (exit status, stdout, stderr).
@discardableResult
func runTool(_ name: String, _ args: [String]) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = DaemonProcess.binDir.appendingPathComponent(name)
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Sends one datagram to a loopback port.
func sendUDP(_ bytes: [UInt8], port: Int, v6: Bool = false) {
    let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    if v6 {
        var sa = sockaddr_in6()
        sa.sin6_family = sa_family_t(AF_INET6)
        sa.sin6_port = UInt16(port).bigEndian
        sa.sin6_addr = in6addr_loopback
        _ = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    } else {
        _ = withLoopbackAddress(port: port) { sendto(fd, bytes, bytes.count, 0, $0, $1) }
    }
}

func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map {
        guard let o = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else {
            throw TestFailure("not an object: \($0)")
        }
        return o
    }
}
