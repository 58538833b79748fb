import Testing
import ActivityTestSupport
import Foundation
import Crypto

/// Fetches `http://127.0.0.1:port/path` over a plain TCP socket (loopback only): the whole reply, status line and
/// headers included.
func httpGet(port: Int, path: String) throws -> String {
    try httpExchange(port: port, "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
}

@Suite("who may send, and the metrics endpoint", .serialized)
struct SecurityAndMetricsTests {
    @Test(
        "signed datagrams are accepted, bad or missing signatures and sources outside allow are rejected and counted; /metrics serves the counters"
    )
    func hmacAllowAndMetrics() throws {
        let dir = DaemonProcess.temporaryDirectory("hmac")
        let keyPath = dir + "/billing.key"
        try "0123456789abcdef0123456789abcdef\n".write(toFile: keyPath, atomically: true, encoding: .utf8)
        // Input 0 (from DaemonProcess): open to loopback. Input 1: signed only. Input 2: allows only 10/8.
        let extra = """
            [[input.udp]]
            listen = ["127.0.0.1:0"]
            allow = ["127.0.0.0/8"]
            keys = { billing-api = "\(keyPath)" }
            [[input.udp]]
            listen = ["127.0.0.1:0"]
            allow = ["10.0.0.0/8"]
            [metrics]
            listen = "127.0.0.1:0"
            """
        let daemon = try DaemonProcess(dir: dir, extraConfig: extra, listen: ["127.0.0.1:0"])
        let ports = try daemon.waitReady()
        try #require(ports.count == 3)
        let payload = Array(#"{"action":"order_placed","user":"signed.user"}"#.utf8)
        let key = SymmetricKey(data: Array("0123456789abcdef0123456789abcdef".utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key).map { String(format: "%02x", $0) }.joined()
        sendUDP(Array("billing-api \(mac) ".utf8) + payload, port: ports[1])  // good
        sendUDP(Array("billing-api \(String(repeating: "0", count: 64)) ".utf8) + payload, port: ports[1])  // bad signature
        sendUDP(Array("other-app \(mac) ".utf8) + payload, port: ports[1])  // unknown app
        sendUDP(payload, port: ports[1])  // unsigned
        sendUDP(Array(#"{"action":"login","user":"outsider"}"#.utf8), port: ports[2])  // source not allowed
        // The signed event goes through activityctl send too.
        let (s, _, e) = try runTool(
            "activityctl",
            [
                "send", "--to", "127.0.0.1:\(ports[1])", "--app", "billing-api", "--key-file", keyPath,
                "--action", "refund_requested", "--user", "signed.user",
            ])
        #expect(s == 0, "\(e)")
        Thread.sleep(forTimeInterval: 0.6)

        // Metrics: find the bound port in the log.
        let line = daemon.log.split(separator: "\n").first { $0.contains("metrics endpoint listening") }
        let metricsPort = line.flatMap { $0.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) } }
        let port = try #require(metricsPort, "\(daemon.log)")
        let text = try httpGet(port: port, path: "/metrics")
        #expect(text.hasPrefix("HTTP/1.1 200"))
        #expect(text.contains("activityd_rejected_total{reason=\"bad_signature\"} 2"))
        #expect(text.contains("activityd_rejected_total{reason=\"unknown_key\"} 1"))
        #expect(text.contains("activityd_rejected_total{reason=\"source_not_allowed\"} 1"))
        #expect(text.contains("activityd_events_accepted_total 2"))
        #expect(text.contains("# TYPE activityd_datagrams_received_total counter"))
        #expect(try httpGet(port: port, path: "/nope").hasPrefix("HTTP/1.1 404"))

        #expect(try daemon.terminate() == 0)
        let (_, out, _) = try runTool("activityctl", ["--data-dir", daemon.dataDir, "events", "--format", "jsonl"])
        let events = try jsonLines(out)
        #expect(events.map { $0["user"] as? String } == ["signed.user", "signed.user"])
        #expect(events.map { $0["action"] as? String } == ["order_placed", "refund_requested"])
    }
}
