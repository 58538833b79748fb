import Testing
import Foundation
import ActivityTestSupport

/// A fresh set of the test .mmdb files in `dir` (this test replaces and corrupts them).
func makeMMDBFixtures(_ dir: String) throws {
    if case .failure(let e) = MMDBFixtures.make(into: URL(fileURLWithPath: dir)) { throw TestFailure("\(e)") }
}

@Suite("enrichment in the running daemon", .serialized)
struct EnrichmentIntegrationTests {
    @Test(
        "GeoIP and IP lists enrich events; SIGHUP after replacing a list changes the next event; a corrupt database keeps the old one serving"
    )
    func enrichAndReload() throws {
        let dir = DaemonProcess.temporaryDirectory("enrich")
        let fx = dir + "/mmdb"
        try makeMMDBFixtures(fx)
        let list = dir + "/vpn.txt"
        try "# test VPN ranges\n198.51.100.0/24\nnot-an-address\n2001:db8:aaaa::/48\n".write(
            toFile: list, atomically: true, encoding: .utf8)
        let extra = """
            [enrich.geoip]
            city = "\(fx)/City-Test.mmdb"
            asn = "\(fx)/ASN-Test.mmdb"
            anonymous = "\(fx)/Anonymous-IP-Test.mmdb"
            [[enrich.iplist]]
            name = "test-vpn"
            tag = "vpn"
            path = "\(list)"
            [metrics]
            listen = "127.0.0.1:0"
            """
        let daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        #expect(
            daemon.log.contains("not-an-address") || daemon.log.contains("bad"), "bad list line reported: \(daemon.log)"
        )
        sendUDP(Array(#"{"action":"login","user":"geo","ip":"81.2.69.160"}"#.utf8), port: port)
        sendUDP(Array(#"{"action":"login","user":"vpn1","ip":"198.51.100.7"}"#.utf8), port: port)
        sendUDP(Array(#"{"action":"login","user":"private","ip":"10.1.2.3"}"#.utf8), port: port)
        Thread.sleep(forTimeInterval: 0.5)

        // Replace the list (by rename, as an operator's tooling does) and send SIGHUP.
        try "203.0.113.0/24\n".write(toFile: list + ".new", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: list)
        try FileManager.default.moveItem(atPath: list + ".new", toPath: list)
        kill(daemon.process.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !daemon.log.contains("enrichment reloaded") { Thread.sleep(forTimeInterval: 0.05) }
        #expect(daemon.log.contains("enrichment reloaded"))
        sendUDP(Array(#"{"action":"login","user":"vpn2","ip":"198.51.100.7"}"#.utf8), port: port)
        sendUDP(Array(#"{"action":"login","user":"vpn3","ip":"203.0.113.9"}"#.utf8), port: port)
        Thread.sleep(forTimeInterval: 0.5)

        // A corrupt replacement database: the previous one keeps serving, the failure is counted.
        let city = fx + "/City-Test.mmdb"
        try Data("this is not an mmdb file".utf8).write(to: URL(fileURLWithPath: city + ".new"))
        try FileManager.default.removeItem(atPath: city)
        try FileManager.default.moveItem(atPath: city + ".new", toPath: city)
        let reloadsBefore = daemon.log.components(separatedBy: "enrichment reloaded").count
        kill(daemon.process.processIdentifier, SIGHUP)
        let d2 = Date().addingTimeInterval(10)
        while Date() < d2 && daemon.log.components(separatedBy: "enrichment reloaded").count == reloadsBefore {
            Thread.sleep(forTimeInterval: 0.05)
        }
        sendUDP(Array(#"{"action":"login","user":"geo2","ip":"81.2.69.160"}"#.utf8), port: port)
        Thread.sleep(forTimeInterval: 0.5)
        let metrics = try httpGet(port: try #require(metricsPort(daemon.log)), path: "/metrics")
        #expect(try daemon.terminate() == 0)
        #expect(daemon.log.contains("enrichment file failed to load"))
        #expect((metric(metrics, "activityd_reload_errors_total") ?? 0) >= 1)
        #expect((metric(metrics, "activityd_enrichment_hits_total") ?? 0) >= 4)

        let (_, out, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "jsonl"])
        var byUser: [String: [String: Any]] = [:]
        for e in try jsonLines(out) { if let u = e["user"] as? String { byUser[u] = e } }
        let geo = byUser["geo"]?["geo"] as? [String: Any]
        #expect(geo?["country"] as? String == "GB")
        #expect(geo?["city"] as? String == "London")
        #expect(geo?["tz"] as? String == "Europe/London")
        #expect(geo?["radius_km"] as? Int == 10)
        let vpn1 = byUser["vpn1"]?["net"] as? [String: Any]
        #expect(vpn1?["vpn"] as? Bool == true)
        #expect((vpn1?["lists"] as? [String])?.contains("test-vpn") == true)
        #expect((byUser["vpn1"]?["risk"] as? [String: Any])?["anonymizer"] as? Bool == true)
        #expect(byUser["private"]?["geo"] == nil)
        #expect(
            (byUser["vpn2"]?["net"] as? [String: Any])?["vpn"] as? Bool != true,
            "198.51.100.7 left the list after the reload")
        #expect(
            (byUser["vpn3"]?["net"] as? [String: Any])?["vpn"] as? Bool == true,
            "203.0.113.9 joined the list after the reload")
        #expect(
            (byUser["geo2"]?["geo"] as? [String: Any])?["city"] as? String == "London",
            "the old city database kept serving")
    }
}
