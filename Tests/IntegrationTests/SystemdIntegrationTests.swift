import Testing
import Foundation

/// Finds systemd-journal-remote (Debian: package systemd-journal-remote, installed by scripts/setup.sh).
func journalRemoteBinary() throws -> String {
    for p in ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
    where FileManager.default.isExecutableFile(atPath: p) { return p }
    throw TestFailure(
        "systemd-journal-remote not found: install the Debian package systemd-journal-remote (scripts/setup.sh does)")
}

/// Writes journal export-format entries and turns them into (or appends them to) a real journal file.
///
/// Each odd entry is followed by a cron entry that makes no event (the input reads no cursor for it), so a
/// range ending at an odd number ends with one: the batch position is then the cursor read at the end.
func writeJournal(_ path: String, entries: Range<Int>, dir: String) throws {
    var text = ""
    text.reserveCapacity(entries.count * 450)
    for i in entries {
        let realtime = 1_795_341_600_000_000 + i * 1000
        text +=
            "__REALTIME_TIMESTAMP=\(realtime)\n__MONOTONIC_TIMESTAMP=\(1_000_000 + 2 * i)\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
        text +=
            "_HOSTNAME=jhost\nSYSLOG_IDENTIFIER=sshd\n_COMM=sshd\n_PID=\(100_000 + i)\nPRIORITY=6\nSYSLOG_FACILITY=10\n"
        text +=
            "MESSAGE=Accepted password for juser\(i) from 198.51.100.\(i % 250 + 1) port \(30_000 + i % 30_000) ssh2\n\n"
        if i % 2 == 1 {
            text +=
                "__REALTIME_TIMESTAMP=\(realtime + 500)\n__MONOTONIC_TIMESTAMP=\(1_000_001 + 2 * i)\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
            text += "_HOSTNAME=jhost\nSYSLOG_IDENTIFIER=CRON\n_COMM=cron\n_PID=\(300_000 + i)\n"
            text += "MESSAGE=pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n\n"
        }
    }
    let export = dir + "/batch-\(entries.lowerBound).export"
    try text.write(toFile: export, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try journalRemoteBinary())
    p.arguments = ["-o", path, export]
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw TestFailure("systemd-journal-remote failed with \(p.terminationStatus)")
    }
}

/// An AF_UNIX datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    let fd: Int32
    init(dir: String) throws {
        path = dir + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) {
            for (i, b) in bytes.enumerated() where i < $0.count - 1 { $0[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else { throw TestFailure("bind notify socket failed") }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
    deinit { close(fd); unlink(path) }

    /// Collects messages until `until` matches one or the time is up.
    func collect(timeout: Double, until: (String) -> Bool) -> [String] {
        var out: [String] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let n = recv(fd, &buf, buf.count, 0)
            if n > 0 {
                let m = String(decoding: buf[0..<n], as: UTF8.self)
                out.append(m)
                if until(m) { break }
            }
        }
        return out
    }
}

@Suite("systemd: notify protocol and the journal input", .serialized)
struct SystemdIntegrationTests {
    @Test("READY=1 once bound, STATUS= with counters, WATCHDOG=1, STOPPING=1 on SIGTERM, on a real notify socket")
    func notifyProtocol() throws {
        let dir = DaemonProcess.temporaryDirectory("notify")
        let sock = try NotifySocket(dir: dir)
        let daemon = try DaemonProcess(
            dir: dir, listen: ["127.0.0.1:0"],
            environment: ["NOTIFY_SOCKET": sock.path, "WATCHDOG_USEC": "400000"])
        let first = sock.collect(timeout: 30) { $0.contains("READY=1") }
        #expect(first.contains { $0.contains("READY=1") }, "\(first)\n\(daemon.log)")
        let port = try daemon.waitReady()[0]
        sendUDP(Array(#"{"action":"login","user":"n"}"#.utf8), port: port)
        let more = sock.collect(timeout: 5) { $0.contains("STATUS=stored 1 events") }
        #expect(more.contains { $0.contains("WATCHDOG=1") })
        #expect(more.contains { $0.hasPrefix("STATUS=stored 1 events") }, "\(more)")
        daemon.process.terminate()
        let last = sock.collect(timeout: 10) { $0.contains("STOPPING=1") }
        #expect(last.contains { $0.contains("STOPPING=1") }, "\(last)")
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
    }

    @Test(
        "a notify socket nobody reads never holds the daemon: READY, WATCHDOG and STATUS give up at once and are counted; SIGTERM is prompt"
    )
    func notifySocketNobodyReads() throws {
        let dir = DaemonProcess.temporaryDirectory("notify-stuck")
        let sock = try NotifySocket(dir: dir)  // bound, never read: its queue (net.unix.max_dgram_qlen) fills
        let daemon = try DaemonProcess(
            dir: dir, extraConfig: "[metrics]\nlisten = \"127.0.0.1:0\"\n", listen: ["127.0.0.1:0"],
            environment: ["NOTIFY_SOCKET": sock.path, "WATCHDOG_USEC": "100000"])
        let port = try daemon.waitReady()[0]
        let mport = try #require(metricsPort(daemon.log))
        // A watchdog ping every 50 ms fills a queue of 10 (the kernel's default) within a second.
        var unsent = 0.0
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && unsent == 0 {
            Thread.sleep(forTimeInterval: 0.2)
            unsent = metric(try httpGet(port: mport, path: "/metrics"), "activityd_notify_unsent_total") ?? 0
        }
        #expect(unsent > 0, "nothing counted as unsent: \(daemon.log.suffix(2000))")
        // The daemon still works while its notifications go nowhere.
        sendUDP(Array(#"{"action":"login","user":"stuck.notify"}"#.utf8), port: port)
        Thread.sleep(forTimeInterval: 0.5)
        let t0 = Date()
        let status = try daemon.terminate(timeout: 20)
        let took = Date().timeIntervalSince(t0)
        #expect(status == 0)
        #expect(took < 5, "SIGTERM took \(took) s")
        let stats = try #require(readStats(daemon.dataDir))
        #expect((stats["notify_unsent"] as? Int ?? 0) > 0, "\(stats)")
        let (_, out, _) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "jsonl", "--output-fields", "user"])
        #expect(out.contains("stuck.notify"))
        print(
            "notify socket nobody reads: \(stats["notify_unsent"] ?? 0) notifications unsent, SIGTERM took \(String(format: "%.2f", took)) s"
        )
    }

    @Test(
        "a 150k-entry journal imported with kill -9 at random points: every login's event exactly once, cron noise none; appended entries followed"
    )
    func journalExactlyOnce() throws {
        let dir = DaemonProcess.temporaryDirectory("journal")
        // systemd-journal-remote rotates its output into several files at this size: read the directory.
        let journalDir = dir + "/journal"
        try FileManager.default.createDirectory(atPath: journalDir, withIntermediateDirectories: true)
        let journal = journalDir + "/import.journal"
        let total = 100_000
        try writeJournal(journal, entries: 0..<total, dir: dir)
        let extra = """
            [input.journald]
            directory = "\(journalDir)"
            """
        var daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
        _ = try daemon.waitReady()
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: Double.random(in: 0.2...0.8))
            daemon.kill9()
            daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
            _ = try daemon.waitReady()
        }
        // Entries appended while the daemon follows the file.
        try writeJournal(journal, entries: total..<(total + 500), dir: dir)
        let deadline = Date().addingTimeInterval(120)
        var users: [Substring] = []
        while Date() < deadline {
            let (_, out, _) = try runTool(
                "activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "jsonl", "--output-fields", "user"])
            users = out.split(separator: "\n")
            if users.count >= total + 500 { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(try daemon.terminate() == 0)
        let set = Set(users)
        #expect(users.count == total + 500, "stored \(users.count) events for \(total + 500) entries")
        #expect(set.count == users.count, "\(users.count - set.count) duplicates")
        #expect(set.contains(#"{"user":"juser0"}"#) && set.contains(#"{"user":"juser100499"}"#))
        let (vStatus, vOut, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "verify"])
        #expect(vStatus == 0, "\(vOut)")
    }
}
