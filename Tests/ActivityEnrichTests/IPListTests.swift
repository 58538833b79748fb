import ActivityEnrich
import ActivityIPList
import ActivityModel
import Foundation
import Testing
import ActivityTestSupport

private func ip(_ s: String) -> IPAddress {
    guard let a = IPAddress(s) else { Issue.record("bad test address \(s)"); return .v4(0) }
    return a
}

@Suite("IPListParser")
struct IPListParserTests {
    @Test("comments, blanks, CRLF, bare addresses, CIDRs, IPv6 and mapped entries")
    func goodLines() {
        let text = """
            # FireHOL-style header
            #
            203.0.113.0/24
            198.51.100.7          # inline comment
            \t192.0.2.0/25\r
            10.1.2.3/8
            2001:db8::/32
            2001:db8:1::1
            ::ffff:100.64.0.0/106

            0.0.0.0/0 # everything
            """
        let r = IPListParser().parse(text)
        #expect(r.badLineCount == 0)
        #expect(r.badLines.isEmpty)
        #expect(r.entryCount == 8)
        #expect(r.ranges.contains(ip("203.0.113.77")))
        #expect(r.ranges.contains(ip("2001:db8:ffff::1")))
        #expect(!r.ranges.contains(ip("2001:db9::1")))
        // ::ffff:100.64.0.0/106 is stored as IPv4 100.64.0.0/10.
        #expect(r.ranges.contains(ip("::ffff:100.127.1.1")))
        // 0.0.0.0/0 swallows all IPv4 into one interval.
        #expect(r.ranges.ipv4IntervalCount == 1)
        #expect(r.ranges.ipv6IntervalCount == 1)
    }

    @Test("bad lines are counted with 1-based line numbers and reasons; good lines still load")
    func badLines() {
        let lines = [
            "1.2.3.0/24",  // 1 ok
            "1.2.3.256",  // 2
            "1.2.3.0/33",  // 3
            "2001:db8::/129",  // 4
            "1.2.3.4 5.6.7.8",  // 5
            "AS13335 # Cloudflare",  // 6
            "hello",  // 7
            "01.2.3.4",  // 8 leading zero: ambiguous octal
            "1.2.3.4/",  // 9
            "",  // 10 blank
            "   # only a comment",  // 11
            "5.6.7.0/24",  // 12 ok
        ]
        let r = IPListParser().parse(lines.joined(separator: "\n"))
        #expect(r.entryCount == 2)
        #expect(r.badLineCount == 8)
        #expect(r.badLines.map(\.lineNumber) == [2, 3, 4, 5, 6, 7, 8, 9])
        #expect(
            r.badLines.map(\.reason) == [
                .notAnAddress, .prefixLengthOutOfRange, .prefixLengthOutOfRange, .trailingText,
                .autonomousSystemNumber, .notAnAddress, .notAnAddress, .prefixLengthOutOfRange,
            ])
        #expect(r.badLines[4].text == "AS13335")
        #expect(r.badLines[0].description == "line 2: not_an_address: \"1.2.3.256\"")
        #expect(r.ranges.contains(ip("5.6.7.8")))
    }

    @Test("reporting is capped but counting is not; invalid UTF-8 is a bad line, never a trap")
    func capAndBinary() {
        var bytes: [UInt8] = []
        for _ in 0..<100 { bytes += Array("nope\n".utf8) }
        bytes += [0xFF, 0xFE, 0x00, 0x2F, 0x0A]
        bytes += Array("9.9.9.9".utf8)  // no trailing newline
        let r = bytes.withUnsafeBytes { IPListParser(maxReportedBadLines: 3).parse(bytes: $0) }
        #expect(r.badLineCount == 101)
        #expect(r.badLines.count == 3)
        #expect(r.entryCount == 1)
        #expect(r.ranges.contains(ip("9.9.9.9")))
    }

    @Test("empty input gives an empty set")
    func empty() {
        let r = IPListParser().parse("")
        #expect(r.ranges.isEmpty && r.entryCount == 0 && r.badLineCount == 0)
    }
}

@Suite("IPRangeSet")
struct IPRangeSetTests {
    @Test("overlapping, nested, duplicate and adjacent blocks merge into disjoint intervals")
    func merging() {
        let blocks = [
            "10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.0.0.0/24", "10.0.3.0/24",
            "2001:db8::/48", "2001:db8:0:1::/64", "2001:db8:1::/48",
        ].compactMap { CIDR($0[...]) }
        let set = IPRangeSet(blocks)
        #expect(set.ipv4IntervalCount == 2)  // 10.0.0.0–10.0.1.255 and 10.0.3.0/24
        #expect(set.ipv6IntervalCount == 1)  // 2001:db8::/48 and 2001:db8:1::/48 are adjacent
        let iv = set.intervals
        #expect(iv[0].first == ip("10.0.0.0") && iv[0].last == ip("10.0.1.255"))
        #expect(iv[1].first == ip("10.0.3.0") && iv[1].last == ip("10.0.3.255"))
        #expect(iv[2].first == ip("2001:db8::") && iv[2].last == ip("2001:db8:1:ffff:ffff:ffff:ffff:ffff"))
        #expect(!set.contains(ip("10.0.2.1")))
        #expect(set.contains(ip("::ffff:10.0.3.9")))
        #expect(!set.contains(ip("0.0.0.0")))
        #expect(!set.contains(ip("255.255.255.255")))
        #expect(IPRangeSet([CIDR(address: ip("::"), prefixLength: 0)]).contains(ip("ffff::1")))
    }

    @Test("membership agrees with a naive scan of CIDR.contains (random blocks and addresses)")
    func agreesWithNaive() {
        var rng = SeededRandom(seed: 42)
        for round in 0..<20 {
            var blocks: [CIDR] = []
            for _ in 0..<(50 + round * 10) {
                if Bool.random(using: &rng) {
                    // Cluster addresses so blocks overlap often.
                    let a = UInt32(0x0A00_0000) | UInt32.random(in: 0..<0x0002_0000, using: &rng)
                    blocks.append(CIDR(address: .v4(a), prefixLength: Int.random(in: 14...32, using: &rng)))
                } else {
                    let hi = 0x2001_0db8_0000_0000 | UInt64.random(in: 0..<0x2_0000, using: &rng) << 16
                    blocks.append(
                        CIDR(
                            address: .v6(hi, UInt64.random(in: 0...UInt64.max, using: &rng)),
                            prefixLength: Int.random(in: 30...128, using: &rng)))
                }
            }
            let set = IPRangeSet(blocks)
            for _ in 0..<2000 {
                let probe: IPAddress
                if Bool.random(using: &rng) {
                    probe = .v4(UInt32(0x0A00_0000) | UInt32.random(in: 0..<0x0002_0000, using: &rng))
                } else {
                    probe = .v6(
                        0x2001_0db8_0000_0000 | UInt64.random(in: 0..<0x2_0000, using: &rng) << 16,
                        UInt64.random(in: 0...UInt64.max, using: &rng))
                }
                let naive = blocks.contains { $0.contains(probe) }
                #expect(set.contains(probe) == naive, "\(probe)")
            }
        }
    }

    @Test("a 1,000,000-line list loads (and in release builds, in under a second)")
    func millionLines() {
        var text = ""
        text.reserveCapacity(20_000_000)
        var rng = SeededRandom(seed: 7)
        for i in 0..<1_000_000 {
            if i % 10 == 0 {
                let hi = 0x2a00_0000_0000_0000 | UInt64.random(in: 0..<(1 << 40), using: &rng) << 8
                text += "\(IPAddress.v6(hi, 0))/56\n"
            } else {
                let a = UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)
                text += "\(IPAddress.v4(a & ~0xff))/\(24 + i % 9)\n"
            }
        }
        let clock = ContinuousClock()
        var result: IPListParseResult? = nil
        let elapsed = clock.measure { result = IPListParser().parse(text) }
        #expect(result?.entryCount == 1_000_000)
        #expect(result?.badLineCount == 0)
        #if !DEBUG
        #expect(elapsed < .seconds(1), "1M-line list took \(elapsed)")
        #endif
        _ = elapsed
    }
}
