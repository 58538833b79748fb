import Testing
import Foundation
import ActivityConfig

// The README's quick start on the development configuration: etc/activityd.dev.toml as shipped (its GeoIP
// path pointed at the database CI fetched, its UDP on an ephemeral port) must show a location and a VPN flag,
// and give `users` and `report suspicious` something to say. (A plain comment, not ///: swift-testing prints a
// suite's doc comment with every failure.)
@Suite("quick start: the development configuration shows location and VPN")
struct QuickStartTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let geoLite2 = ProcessInfo.processInfo.environment["ACTIVITYD_GEOLITE2_CITY"].flatMap {
        FileManager.default.fileExists(atPath: $0) ? $0 : nil
    }

    @Test("etc/activityd.dev.toml loads, names the GeoLite2 City database and the documentation-range VPN list")
    func devConfiguration() throws {
        let c = try DaemonConfiguration.load(path: Self.repo + "/etc/activityd.dev.toml")
        #expect(c.geoip.city?.hasSuffix("data/geoip/GeoLite2-City.mmdb") == true, "\(String(describing: c.geoip.city))")
        let list = try #require(c.iplists.first)
        #expect(list.tag == "vpn")
        let text = try String(contentsOfFile: list.path, encoding: .utf8)
        #expect(text.contains("203.0.113.0/24"))
    }

    @Test(
        "the quick start's sends: a city for 81.2.69.160, the VPN flag for 203.0.113.9, a suspicious row",
        .enabled(if: geoLite2 != nil, "set ACTIVITYD_GEOLITE2_CITY (scripts/test.sh does, via .ci/get-geolite2.sh)"))
    func quickStart() throws {
        let dev = try String(contentsOfFile: Self.repo + "/etc/activityd.dev.toml", encoding: .utf8)
        // The shipped enrichment sections, with their relative paths made absolute for a config written elsewhere.
        let start = try #require(dev.range(of: "[enrich.geoip]")).lowerBound
        let enrich = String(
            dev[start...].split(separator: "\n", omittingEmptySubsequences: false)
                .map { line in
                    line.hasPrefix("city = ")
                        ? "city = \"\(Self.geoLite2 ?? "")\""
                        : line.hasPrefix("path = \"dev/")
                            ? "path = \"\(Self.repo)/etc/\(line.dropFirst(8))" : String(line)
                }.joined(separator: "\n"))
        let dir = DaemonProcess.temporaryDirectory("quickstart")
        let daemon = try DaemonProcess(dir: dir, extraConfig: enrich, listen: ["127.0.0.1:0"])
        let port = try daemon.waitReady()[0]
        for args in [
            ["--user", "alice", "--action", "login", "--ip", "81.2.69.160", "--device", "iPhone", "--entry", "mobile"],
            ["--user", "alice", "--action", "login", "--ip", "203.0.113.9", "--device", "Firefox", "--entry", "web"],
        ] {
            let (status, _, err) = try runTool("activityctl", ["send", "--to", "127.0.0.1:\(port)"] + args)
            #expect(status == 0, "\(err)")
        }
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try daemon.terminate() == 0)
        let (_, table, _) = try runTool(
            "activityctl",
            [
                "--data-dir", daemon.dataDir, "events", "--user", "alice",
                "--output-fields", "ip,location,vpn,lists",
            ])
        #expect(table.contains("Willesden, GB"), "\(table)")
        #expect(table.contains("true  dev-vpn-exits"), "\(table)")
        let (_, users, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "users"])
        #expect(users.contains("alice"))
        let (_, suspicious, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "report", "suspicious"])
        #expect(suspicious.contains("via VPN (lists: dev-vpn-exits)"), "\(suspicious)")
    }
}
