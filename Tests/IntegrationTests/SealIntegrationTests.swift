import Foundation
import Testing

/// Sealing on the real daemon and tools (issue 23): `activityctl setup-keys`, a daemon sealing as it writes,
/// `activityctl verify --verify-key` on an untouched store, after kill -9, and after an edit.
@Suite("Sealing, end to end", .serialized)
struct SealIntegrationTests {
    /// Sends `n` application logins for `user` and waits until the store holds `total` events.
    static func send(_ n: Int, user: String, port: Int, dataDir: String, total: Int) throws {
        for i in 0..<n {
            let json =
                #"{"category":"login","action":"login","outcome":"success","user":"\#(user)","ip":"198.51.100.\#(i % 200 + 1)","attrs":{"i":"\#(i)"}}"#
            sendUDP(Array(json.utf8), port: port)
        }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let (_, out, _) = try runTool(
                "activityctl", ["--data-dir", dataDir, "events", "--format", "jsonl", "--output-fields", "seq"])
            if out.split(separator: "\n").count >= total { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestFailure("the store did not reach \(total) events")
    }

    @Test(
        "setup-keys, a sealing daemon, kill -9 (an unsealed tail, not tampering), a clean stop (all authenticated), an edit (named)"
    )
    func sealedDaemon() throws {
        let dir = DaemonProcess.temporaryDirectory("seal")
        let data = dir + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let (status, out, err) = try runTool("activityctl", ["--data-dir", data, "setup-keys", "--interval", "1h"])
        #expect(status == 0, "\(err)")
        let key = try #require(
            out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first {
                $0.hasPrefix("actseal1-")
            })
        // The key file holds epoch 1's key, never the verification key.
        let keyFile = try Data(contentsOf: URL(fileURLWithPath: data + "/seal.key"))
        #expect(!keyFile.isEmpty)
        #expect(
            try runTool("activityctl", ["--data-dir", data, "setup-keys"]).0 != 0,
            "a second setup-keys must not replace the key")

        let storeConfig = "seal = \"\(data)/seal.key\""
        do {
            let daemon = try DaemonProcess(dir: dir, storeConfig: storeConfig)
            let port = try daemon.waitReady()[0]
            // More than one segment (64 KiB): the rotation seals the first; then more events, and a crash.
            try Self.send(1500, user: "alice", port: port, dataDir: data, total: 1500)
            try Self.send(30, user: "bob", port: port, dataDir: data, total: 1530)
            daemon.kill9()
        }
        let (v1, o1, _) = try runTool("activityctl", ["--data-dir", data, "verify", "--verify-key", key])
        #expect(v1 == 0, "a crash is not tampering: \(o1)")
        #expect(o1.contains("history authenticated up to"), "\(o1)")
        #expect(o1.contains("unsealed tail"), "\(o1)")
        #expect(!o1.contains("TAMPERED"), "\(o1)")

        do {
            let daemon = try DaemonProcess(dir: dir, storeConfig: storeConfig)
            let port = try daemon.waitReady()[0]
            // The key evolves hourly and nothing rotates: only the clean stop can seal these.
            try Self.send(10, user: "carol", port: port, dataDir: data, total: 1540)
            #expect(try daemon.terminate() == 0)
        }
        let (v2, o2, _) = try runTool("activityctl", ["--data-dir", data, "verify", "--verify-key", key])
        #expect(v2 == 0, "\(o2)")
        #expect(!o2.contains("unsealed tail"), "a clean stop seals everything: \(o2)")
        #expect(o2.contains("(events through seq 1540)"), "\(o2)")

        // An edit with the CRC made to match: plain verify cannot tell, the key can, and says where.
        let seg = try #require(
            try FileManager.default.contentsOfDirectory(atPath: data + "/segments").filter { $0.hasSuffix(".seg") }
                .sorted().first)
        let path = data + "/segments/" + seg
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let alice = Array("alice".utf8)
        let at = try #require((0..<(bytes.count - 5)).first { Array(bytes[$0..<($0 + 5)]) == alice })
        bytes.replaceSubrange(at..<(at + 5), with: Array("mallo".utf8))
        // Find the frame holding `at` and fix its CRC (frames: u32 length, u32 CRC32C of the body).
        var o = Int(UInt16(bytes[10]) | UInt16(bytes[11]) << 8)
        while o + 8 <= bytes.count {
            let len = Int(
                UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
            if at >= o + 8 && at < o + 8 + len {
                let crc = crc32c(bytes[(o + 8)..<(o + 8 + len)])
                for k in 0..<4 { bytes[o + 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
                break
            }
            o += 8 + len
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // The editor rebuilds the index too (verify --repair does, with the daemon stopped).
        _ = try runTool("activityctl", ["--data-dir", data, "verify", "--repair"])
        let (v3, o3, _) = try runTool("activityctl", ["--data-dir", data, "verify"])
        #expect(v3 == 0, "plain verify cannot see an edit with matching CRCs: \(o3)")
        let (v4, o4, _) = try runTool("activityctl", ["--data-dir", data, "verify", "--verify-key", key])
        #expect(v4 != 0, "\(o4)")
        #expect(o4.contains("TAMPERED \(path)"), "\(o4)")
    }
}

/// CRC32C (Castagnoli), bit by bit: the test's own, independent of the store's.
func crc32c(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    }
    return c ^ 0xFFFF_FFFF
}
