import ActivityModel
import NIOCore
import Testing
@testable import ActivityDaemon

@Suite("Datagram sender address")
struct DatagramSourceTests {
    @Test("IPv4 and IPv6 senders are read with their ports", arguments: [
        ("192.0.2.7", 40000), ("127.0.0.1", 1), ("2001:db8::1", 65535), ("::ffff:198.51.100.9", 514), ("::1", 9),
    ])
    func source(ip: String, port: Int) throws {
        let (got, gotPort) = DatagramHandler.source(try SocketAddress(ipAddress: ip, port: port))
        #expect(got == IPAddress(ip))
        #expect(gotPort == port)
    }
}
