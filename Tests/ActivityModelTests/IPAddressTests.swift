import Testing
import PropertyBased
@testable import ActivityModel

@Suite("IPAddress and CIDR")
struct IPAddressTests {
    @Test(
        "parses and prints addresses canonically (RFC 5952)",
        arguments: [
            ("81.2.69.160", "81.2.69.160"),
            ("0.0.0.0", "0.0.0.0"),
            ("255.255.255.255", "255.255.255.255"),
            ("::", "::"),
            ("::1", "::1"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("fe80::1%eth0", "fe80::1"),
            ("[::1]", "::1"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("1::", "1::"),
            ("2400:cb00:2048:451e:bfac:b4b8:5efb:9780", "2400:cb00:2048:451e:bfac:b4b8:5efb:9780"),
        ])
    func canonical(input: String, expected: String) {
        #expect(IPAddress(input)?.description == expected)
    }

    @Test(
        "rejects malformed addresses",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "::1::", "1:2:3:4:5:6:7:8:9", "12345::",
            "g::1", ":1", "1:", "1.2.3.4:80", "abc", "1:2:3:4:5:6:7:1.2.3.4:5",
        ])
    func rejects(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test("formatting round-trips for any address")
    func roundTrip() async {
        await propertyCheck(
            input: Gen.uint64(in: 0...UInt64.max), Gen.uint64(in: 0...UInt64.max), Gen.uint32(in: 0...UInt32.max)
        ) { hi, lo, v4 in
            let a = IPAddress.v6(hi, lo)
            #expect(IPAddress(a.description) == a)
            let b = IPAddress.v4(v4)
            #expect(IPAddress(b.description) == b)
        }
    }

    @Test("CIDR matching agrees with a naive bit-by-bit check")
    func cidrAgreesWithNaive() async {
        await propertyCheck(input: Gen.uint32(in: 0...UInt32.max), Gen.uint32(in: 0...UInt32.max), Gen.int(in: 0...32))
        { net, addr, len in
            let cidr = CIDR(address: .v4(net), prefixLength: len)
            var naive = true
            for bit in 0..<len where (net >> (31 - UInt32(bit))) & 1 != (addr >> (31 - UInt32(bit))) & 1 {
                naive = false
            }
            #expect(cidr.contains(.v4(addr)) == naive)
        }
    }

    @Test("IPv4-mapped IPv6 addresses match IPv4 blocks and are unmapped for lookups")
    func mapped() {
        let mapped = IPAddress("::ffff:10.1.2.3")!
        #expect(mapped.unmapped == IPAddress("10.1.2.3"))
        #expect(CIDR("10.0.0.0/8")!.contains(mapped))
        #expect(CIDR("::ffff:0:0/96")!.contains(IPAddress("1.2.3.4")!))
        #expect(CIDR("2001:db8::/32")!.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!CIDR("2001:db8::/32")!.contains(IPAddress("2001:db9::1")!))
        #expect(CIDR("10.1.2.3/8")!.description == "10.0.0.0/8")
    }

    @Test(
        "private and reserved ranges are recognised",
        arguments: [
            ("10.0.0.1", true), ("192.168.1.1", true), ("172.16.0.1", true), ("172.32.0.1", false), ("127.0.0.1", true),
            ("169.254.1.1", true), ("100.64.0.1", true), ("8.8.8.8", false), ("81.2.69.160", false),
            ("224.0.0.1", true),
            ("::1", true), ("fe80::1", true), ("fd00::1", true), ("2001:db8::1", true), ("2a02:1234::1", false),
            ("::ffff:192.168.0.1", true), ("::ffff:81.2.69.160", false),
        ])
    func privateRanges(input: String, expected: Bool) {
        #expect(IPAddress(input)!.isPrivateOrReserved == expected)
    }
}

@Suite("Timestamp")
struct TimestampTests {
    @Test(
        "RFC 3339 parsing",
        arguments: [
            ("2026-11-22T10:00:00Z", Int64(1_795_341_600_000_000_000)),
            ("2026-11-22T10:00:00.123456789Z", 1_795_341_600_123_456_789),
            ("2026-11-22T11:00:00+01:00", 1_795_341_600_000_000_000),
            ("2026-11-22 10:00:00.5Z", 1_795_341_600_500_000_000),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59Z", -1_000_000_000),
        ])
    func parse(text: String, ns: Int64) {
        #expect(Timestamp.parseRFC3339(text[...])?.nanoseconds == ns)
    }

    @Test(
        "rejects malformed times",
        arguments: ["2026-13-01T00:00:00Z", "2026-11-22", "2026-11-22T10:00Z", "x", "2026-11-22T10:00:00.Z"])
    func rejects(text: String) {
        #expect(Timestamp.parseRFC3339(text[...]) == nil)
    }

    @Test(
        "formats the documented forms",
        arguments: [
            (Int64(0), 0, "1970-01-01T00:00:00Z"),
            (1_795_341_600_123_456_789, 0, "2026-11-22T10:00:00.123456789Z"),
            (1_795_341_600_000_000_001, -(5 * 3600 + 30 * 60), "2026-11-22T04:30:00.000000001-05:30"),
            (-1, 3600, "1970-01-01T00:59:59.999999999+01:00"),
            (-5_364_662_400_000_000_000, 0, "1800-01-01T00:00:00Z"),
        ])
    func format(ns: Int64, offset: Int, text: String) {
        #expect(Timestamp(nanoseconds: ns).rfc3339(offsetSeconds: offset) == text)
        var bytes = Array("x".utf8)
        Timestamp(nanoseconds: ns).appendRFC3339(to: &bytes, offsetSeconds: offset)
        #expect(bytes == Array(("x" + text).utf8))
    }

    @Test("JSON integers are written digit by digit, extremes included")
    func jsonIntegers() {
        for (v, text) in [
            (Int64.min, "-9223372036854775808"), (-42, "-42"), (0, "0"), (Int64.max, "9223372036854775807"),
        ] {
            var w = JSONWriter(); w.integer(v)
            #expect(w.out == text)
        }
        var w = JSONWriter(); w.integer(UInt64.max); w.integer(UInt16(7))
        #expect(w.out == "184467440737095516157")
    }

    @Test("JSON escaping finds a quote, a backslash or a control byte at any position, and only those")
    func escapeScan() {
        for length in 0..<20 {
            for position in 0..<max(length, 1) {
                for special: UInt8 in [0x22, 0x5C, 0x00, 0x1F, 0x0A, 0x20, 0x7F, 0x80, 0xFF, 0x21, 0x5B, 0x5D] {
                    var u = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    if length > 0 { u[position] = special }
                    let expected = length > 0 && (special < 0x20 || special == 0x22 || special == 0x5C)
                    #expect(u.withUnsafeBufferPointer { JSONWriter.needsEscape($0) } == expected, "\(u)")
                }
            }
        }
    }

    @Test("format then parse is the identity")
    func roundTrip() async {
        await propertyCheck(input: Gen.int(in: -4_000_000_000_000_000_000...4_000_000_000_000_000_000)) { n in
            let t = Timestamp(nanoseconds: Int64(n))
            #expect(Timestamp.parseRFC3339(t.rfc3339()[...]) == t)
            #expect(Timestamp.parseRFC3339(t.rfc3339(offsetSeconds: 3600 + 1800)[...]) == t)
        }
    }
}

@Suite("Action vocabulary")
struct ActionTests {
    @Test(
        "unknown actions are sanitized to snake_case",
        arguments: [
            ("login", "login"), ("Password Reset", "password_reset"), ("orderPlaced", "order_placed"),
            ("MFA-Enrolled!", "mfa_enrolled"), ("  spaced  out ", "spaced_out"), ("é-ü", nil), ("", nil),
        ])
    func sanitize(input: String, expected: String?) {
        #expect(Action(sanitizing: input)?.rawValue == expected)
    }

    @Test("text already in snake_case is taken as is, exactly when sanitizing would not change it")
    func snakeCaseFastPath() async {
        await propertyCheck(input: Gen.int(in: 0...Int.max)) { seed in
            // Short strings over a small alphabet that hits every rule: letters, digits, _, upper case, space.
            let alphabet = Array("ab9_Z -".utf8)
            var x = UInt64(truncatingIfNeeded: seed)
            let n = Int(x % 9); x /= 9
            var bytes: [UInt8] = []
            for _ in 0..<n { bytes.append(alphabet[Int(x % UInt64(alphabet.count))]); x /= UInt64(alphabet.count) }
            let text = String(decoding: bytes, as: UTF8.self)
            let clean = Action.isSnakeCase(text)
            #expect(clean == (Action.sanitized(text) == text), "\(text)")
            #expect(Action(sanitizing: text)?.rawValue == Action.sanitized(text))
        }
        #expect(Action.isSnakeCase(String(repeating: "a", count: 64)))
        #expect(!Action.isSnakeCase(String(repeating: "a", count: 65)))
    }

    @Test("known actions imply their category")
    func categories() {
        #expect(Action.login.knownCategory == .login)
        #expect(Action(rawValue: "order_placed").knownCategory == .activity)
        #expect(Action(rawValue: "plan_extended").knownCategory == .admin)
        #expect(Action(rawValue: "new_thing").knownCategory == nil)
    }
}
