import ActivityModel
@testable import ActivityReports
import Testing

/// The risk engine's snapshot reads back exactly: the same state, the same answers afterwards, the same
/// evictions; damaged bytes and other settings are refused.
@Suite("RiskEngine snapshot")
struct RiskSnapshotTests {
    @Test(
        "a snapshot taken mid-history reads back to the same state, and the rest of the history gets the same flags",
        arguments: [1, 2, 3, 4, 5] as [UInt64])
    func roundTrip(seed: UInt64) throws {
        let history = randomHistory(seed: seed, count: 800)
        var options = SuspiciousOptions()
        options.maxUsers = 3  // evictions happen, and must be the same after the snapshot
        options.maxAddresses = 3
        var a = RiskEngine(options: options)
        for e in history[0..<400] { _ = a.observe(e) }
        let bytes = a.snapshot()
        var b = try #require(RiskEngine(options: options, snapshot: bytes))
        #expect(b.users == a.users)
        #expect(b.addresses == a.addresses)
        #expect(b.clock == a.clock)
        for e in history[400...] {
            #expect(a.observe(e) == b.observe(e), "seq \(e.seq)")
        }
        #expect(b.users == a.users)
    }

    @Test("a snapshot under other settings, or damaged, is refused")
    func refused() {
        var a = RiskEngine()
        for e in randomHistory(seed: 9, count: 200) { _ = a.observe(e) }
        let bytes = a.snapshot()
        var other = SuspiciousOptions()
        other.maxUsers = 10
        #expect(RiskEngine(options: other, snapshot: bytes) == nil)
        #expect(RiskEngine(options: SuspiciousOptions(), snapshot: Array(bytes.dropLast())) == nil)
        #expect(RiskEngine(options: SuspiciousOptions(), snapshot: bytes + [0]) == nil)
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 50)) {
            _ = RiskEngine(options: SuspiciousOptions(), snapshot: Array(bytes[0..<cut]))  // never traps
        }
    }
}
