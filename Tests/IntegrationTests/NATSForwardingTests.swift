import ActivityModel
import ActivityStore
import ActivityTestSupport
import Foundation
import NATSJetStream
import Synchronization
import Testing

/// Real `activityd` daemons forwarding to and collecting from real `nats-server`s on loopback
/// (docs/multi-host.md). Skipped with a message when nats-server is missing, except under CI=true.
@Suite("NATS JetStream forwarding and collecting, exactly once", .serialized)
struct NATSForwardingTests {
    static func servers(_ count: Int, _ name: String) throws -> NATSServers? {
        if let why = NATSServers.unavailableReason {
            if NATSServers.mustRun { throw NATSTestError("CI=true: \(why)") }
            print("skipping NATS integration test: \(why)")
            return nil
        }
        return try NATSServers(count: count, name: name)
    }

    static func natsKeys(_ urls: [String], replicas: Int) -> String {
        """
        servers = [\(urls.map { "\"\($0)\"" }.joined(separator: ", "))]
        stream = "ACTIVITY"
        replicas = \(replicas)
        timeout = "2s"
        """
    }

    static func forwarder(_ dir: String, host: String, port: Int, urls: [String], replicas: Int) throws -> DaemonProcess
    {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try DaemonProcess(
            dir: dir,
            extraConfig: """

                [forward.nats]
                host_id = "\(host)"
                \(natsKeys(urls, replicas: replicas))
                """, listen: ["127.0.0.1:\(port)"])
    }

    static func collector(_ dir: String, consumer: String, subjects: String, urls: [String], replicas: Int) throws
        -> DaemonProcess
    {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try DaemonProcess(
            dir: dir,
            extraConfig: """

                [input.nats]
                consumer = "\(consumer)"
                subjects = "\(subjects)"
                \(natsKeys(urls, replicas: replicas))
                """, listen: ["127.0.0.1:0"])
    }

    /// Every event of a store as (seq, JSON object), in storage order.
    static func events(_ dataDir: String) throws -> [[String: Any]] {
        let (status, out, err) = try runTool(
            "activityctl", ["events", "--data-dir", dataDir, "--format", "jsonl", "--order", "seq"])
        guard status == 0 else { throw TestFailure("activityctl events failed: \(err)") }
        return try out.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// The store seqs of a forwarding host's own store.
    static func localSeqs(_ dataDir: String) throws -> [Int] {
        try events(dataDir).compactMap { $0["seq"] as? Int }
    }

    /// The `(host, seq)` of every collected event, from its origin position `<host_id>:<seq>`, in storage order.
    static func collected(_ dataDir: String) throws -> [(host: String, seq: Int)] {
        try events(dataDir).map { e in
            let origin = e["origin"] as? [String: Any] ?? [:]
            let pos = origin["position"] as? String ?? ""
            let parts = pos.split(separator: ":")
            return (String(parts.first ?? ""), parts.count == 2 ? Int(parts[1]) ?? -1 : -1)
        }
    }

    static func stats(_ dataDir: String) -> [String: Any] {
        guard let d = FileManager.default.contents(atPath: dataDir + "/stats.json") else { return [:] }
        return (try? JSONSerialization.jsonObject(with: d)) as? [String: Any] ?? [:]
    }

    static func login(_ user: String, _ i: Int, host: String) -> [UInt8] {
        Array(
            #"{"action":"login","user":"\#(user)","outcome":"success","ip":"198.51.100.\#(i % 200 + 1)","host":"\#(host)","attrs":{"n":"\#(i)"}}"#
                .utf8)
    }

    /// Waits (bounded) until `done` holds; returns whether it did.
    static func waitUntil(_ seconds: Double, _ done: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try done() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return try done()
    }

    /// Every event of every host is in `central` exactly once, by (host, seq); returns a description of what
    /// differs, or nil.
    static func difference(central: String, hosts: [(String, String)]) throws -> String? {
        let got = try collected(central)
        var seen: [String: Set<Int>] = [:]
        var duplicates: [String] = []
        for (h, s) in got {
            if !seen[h, default: []].insert(s).inserted { duplicates.append("\(h):\(s)") }
        }
        if !duplicates.isEmpty { return "duplicates in the central store: \(duplicates.prefix(20))" }
        for (host, dir) in hosts {
            let local = Set(try localSeqs(dir))
            let remote = seen[host] ?? []
            if local != remote {
                return
                    "\(host): \(local.count) local, \(remote.count) central; missing \(local.subtracting(remote).sorted().prefix(10)), extra \(remote.subtracting(local).sorted().prefix(10))"
            }
        }
        let known = Set(hosts.map(\.0))
        let strangers = seen.keys.filter { !known.contains($0) }
        return strangers.isEmpty ? nil : "events of unknown hosts: \(strangers)"
    }

    @Test(
        "two forwarders, a collector for all hosts and two that split them by subject; a malformed message is counted")
    func forwardAndCollect() throws {
        guard let nats = try Self.servers(1, "nats-fwd") else { return }
        defer { nats.stopAll() }
        let root = DaemonProcess.temporaryDirectory("nats-fwd")
        let ports = try freePorts(2)
        let h1 = try Self.forwarder(root + "/h1", host: "h1", port: ports[0], urls: nats.urls, replicas: 1)
        let h2 = try Self.forwarder(root + "/h2", host: "h2", port: ports[1], urls: nats.urls, replicas: 1)
        let central = try Self.collector(
            root + "/central", consumer: "central", subjects: "activity.>", urls: nats.urls, replicas: 1)
        let onlyH1 = try Self.collector(
            root + "/only-h1", consumer: "only-h1", subjects: "activity.h1", urls: nats.urls, replicas: 1)
        let onlyH2 = try Self.collector(
            root + "/only-h2", consumer: "only-h2", subjects: "activity.h2", urls: nats.urls, replicas: 1)
        let all = [h1, h2, central, onlyH1, onlyH2]
        defer { for d in all where d.process.isRunning { d.kill9() } }
        for d in all { _ = try d.waitReady() }

        for i in 0..<150 {
            sendUDP(Self.login("alice", i, host: "h1"), port: ports[0])
            sendUDP(Self.login("bob", i, host: "h2"), port: ports[1])
            if i % 50 == 0 { Thread.sleep(forTimeInterval: 0.05) }
        }
        // Something that is not an activityd event on the stream: rejected and counted, nothing else lost.
        let js = try JetStreamConnection(ConnectOptions(servers: nats.urls))
        _ = try js.publish(
            subject: "activity.h3", data: Array("not an event".utf8), messageID: "h3:1",
            expectedLastSubjectSequence: nil)
        for i in 150..<200 {
            sendUDP(Self.login("alice", i, host: "h1"), port: ports[0])
            sendUDP(Self.login("bob", i, host: "h2"), port: ports[1])
        }
        let hosts = [("h1", h1.dataDir), ("h2", h2.dataDir)]
        let converged = try Self.waitUntil(60) {
            try Self.localSeqs(h1.dataDir).count == 200 && Self.localSeqs(h2.dataDir).count == 200
                && Self.difference(central: central.dataDir, hosts: hosts) == nil
        }
        let why = try Self.difference(central: central.dataDir, hosts: hosts) ?? "local stores incomplete"
        #expect(converged, "\(why)\n\(central.log)")
        let split1 = try Self.difference(central: onlyH1.dataDir, hosts: [("h1", h1.dataDir)])
        let split2 = try Self.difference(central: onlyH2.dataDir, hosts: [("h2", h2.dataDir)])
        #expect(split1 == nil && split2 == nil, "\(split1 ?? "") \(split2 ?? "")")

        // Events keep their host and content; the origin says how they came.
        let first = try #require(try Self.events(central.dataDir).first { ($0["user"] as? String) == "alice" })
        #expect(first["host"] as? String == "h1")
        let origin = first["origin"] as? [String: Any] ?? [:]
        #expect(origin["input"] as? String == "nats" && origin["source"] as? String == "activity.h1")
        // --host filters a collector's store by host.
        let (hstatus, h1only, herr) = try runTool(
            "activityctl", ["events", "--data-dir", central.dataDir, "--host", "h1", "--format", "jsonl"])
        let h1lines = h1only.split(separator: "\n")
        #expect(hstatus == 0 && h1lines.count == 200 && h1lines.allSatisfy { $0.contains(#""host":"h1""#) }, "\(herr)")
        let (ustatus, users, _) = try runTool("activityctl", ["users", "--data-dir", central.dataDir])
        #expect(ustatus == 0 && users.contains("alice") && users.contains("bob"), "\(users)")

        // Counted, and the collectors still run; stats.json is rewritten every 2 s.
        #expect(
            Self.waitUntil(10) {
                ((Self.stats(central.dataDir)["rejected"] as? [String: Any])?["nats_malformed"] as? Int) == 1
            }, "\(Self.stats(central.dataDir))")
        #expect(
            Self.waitUntil(10) {
                ((Self.stats(h1.dataDir)["forward"] as? [String: Any])?["lag_events"] as? Int) == 0
            }, "\(Self.stats(h1.dataDir))")

        // A restart resumes after the committed sequence: nothing again, nothing missing.
        #expect(try central.terminate() == 0)
        let again = try Self.collector(
            root + "/central", consumer: "central", subjects: "activity.>", urls: nats.urls, replicas: 1)
        defer { if again.process.isRunning { again.kill9() } }
        _ = try again.waitReady()
        for i in 200..<220 { sendUDP(Self.login("alice", i, host: "h1"), port: ports[0]) }
        let resumed = try Self.waitUntil(60) {
            try Self.localSeqs(h1.dataDir).count == 220 && Self.difference(central: again.dataDir, hosts: hosts) == nil
        }
        let whyNot = try Self.difference(central: again.dataDir, hosts: hosts) ?? ""
        #expect(resumed, "\(whyNot)")
        for d in [h1, h2, again, onlyH1, onlyH2] { #expect(try d.terminate() == 0) }
        let (vstatus, vout, verr) = try runTool("activityctl", ["verify", "--data-dir", again.dataDir])
        #expect(vstatus == 0, "\(vout)\(verr)")
    }

    @Test("while NATS is unreachable retention keeps every segment not yet forwarded; once forwarded it deletes them")
    func retentionWaitsForForwarding() throws {
        if let why = NATSServers.unavailableReason {
            if NATSServers.mustRun { throw NATSTestError("CI=true: \(why)") }
            print("skipping NATS integration test: \(why)")
            return
        }
        let nats = try NATSServers(count: 1, name: "nats-retain", startNow: false)
        defer { nats.stopAll() }
        let dir = DaemonProcess.temporaryDirectory("nats-retain")
        let port = try freePorts(1)[0]
        let host = try DaemonProcess(
            dir: dir,
            extraConfig: """

                [forward.nats]
                host_id = "h1"
                \(Self.natsKeys(nats.urls, replicas: 1))
                """, storeConfig: "retain_bytes = \"64KiB\"", listen: ["127.0.0.1:\(port)"])
        defer { if host.process.isRunning { host.kill9() } }
        _ = try host.waitReady()
        func segments() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: host.dataDir + "/segments")) ?? []).filter {
                $0.hasSuffix(".seg")
            }.sorted()
        }
        func send(_ range: Range<Int>) {
            for i in range {
                sendUDP(Self.login("user\(i % 50)", i, host: "h1"), port: port)
                if i % 100 == 0 { Thread.sleep(forTimeInterval: 0.02) }
            }
        }
        // ~300 KB of events into 64 KiB segments with retain_bytes = 64KiB, and no NATS: all kept.
        send(0..<3000)
        #expect(Self.waitUntil(60) { (try? Self.localSeqs(host.dataDir).count) == 3000 })
        // retain_bytes would leave one or two 64 KiB segments; the forwarder's floor keeps them all.
        let sizes = segments().map {
            (try? FileManager.default.attributesOfItem(atPath: host.dataDir + "/segments/" + $0)[.size] as? Int) ?? 0
        }
        #expect(
            segments().count >= 3 && sizes.reduce(0, +) > 2 * 65_536 && segments().first == "00000000000000000001.seg",
            "\(segments()) \(sizes)")
        #expect(try Self.localSeqs(host.dataDir).first == 1)

        // NATS comes up: everything is forwarded, then retention may delete.
        try nats.startAll()
        let js = try JetStreamConnection(ConnectOptions(servers: nats.urls))
        #expect(
            Self.waitUntil(90) { ((try? js.streamInfo("ACTIVITY")) ?? nil)?.messages == 3000 },
            "\(host.log.suffix(2000))")
        send(3000..<4000)  // more segments: rotation applies retention
        #expect(Self.waitUntil(60) { !segments().contains("00000000000000000001.seg") }, "\(segments())")
        #expect(Self.waitUntil(90) { ((try? js.streamInfo("ACTIVITY")) ?? nil)?.messages == 4000 })
        let last = try #require(try js.lastMessage(stream: "ACTIVITY", subject: "activity.h1"))
        #expect(last.messageID == "h1:4000")
        #expect(((Self.stats(host.dataDir)["dropped"] as? [String: Any])?["unforwarded_deleted"]) == nil)
        #expect(try host.terminate() == 0)
    }

    @Test(
        "a second daemon with the same host id is refused: nothing of its store reaches the stream, the first goes on")
    func sameHostID() throws {
        guard let nats = try Self.servers(1, "nats-dup") else { return }
        defer { nats.stopAll() }
        let root = DaemonProcess.temporaryDirectory("nats-dup")
        let ports = try freePorts(2)
        let first = try Self.forwarder(root + "/a", host: "h1", port: ports[0], urls: nats.urls, replicas: 1)
        defer { if first.process.isRunning { first.kill9() } }
        _ = try first.waitReady()
        for i in 0..<20 { sendUDP(Self.login("alice", i, host: "a"), port: ports[0]) }
        let js = try JetStreamConnection(ConnectOptions(servers: nats.urls))
        func lastID() -> String? {
            ((try? js.lastMessage(stream: "ACTIVITY", subject: "activity.h1")) ?? nil)?.messageID
        }
        #expect(Self.waitUntil(60) { lastID() == "h1:20" }, "\(first.log)")

        // A clone: same host id, its own store, more events than the first forwarded.
        let clone = try Self.forwarder(root + "/b", host: "h1", port: ports[1], urls: nats.urls, replicas: 1)
        defer { if clone.process.isRunning { clone.kill9() } }
        _ = try clone.waitReady()
        for i in 0..<30 { sendUDP(Self.login("mallory", i, host: "b"), port: ports[1]) }
        #expect(Self.waitUntil(60) { clone.log.contains("not forwarding") }, "\(clone.log)")
        for i in 20..<25 { sendUDP(Self.login("alice", i, host: "a"), port: ports[0]) }
        #expect(Self.waitUntil(60) { lastID() == "h1:25" }, "\(first.log)")
        // Once the clone has seen its whole store, it is still refused.
        #expect(Self.waitUntil(60) { (try? Self.localSeqs(clone.dataDir).count) == 30 })
        Thread.sleep(forTimeInterval: 6)  // the clone retries every 5 s: let it try once more with all 30 stored
        let info = try #require(try js.streamInfo("ACTIVITY"))
        var users: [String] = []
        for q in 1...max(1, info.lastSequence) {
            guard let m = try js.message(stream: "ACTIVITY", sequence: q) else { continue }
            let e = try #require(WireEvent.decode(m.data))
            users.append(e.user ?? "")
            #expect(m.messageID == "h1:\(e.seq)")
        }
        #expect(users.count == 25 && users.allSatisfy { $0 == "alice" }, "\(users)")
        #expect(
            Self.waitUntil(10) { ((Self.stats(clone.dataDir)["forward"] as? [String: Any])?["published"] as? Int) == 0 }
        )
        #expect(try first.terminate() == 0)
        #expect(try clone.terminate() == 0)
    }

    @Test(
        "a 3-node cluster under steady load: kill -9 the stream leader, a forwarder and the collector, SIGSTOP a node; every event once"
    )
    func clusterFailures() throws {
        guard let nats = try Self.servers(3, "nats-cluster") else { return }
        defer { nats.stopAll() }
        // The stream, R3, once the cluster has elected its meta leader.
        let js = try JetStreamConnection(ConnectOptions(servers: nats.urls))
        var created = false
        for _ in 0..<150 where !created {
            if (try? js.ensureStream(name: "ACTIVITY", subjects: ["activity.>"], replicas: 3)) != nil {
                created = true
            } else {
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        #expect(created, "the cluster did not accept the stream: \(nats.log("n1"))")
        guard created else { return }

        let root = DaemonProcess.temporaryDirectory("nats-cluster")
        let ports = try freePorts(2)
        var h1 = try Self.forwarder(root + "/h1", host: "h1", port: ports[0], urls: nats.urls, replicas: 3)
        let h2 = try Self.forwarder(root + "/h2", host: "h2", port: ports[1], urls: nats.urls, replicas: 3)
        var central = try Self.collector(
            root + "/central", consumer: "central", subjects: "activity.>", urls: nats.urls, replicas: 3)
        let daemons = Mutex<[DaemonProcess]>([h1, h2, central])
        defer { for d in daemons.withLock({ $0 }) where d.process.isRunning { d.kill9() } }
        for d in [h1, h2, central] { _ = try d.waitReady() }

        // Steady load on both hosts until told to stop (bounded: at most 20,000 datagrams each).
        let stop = Atomic<Bool>(false)
        let sent = Atomic<Int>(0)
        let loader = Thread {
            var i = 0
            while !stop.load(ordering: .relaxed) && i < 20_000 {
                sendUDP(Self.login("user\(i % 17)", i, host: "h1"), port: ports[0])
                sendUDP(Self.login("user\(i % 13)", i, host: "h2"), port: ports[1])
                i += 1
                sent.store(i, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.01)  // ~100 events/s per host: steady, and light for the tests running beside it
            }
        }
        loader.start()
        defer { stop.store(true, ordering: .relaxed) }
        func centralCount() -> Int { (try? Self.collected(central.dataDir).count) ?? 0 }
        /// Waits (bounded) for the central store to gain `n` more events.
        func progress(_ n: Int = 100, _ what: String) {
            let base = centralCount()
            let ok = Self.waitUntil(90) { centralCount() >= base + n }
            #expect(ok, "no progress after \(what): \(base) → \(centralCount())\n\(central.log.suffix(3000))")
        }
        progress(200, "start")

        // 1. kill -9 the stream leader, then bring it back.
        let leader = try #require(try js.streamInfo("ACTIVITY")?.leader)
        nats.kill9(leader)
        progress(200, "killing the stream leader \(leader)")
        try nats.start(leader)

        // 2. kill -9 a forwarder, restart it on its port and data.
        h1.kill9()
        Thread.sleep(forTimeInterval: 0.3)
        h1 = try Self.forwarder(root + "/h1", host: "h1", port: ports[0], urls: nats.urls, replicas: 3)
        daemons.withLock { $0.append(h1) }
        _ = try h1.waitReady()
        progress(200, "restarting forwarder h1")

        // 3. kill -9 the collector, restart it.
        central.kill9()
        Thread.sleep(forTimeInterval: 0.3)
        central = try Self.collector(
            root + "/central", consumer: "central", subjects: "activity.>", urls: nats.urls, replicas: 3)
        daemons.withLock { $0.append(central) }
        _ = try central.waitReady()
        progress(200, "restarting the collector")

        // 4. Pause a node (the leader now) for longer than the clients' 2 s timeout.
        let paused = ((try? js.streamInfo("ACTIVITY")) ?? nil)?.leader ?? "n1"
        nats.signal(paused, SIGSTOP)
        Thread.sleep(forTimeInterval: 5)
        nats.signal(paused, SIGCONT)
        progress(200, "pausing node \(paused)")

        stop.store(true, ordering: .relaxed)
        while loader.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        let hosts = [("h1", h1.dataDir), ("h2", h2.dataDir)]
        // Everything each host stored arrives, once.
        var lastDiff: String? = "not checked"
        let converged = try Self.waitUntil(120) {
            lastDiff = try Self.difference(central: central.dataDir, hosts: hosts)
            return lastDiff == nil
        }
        #expect(
            converged, "\(lastDiff ?? "")\ncentral log:\n\(central.log.suffix(4000))\nh1 log:\n\(h1.log.suffix(3000))")
        let total = try Self.collected(central.dataDir).count
        print(
            "NATS cluster test: \(sent.load(ordering: .relaxed)) datagrams per host sent, \(total) events collected exactly once"
        )
        for d in [h1, h2, central] { #expect(try d.terminate() == 0) }
        let (vstatus, vout, verr) = try runTool("activityctl", ["verify", "--data-dir", central.dataDir])
        #expect(vstatus == 0, "\(vout)\(verr)")
    }
}
