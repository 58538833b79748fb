import ActivityDatagram
import ActivityModel
import Foundation
import Testing
@testable import ActivityDaemon

/// The UDP input hands datagrams on as slices of one buffer per read cycle: a datagram's lines, JSON or syslog,
/// must decode the same wherever its slice starts.
@Suite("datagrams in a shared buffer")
struct DatagramBufferTests {
    static let now = Timestamp(seconds: 1_795_341_600)
    static let datagrams = [
        #"{"user":"alice","action":"login","ip":"192.0.2.10","time":"2026-11-22T10:00:00Z"}"#,
        "<38>Nov 22 10:00:00 h sshd[2201]: Accepted password for bob from 192.0.2.11 port 51234 ssh2",
        "{\"user\":\"carol\",\"action\":\"logout\"}\n<38>Nov 22 10:00:01 h sshd[2202]: Failed password for dave from 192.0.2.12 port 1 ssh2\n",
    ]

    func events(_ datagrams: [Datagram]) throws -> [String] {
        var p = EventProcessor(
            udpInputs: [(allow: [CIDR("127.0.0.0/8")!], verifier: try SignatureVerifier.load([:]))], keepRaw: false,
            timeZone: try #require(TimeZone(identifier: "UTC")), auditHost: "h")
        var out: [ActivityEvent] = []
        for d in datagrams { p.process(d, into: &out) }
        #expect(p.counts.rejected.isEmpty)
        return out.map { "\($0.user ?? "-") \($0.action.rawValue) \($0.ip.map { "\($0)" } ?? "-")" }
    }

    func datagram(_ bytes: ArraySlice<UInt8>) -> Datagram {
        Datagram(bytes: bytes, source: IPAddress("127.0.0.1"), port: 40000, received: Self.now)
    }

    @Test("each datagram alone, and all as slices of one buffer after a stranger's bytes: the same events")
    func slicesDecodeAlike() throws {
        let alone = try events(Self.datagrams.map { datagram(Array($0.utf8)[...]) })
        var buffer = Array("not part of any datagram".utf8)
        var ranges: [Range<Int>] = []
        for d in Self.datagrams {
            let start = buffer.count
            buffer += Array(d.utf8)
            ranges.append(start..<buffer.count)
        }
        let shared = try events(ranges.map { datagram(buffer[$0]) })
        #expect(alone == shared)
        #expect(
            shared == [
                "alice login 192.0.2.10", "bob login 192.0.2.11", "carol logout -", "dave login_failed 192.0.2.12",
            ])
    }
}
