import Foundation
import ActivityModel

/// Real `nats-server` processes with JetStream on loopback, for tests: one server, or a cluster of three
/// joined by routes. Each node gets free ports, its own store directory and its own config file; every
/// node still running is killed when the value is stopped (or the test process ends).
public final class NATSServers: @unchecked Sendable {
    // @unchecked Sendable: `processes` is guarded by `lock`.
    public struct Node: Sendable {
        public var name: String
        public var clientPort: Int
        public var clusterPort: Int
        public var configPath: String
        public var url: String { "nats://127.0.0.1:\(clientPort)" }
    }

    public let nodes: [Node]
    public let directory: String
    private let lock = NSLock()
    private var processes: [String: Process] = [:]
    nonisolated(unsafe) private static var all: [NATSServers] = []
    private static let allLock = NSLock()

    /// The `nats-server` binary: `$NATS_SERVER`, else the first on PATH, /usr/sbin or /usr/bin.
    public static var binary: String? {
        if let p = ProcessInfo.processInfo.environment["NATS_SERVER"], FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        let path =
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + [
                "/usr/sbin", "/usr/bin",
            ]
        return path.map { $0 + "/nats-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Why the NATS tests cannot run here, or nil when they can. Under `CI=true` a missing server is a failure
    /// for the caller to raise, not a reason to skip.
    public static var unavailableReason: String? {
        binary == nil ? "nats-server not found (apt-get install nats-server, or set NATS_SERVER)" : nil
    }

    public static var mustRun: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Writes the configs and starts `count` nodes (1: a single server; more: a cluster named `activity`).
    public init(count: Int, name: String = "nats", startNow: Bool = true) throws {
        directory = TestScratch.directory(name)
        var ports = try freePorts(count * 2)
        var ns: [Node] = []
        for i in 1...count {
            ns.append(
                Node(
                    name: "n\(i)", clientPort: ports.removeFirst(), clusterPort: ports.removeFirst(),
                    configPath: directory + "/n\(i).conf"))
        }
        nodes = ns
        for n in ns {
            var conf = """
                server_name: \(n.name)
                listen: 127.0.0.1:\(n.clientPort)
                jetstream {
                  store_dir: "\(directory)/\(n.name)"
                  max_memory_store: 64MB
                  max_file_store: 1GB
                }

                """
            if count > 1 {
                let routes = ns.filter { $0.name != n.name }.map { "nats-route://127.0.0.1:\($0.clusterPort)" }
                conf += """
                    cluster {
                      name: activity
                      listen: 127.0.0.1:\(n.clusterPort)
                      routes: [\(routes.joined(separator: ", "))]
                    }

                    """
            }
            try conf.write(toFile: n.configPath, atomically: true, encoding: .utf8)
        }
        NATSServers.allLock.withLock {
            if NATSServers.all.isEmpty { atexit { NATSServers.killAll() } }
            NATSServers.all.append(self)
        }
        if startNow { try startAll() }
    }

    /// Starts every node and waits until each accepts connections.
    public func startAll() throws {
        for n in nodes { try start(n.name) }
        for n in nodes { try waitListening(n.clientPort) }
    }

    public var urls: [String] { nodes.map(\.url) }

    /// Starts (or restarts) a node by name.
    public func start(_ name: String) throws {
        guard let n = nodes.first(where: { $0.name == name }), let bin = NATSServers.binary else {
            throw NATSTestError("no node \(name) or no nats-server")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["-c", n.configPath]
        p.standardOutput = FileHandle.nullDevice
        let logPath = directory + "/\(name).log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = FileHandle(forWritingAtPath: logPath)
        log?.seekToEndOfFile()
        p.standardError = log ?? FileHandle.nullDevice
        try p.run()
        lock.withLock { processes[name] = p }
    }

    /// Waits until a node accepts TCP connections.
    public func waitListening(_ port: Int, timeout: Double = 30) throws {
        let deadline = SystemClock.monotonicSeconds() + timeout
        while SystemClock.monotonicSeconds() < deadline {
            if canConnect(port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw NATSTestError("nats-server on port \(port) did not start")
    }

    /// SIGKILL one node and reap it.
    public func kill9(_ name: String) {
        guard let p = lock.withLock({ processes.removeValue(forKey: name) }) else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    public func signal(_ name: String, _ sig: Int32) {
        guard let p = lock.withLock({ processes[name] }) else { return }
        kill(p.processIdentifier, sig)
    }

    public func stopAll() {
        let ps = lock.withLock { () -> [Process] in
            let v = Array(processes.values)
            processes.removeAll()
            return v
        }
        for p in ps {
            kill(p.processIdentifier, SIGCONT)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
    }

    static func killAll() {
        for s in allLock.withLock({ all }) { s.stopAll() }
    }

    /// The node's log (stderr), for failure messages.
    public func log(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/\(name).log", encoding: .utf8)) ?? ""
    }
}

public struct NATSTestError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Ports the kernel hands out for port 0, released again (a small race with other processes binding them).
public func freePorts(_ n: Int) throws -> [Int] {
    var fds: [Int32] = []
    defer { fds.forEach { close($0) } }
    var ports: [Int] = []
    for _ in 0..<n {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NATSTestError("socket failed") }
        fds.append(fd)
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_addr.s_addr = inet_addr("127.0.0.1")
        sa.sin_port = 0
        let r = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard r == 0 else { throw NATSTestError("bind failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        ports.append(Int(UInt16(bigEndian: sa.sin_port)))
    }
    return ports
}

func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return withLoopbackAddress(port: port) { connect(fd, $0, $1) } == 0
}
