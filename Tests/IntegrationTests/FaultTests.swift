import Testing
import Foundation
import Synchronization

/// Long variants run with ACTIVITYD_LONG_TESTS=1 (documented in docs/reliability.md).
let longTests = ProcessInfo.processInfo.environment["ACTIVITYD_LONG_TESTS"] == "1"

func readStats(_ dataDir: String) -> [String: Any]? {
    guard let d = FileManager.default.contents(atPath: dataDir + "/stats.json") else { return nil }
    return (try? JSONSerialization.jsonObject(with: d)) as? [String: Any]
}

/// Resident set size of a process in KiB (VmRSS from /proc).
func rssKiB(_ pid: Int32) -> Int? {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return nil }
    return Int(line.split(separator: " ").dropFirst().first ?? "")
}

/// Kernel drops on the UDP socket bound to `port` (the `drops` column of /proc/net/udp and udp6).
func kernelUDPDrops(port: Int) -> Int {
    let hex = String(format: ":%04X", port)
    var total = 0
    for file in ["/proc/net/udp", "/proc/net/udp6"] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let cols = line.split(separator: " ")
            if cols.count > 2, cols[1].hasSuffix(hex), let d = Int(cols.last ?? "") { total += d }
        }
    }
    return total
}

func metricsPort(_ log: String) -> Int? {
    let line = log.split(separator: "\n").first { $0.contains("metrics endpoint listening") }
    return line.flatMap { $0.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) } }
}

/// Runs a command through `/usr/bin/env`; its exit status (the full-disk tests mount a tmpfs with it).
func sh(_ args: [String]) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// Runs `body` with a fresh test directory whose `data` subdirectory is a 512 KiB tmpfs, unmounted afterwards
/// (the full-disk tests; needs root).
func withSmallDisk(_ name: String, _ body: (_ dir: String, _ mnt: String) throws -> Void) throws {
    let dir = DaemonProcess.temporaryDirectory(name)
    let mnt = dir + "/data"
    try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
    try #require(try sh(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt]) == 0, "mount tmpfs failed")
    defer { _ = try? sh(["umount", "-l", mnt]) }
    try body(dir, mnt)
}

/// ~2 MB of padded events into a daemon whose data directory is a 512 KiB tmpfs: the store hits ENOSPC.
func fillSmallDisk(port: Int) {
    let padding = String(repeating: "x", count: 1500)
    for i in 0..<1500 {
        sendUDP(
            Array(#"{"action":"file_uploaded","user":"disk","comment":"\#(padding)","attrs":{"i":"\#(i)"}}"#.utf8),
            port: port)
        if i % 50 == 0 { Thread.sleep(forTimeInterval: 0.01) }
    }
}

func metric(_ text: String, _ name: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.split(separator: " ").last ?? "")
    }
    return nil
}

@Suite("faults: kill -9 loops, full disk, hostile input", .serialized)
struct FaultTests {
    @Test(
        "crash loop: kill -9 at 20 random moments under UDP and file load; verify clean, no seq repeated, file lines exactly once, durable UDP events kept"
    )
    func crashLoop() throws {
        let dir = DaemonProcess.temporaryDirectory("crashloop")
        let log = dir + "/auth.log"
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        let extra = """
            [[input.file]]
            paths = ["\(log)"]
            start_at = "beginning"
            """
        var daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
        var port = try daemon.waitReady()[0]
        let stop = Atomic<Bool>(false)
        let linesWritten = Atomic<Int>(0)
        let portBox = Mutex(port)
        // File load: numbered sshd lines.
        let fileWriter = Thread {
            let h = FileHandle(forWritingAtPath: log)!
            var n = 0
            while !stop.load(ordering: .relaxed) {
                n += 1
                h.write(
                    Data(
                        "Nov 22 10:00:00 h sshd[\(n)]: Accepted password for fuser\(n) from 203.0.113.5 port \(n % 60000) ssh2\n"
                            .utf8))
                linesWritten.store(n, ordering: .relaxed)
                usleep(1500)
            }
            try? h.close()
        }
        // UDP load: unique ids in attrs.
        let udpSender = Thread {
            var n = 0
            while !stop.load(ordering: .relaxed) {
                n += 1
                sendUDP(
                    Array(#"{"action":"page_viewed","user":"udp","attrs":{"id":"\#(n)"}}"#.utf8),
                    port: portBox.withLock { $0 })
                usleep(500)
            }
        }
        fileWriter.start()
        udpSender.start()
        let kills = longTests ? 50 : 20
        var mustKeep = Set<String>()  // UDP ids committed and fsynced before a kill
        for _ in 0..<kills {
            Thread.sleep(forTimeInterval: Double.random(in: 0.1...0.6))
            // What is durable now: committed events with seq <= durable_seq (stats.json is at most 2 s old,
            // so this under-approximates, which keeps the check sound).
            let durable = (readStats(daemon.dataDir)?["durable_seq"] as? Int) ?? 0
            let (_, out, _) = try runTool(
                "activityctl",
                [
                    "--data-dir", daemon.dataDir, "events", "--user", "udp", "--format", "jsonl", "--output-fields",
                    "seq,attrs.id",
                ])
            for o in try jsonLines(out) where (o["seq"] as? Int) ?? .max <= durable {
                if let id = o["attrs.id"] as? String { mustKeep.insert(id) }
            }
            daemon.kill9()
            daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
            port = try daemon.waitReady()[0]
            portBox.withLock { $0 = port }
        }
        stop.store(true, ordering: .relaxed)
        Thread.sleep(forTimeInterval: 0.2)
        let total = linesWritten.load(ordering: .relaxed)
        let deadline = Date().addingTimeInterval(60)
        var fileUsers: [String] = []
        while Date() < deadline {
            let (_, out, _) = try runTool(
                "activityctl",
                [
                    "--data-dir", daemon.dataDir, "events", "--action", "login", "--format", "jsonl", "--output-fields",
                    "user",
                ])
            fileUsers = try jsonLines(out).compactMap { $0["user"] as? String }
            if fileUsers.count >= total { break }
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect(try daemon.terminate() == 0)
        let counts = Dictionary(fileUsers.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(fileUsers.count == total, "file lines: \(total), login events: \(fileUsers.count)")
        #expect(counts.values.allSatisfy { $0 == 1 }, "duplicated file lines")
        #expect((1...total).allSatisfy { counts["fuser\($0)"] != nil })
        let (_, all, _) = try runTool(
            "activityctl",
            [
                "--data-dir", daemon.dataDir, "events", "--order", "seq", "--format", "jsonl", "--output-fields",
                "seq,attrs.id",
            ])
        let rows = try jsonLines(all)
        let seqs = rows.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count, "sequence numbers repeated or out of order")
        let kept = Set(rows.compactMap { $0["attrs.id"] as? String })
        let lost = mustKeep.subtracting(kept)
        #expect(!mustKeep.isEmpty)
        #expect(lost.isEmpty, "\(lost.count) durable UDP events lost")
        let (vStatus, vOut, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "verify"])
        #expect(vStatus == 0, "\(vOut)")
        print(
            "crash loop: \(kills) kills, \(total) file lines exactly once, \(mustKeep.count) durable UDP events all kept, \(seqs.count) events, verify clean"
        )
    }

    @Test(
        "full disk: writes hit ENOSPC, the daemon keeps running, pauses and says so, counts UDP drops, resumes when space returns; nothing torn",
        .enabled(if: getuid() == 0, "needs root to mount a size-limited tmpfs"))
    func fullDisk() throws {
        try withSmallDisk("fulldisk") { dir, mnt in
            let sock = try NotifySocket(dir: dir)
            let daemon = try DaemonProcess(
                dir: dir, extraConfig: "[metrics]\nlisten = \"127.0.0.1:0\"\n", listen: ["127.0.0.1:0"],
                environment: ["NOTIFY_SOCKET": sock.path])
            let port = try daemon.waitReady()[0]
            let mport = try #require(metricsPort(daemon.log))
            fillSmallDisk(port: port)
            Thread.sleep(forTimeInterval: 2.5)
            let during = try httpGet(port: mport, path: "/metrics")
            #expect(daemon.process.isRunning)
            #expect(metric(during, "activityd_store_paused") == 1, "\(during)")
            #expect(during.contains("activityd_store_errors_total{kind=\"no_space\"}"))
            let notified = sock.collect(timeout: 3) { $0.contains("STORE PAUSED") }
            #expect(notified.contains { $0.contains("STORE PAUSED") })
            #expect(daemon.log.contains("store write failed"))
            // stats.json (what `activityctl stats` shows) says paused too, rewritten in place on the full disk.
            var statsPaused = false
            for _ in 0..<30 where !statsPaused {
                statsPaused = readStats(mnt)?["store_paused"] as? Bool == true
                if !statsPaused { Thread.sleep(forTimeInterval: 0.2) }
            }
            #expect(statsPaused, "stats.json: \(readStats(mnt) ?? [:])")
            let (_, ctlStats, _) = try runTool("activityctl", ["--data-dir", mnt, "stats", "--json"])
            #expect(ctlStats.contains("\"store_paused\":true"), "\(ctlStats)")
            // More UDP while paused: held up to the queues' bounds, then reading pauses (the socket buffer holds
            // what it can) and the kernel drops the rest, counted on the socket.
            for i in 0..<150_000 {
                sendUDP(Array(#"{"action":"page_viewed","user":"late"}"#.utf8), port: port)
                if i % 200 == 0 { usleep(1000) }
            }
            Thread.sleep(forTimeInterval: 1)
            let dropped = try httpGet(port: mport, path: "/metrics")
            #expect((metric(dropped, "activityd_udp_read_pauses_total") ?? 0) >= 1, "\(dropped)")
            #expect(
                (metric(dropped, "activityd_kernel_drops_total") ?? 0) > 0
                    || dropped.contains("activityd_dropped_total{reason="), "\(dropped)")
            // Space returns.
            #expect(try sh(["mount", "-o", "remount,size=64m", mnt]) == 0)
            let deadline = Date().addingTimeInterval(15)
            var resumed = false
            while Date() < deadline {
                if metric(try httpGet(port: mport, path: "/metrics"), "activityd_store_paused") == 0 {
                    resumed = true; break
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
            #expect(resumed)
            // The backlog held while paused (the queues, then the socket buffer) drains first: wait until the
            // stored count stops moving (a fixed wait raced the drain when the host was busy). A datagram sent
            // while the socket buffer is still full would be dropped by the kernel (and counted), so the event
            // that proves writes resumed is sent after the drain.
            func settle() throws -> String {
                var last = try httpGet(port: mport, path: "/metrics")
                let until = Date().addingTimeInterval(20)
                while Date() < until {
                    Thread.sleep(forTimeInterval: 0.5)
                    let next = try httpGet(port: mport, path: "/metrics")
                    let stable =
                        metric(next, "activityd_events_stored_total") == metric(last, "activityd_events_stored_total")
                    last = next
                    if stable { break }
                }
                return last
            }
            _ = try settle()
            sendUDP(Array(#"{"action":"login","user":"after.disk"}"#.utf8), port: port)
            let final = try settle()
            let status = try daemon.terminate()
            #expect(status == 0, "exit \(status): \(daemon.log.suffix(3000))")
            let (vStatus, vOut, _) = try runTool("activityctl", ["--data-dir", mnt, "verify"])
            #expect(vStatus == 0, "\(vOut)")
            let (_, out, _) = try runTool(
                "activityctl", ["--data-dir", mnt, "events", "--format", "jsonl", "--output-fields", "user"])
            let stored = out.split(separator: "\n").count
            #expect(Double(stored) == metric(final, "activityd_events_stored_total"))
            #expect(out.contains("after.disk"))
            print(
                "full disk: paused with no_space, \(metric(dropped, "activityd_events_accepted_total") ?? 0) accepted, \(stored) stored after resume, verify clean"
            )
        }
    }

    @Test(
        "stopping while the disk is still full: SIGTERM ends the retrying, the exit is prompt and clean, the loss is logged and what was written verifies",
        .enabled(if: getuid() == 0, "needs root to mount a size-limited tmpfs"))
    func stopWhileDiskFull() throws {
        try withSmallDisk("fullstop") { dir, mnt in
            let daemon = try DaemonProcess(
                dir: dir, extraConfig: "[metrics]\nlisten = \"127.0.0.1:0\"\n", listen: ["127.0.0.1:0"])
            let port = try daemon.waitReady()[0]
            let mport = try #require(metricsPort(daemon.log))
            fillSmallDisk(port: port)
            var paused = false
            for _ in 0..<50 where !paused {
                Thread.sleep(forTimeInterval: 0.2)
                paused = metric(try httpGet(port: mport, path: "/metrics"), "activityd_store_paused") == 1
            }
            try #require(paused, "the store never paused")
            // Still full when the stop comes: before, the store retried forever and the shutdown waited for it.
            let t0 = Date()
            let status = try daemon.terminate(timeout: 20)
            let took = Date().timeIntervalSince(t0)
            #expect(status == 0, "exit \(status): \(daemon.log.suffix(2000))")
            #expect(took < 10, "took \(took) s")
            #expect(daemon.log.contains("events not written"), "\(daemon.log.suffix(2000))")
            let (vStatus, vOut, _) = try runTool("activityctl", ["--data-dir", mnt, "verify"])
            #expect(vStatus == 0, "\(vOut)")
            print(
                "stop while disk full: exit \(status) in \(String(format: "%.1f", took)) s, loss logged, verify clean")
        }
    }

    @Test(
        "full disk at start with an empty data directory: the daemon starts paused, as with an existing store; no empty segment is left; it opens when space returns",
        .enabled(if: getuid() == 0, "needs root to mount a size-limited tmpfs"))
    func fullDiskAtStart() throws {
        try withSmallDisk("fullstart") { dir, mnt in
            // Fill the tmpfs to the last page.
            _ = try sh(["sh", "-c", "dd if=/dev/zero of=\(mnt)/filler bs=4k 2>/dev/null; sync"])
            func segmentFiles() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: mnt + "/segments")) ?? []).filter {
                    $0.hasSuffix(".seg")
                }
            }
            // First: started and stopped while still full.
            var daemon = try DaemonProcess(
                dir: dir, extraConfig: "[metrics]\nlisten = \"127.0.0.1:0\"\n", listen: ["127.0.0.1:0"])
            var port = try daemon.waitReady()[0]
            var mport = try #require(metricsPort(daemon.log))
            let during = try httpGet(port: mport, path: "/metrics")
            #expect(metric(during, "activityd_store_paused") == 1, "\(during)")
            #expect(during.contains("activityd_store_errors_total{kind=\"no_space\"}"), "\(during)")
            #expect(daemon.log.contains("cannot open the data directory: no space"))
            sendUDP(Array(#"{"action":"login","user":"lost.at.start"}"#.utf8), port: port)
            Thread.sleep(forTimeInterval: 1.5)
            let t0 = Date()
            var status = try daemon.terminate(timeout: 20)
            #expect(status == 0, "exit \(status): \(daemon.log.suffix(2000))")
            #expect(Date().timeIntervalSince(t0) < 10)
            #expect(daemon.log.contains("events not written"), "\(daemon.log.suffix(2000))")
            #expect(segmentFiles().isEmpty, "left behind: \(segmentFiles())")

            // Then: started full, and space returns while it runs.
            daemon = try DaemonProcess(
                dir: dir, extraConfig: "[metrics]\nlisten = \"127.0.0.1:0\"\n", listen: ["127.0.0.1:0"])
            port = try daemon.waitReady()[0]
            mport = try #require(metricsPort(daemon.log))
            #expect(metric(try httpGet(port: mport, path: "/metrics"), "activityd_store_paused") == 1)
            sendUDP(Array(#"{"action":"login","user":"held.while.full"}"#.utf8), port: port)
            Thread.sleep(forTimeInterval: 0.5)
            try FileManager.default.removeItem(atPath: mnt + "/filler")
            var resumed = false
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline && !resumed {
                Thread.sleep(forTimeInterval: 0.2)
                resumed = metric(try httpGet(port: mport, path: "/metrics"), "activityd_store_paused") == 0
            }
            #expect(resumed, "\(daemon.log.suffix(2000))")
            sendUDP(Array(#"{"action":"login","user":"after.space"}"#.utf8), port: port)
            Thread.sleep(forTimeInterval: 1)
            status = try daemon.terminate()
            #expect(status == 0)
            let (vStatus, vOut, _) = try runTool("activityctl", ["--data-dir", mnt, "verify"])
            #expect(vStatus == 0, "\(vOut)")
            let (_, out, _) = try runTool(
                "activityctl", ["--data-dir", mnt, "events", "--format", "jsonl", "--output-fields", "user"])
            #expect(out.contains("held.while.full"), "\(out)")
            #expect(out.contains("after.space"), "\(out)")
            #expect(!out.contains("lost.at.start"))
            print(
                "full disk at start: ready and paused, clean stop with no empty segment; opened when space returned, held event stored"
            )
        }
    }

    @Test("hostile UDP interleaved with valid events: all valid stored, every rejection counted by reason, RSS bounded")
    func hostileUDP() throws {
        let dir = DaemonProcess.temporaryDirectory("hostile")
        let daemon = try DaemonProcess(
            dir: dir, extraConfig: "[metrics]\nlisten = \"127.0.0.1:0\"\n", listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        let mport = try #require(metricsPort(daemon.log))
        var rng = SystemRandomNumberGenerator()
        let deep = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        let hostile: [[UInt8]] = [
            (0..<200).map { _ in UInt8.random(in: 0...255, using: &rng) },
            Array(#"{"action":"login","user":"tr"#.utf8),
            Array(deep.utf8),
            Array(("{\"action\":\"login\",\"comment\":\"" + String(repeating: "A", count: 65_400) + "\"}").utf8),
            Array(
                #"{"action":"login","n":123456789012345678901234567890123456789012345678901234567890123456789012}"#.utf8
            ),
            [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D],
            Array(#"{"action":"login","user":"nul\u0000byte"}"#.utf8) + [0, 0, 0],
            Array(#"{"action":"login","action":"logout"}"#.utf8),
            [],
        ]
        var valid = 0
        let users = longTests ? 1_000_000 : 100_000
        let rss0 = rssKiB(daemon.process.processIdentifier) ?? 0
        for i in 0..<users {
            // A million distinct users (100k in the short run) must not grow memory without bound.
            sendUDP(
                Array(#"{"action":"login","user":"distinct\#(i)","ip":"81.2.69.\#(i % 250 + 1)"}"#.utf8), port: port)
            valid += 1
            if i % 10 == 0 { sendUDP(hostile[(i / 10) % hostile.count], port: port) }
            if i % 100 == 0 { Thread.sleep(forTimeInterval: 0.005) }  // ~20k datagrams/s
        }
        // Wait until the counters settle (the pipeline may still be working through its queue).
        var text = try httpGet(port: mport, path: "/metrics")
        for _ in 0..<60 {
            Thread.sleep(forTimeInterval: 0.5)
            let next = try httpGet(port: mport, path: "/metrics")
            if metric(next, "activityd_events_stored_total") == metric(text, "activityd_events_stored_total")
                && metric(next, "activityd_datagrams_received_total")
                    == metric(text, "activityd_datagrams_received_total")
            {
                text = next; break
            }
            text = next
        }
        let rss1 = rssKiB(daemon.process.processIdentifier) ?? 0
        let kernelDropped = kernelUDPDrops(port: port)
        #expect(daemon.process.isRunning)
        // (A 64 KiB datagram is valid and stored; "oversized" cannot occur over UDP, whose payload is < 64 KiB.)
        for reason in ["invalid_json", "too_deep", "invalid_utf8", "duplicate_key", "empty_datagram"] {
            #expect(text.contains("activityd_rejected_total{reason=\"\(reason)\"}"), "no \(reason) counter")
        }
        let droppedLines = text.split(separator: "\n").filter { $0.hasPrefix("activityd_dropped_total{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(try daemon.terminate() == 0)
        // Final counters (stats.json is rewritten at a clean stop).
        let stats = readStats(daemon.dataDir) ?? [:]
        let finalAccepted = Double(stats["events_accepted"] as? Int ?? -1)
        let (_, out, _) = try runTool(
            "activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "jsonl", "--output-fields", "user"])
        let stored = out.split(separator: "\n").count
        // Nothing is lost silently: every datagram sent was either received by the daemon (and then stored,
        // rejected with a reason, or dropped and counted) or dropped by the kernel and counted on the socket.
        let received = Int(stats["datagrams_received"] as? Int ?? -1)
        let sent = valid + users / 10
        #expect(received + kernelDropped == sent, "sent \(sent), received \(received), kernel drops \(kernelDropped)")
        // Drops happen where datagrams enter (queue_full), before decoding: every accepted event is stored.
        #expect(Double(stored) == finalAccepted)
        #expect(stored > 0 && droppedLines >= 0)
        #expect(rss1 < 150 * 1024, "RSS \(rss1) KiB")
        print(
            "hostile UDP: \(valid) valid + \(users / 10) hostile datagrams; stored \(stored); RSS \(rss0) → \(rss1) KiB"
        )
    }

    @Test(
        "segments are 0640 and directories 0750; activityctl without read access says so clearly",
        .enabled(if: getuid() == 0, "needs root to run activityctl as another user"))
    func permissions() throws {
        let dir = DaemonProcess.temporaryDirectory("perm")
        let daemon = try DaemonProcess(dir: dir, listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        sendUDP(Array(#"{"action":"login","user":"p"}"#.utf8), port: port)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try daemon.terminate() == 0)
        func mode(_ p: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int) ?? -1
        }
        let segs = try FileManager.default.contentsOfDirectory(atPath: daemon.dataDir + "/segments").filter {
            $0.hasSuffix(".seg")
        }
        #expect(!segs.isEmpty)
        for s in segs { #expect(try mode(daemon.dataDir + "/segments/" + s) & 0o777 == 0o640) }
        #expect(try mode(daemon.dataDir + "/segments") & 0o777 == 0o750)
        // The temporary directory itself is world-traversable; the data directory is not.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = [
            "--reuid=65534", "--regid=65534", "--clear-groups",
            DaemonProcess.binDir.appendingPathComponent("activityctl").path, "--data-dir", daemon.dataDir, "events",
        ]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(text.contains("permission denied"), "\(text)")
    }
}
