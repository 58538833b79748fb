import Foundation
import Testing

/// `activityctl check` against the real daemon's check API: the verdict an application would get, printed for
/// an operator; a refusal exits 1.
@Suite("activityctl check", .serialized)
struct CheckCommandTests {
    @Test("activityctl check prints the verdict, flags, reasons and address; no token: exit 1 with the API's refusal")
    func checkCommand() throws {
        let dir = DaemonProcess.temporaryDirectory("check-cmd")
        try "203.0.113.0/24\n".write(toFile: dir + "/vpn.txt", atomically: true, encoding: .utf8)
        try "app-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(dir: dir, extraConfig: CheckAPIIntegrationTests.config, listen: ["127.0.0.1:0"])
        let udp = try daemon.waitReady()[0]
        let api = "127.0.0.1:\(try CheckAPIIntegrationTests.apiPort(daemon))"
        let now = Int(Date().timeIntervalSince1970)
        sendUDP(
            Array(
                #"{"time":\#(now - 172_800),"action":"login","user":"ann","account":"acme","ip":"198.51.100.1","device":"iPhone","geo":{"country":"GB","city":"London","lat":51.5,"lon":-0.13}}"#
                    .utf8), port: udp)
        _ = try RiskIntegrationTests.storedEvents(daemon.dataDir, count: 1)

        let (s1, o1, e1) = try runTool(
            "activityctl",
            [
                "check", "--api", api, "--token-file", dir + "/token",
                "--user", "ann", "--account", "acme", "--ip", "203.0.113.5", "--device", "iPhone",
            ])
        #expect(s1 == 0, "\(e1)")
        #expect(o1.contains("verdict: challenge"), "\(o1)")
        #expect(o1.contains("flags:   anonymizer"), "\(o1)")
        #expect(o1.contains("why:     via VPN (lists: vpn-ranges)"), "\(o1)")
        #expect(o1.contains("address: vpn lists=vpn-ranges"), "\(o1)")

        let (s2, o2, _) = try runTool("activityctl", ["check", "--api", api, "--user", "ann", "--ip", "198.51.100.1"])
        #expect(s2 == 1)
        #expect(o2.contains(#""error":"unauthorized""#), "\(o2)")

        let (s3, _, e3) = try runTool(
            "activityctl", ["check", "--api", "127.0.0.1:1", "--token-file", dir + "/token", "--user", "ann"])
        #expect(s3 != 0)
        #expect(e3.contains("cannot reach the check API"), "\(e3)")
        #expect(try daemon.terminate() == 0)
    }
}
