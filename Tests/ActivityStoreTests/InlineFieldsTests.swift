import Testing
@testable import ActivityModel
@testable import ActivityStore

/// The event's fields held inside its one allocation: session ids up to 16 ASCII bytes (`ShortText`) and up to
/// six attributes (`Attributes.inlineCapacity`). Either way they must read, compare, hash and round-trip through
/// the segment codec exactly as the `String` and the array they replace.
@Suite("InlineFieldsTests: inline session ids and attributes behave as strings and arrays")
struct InlineFieldsTests {
    static func event(session: String? = nil, attrs: Attributes = Attributes()) -> ActivityEvent {
        var e = ActivityEvent(
            time: Timestamp(nanoseconds: 1_795_341_600_000_000_000), category: .login, action: .login,
            outcome: .success, user: "alice", attrs: attrs)
        e.session = session
        return e
    }

    static let sessions = [
        "", "1", "b6c7538050cc81e", "b6c7538050cc81e1", "b6c7538050cc81e1f", String(repeating: "x", count: 300),
        "séance-ü", "\u{212A}", "caf\u{0065}\u{0301}", "0123456789abcde\u{00E9}",
    ]

    @Test("a session reads back with its bytes, and round-trips through the codec", arguments: sessions)
    func sessionRoundTrip(_ s: String) throws {
        let e = Self.event(session: s)
        #expect(e.session.map { Array($0.utf8) } == Array(s.utf8))
        let decoded = try #require(EventFieldCoverageTests.codecRoundTrip(e).decoded)
        #expect(decoded == e)
        #expect(decoded.session.map { Array($0.utf8) } == Array(s.utf8))
        var stepped = decoded
        stepped.session = nil
        #expect(stepped.session == nil && !stepped.hasSession)
        #expect(decoded.session != nil)  // the copy's change stayed in the copy
    }

    @Test("sessions compare and hash as strings, packed or not")
    func sessionEquality() {
        // U+212A KELVIN SIGN is canonically equivalent to "K": a packed ASCII id against a String one.
        let pairs: [(String, String)] = [
            ("K", "\u{212A}"), ("KKKKKK", String(repeating: "\u{212A}", count: 6)),
            ("b6c7538050cc81e1", "b6c7538050cc81e1"), ("café", "cafe\u{0301}"),
        ]
        for (a, b) in pairs {
            #expect(a == b)
            let ea = Self.event(session: a), eb = Self.event(session: b)
            #expect(ea == eb, "\(a) / \(b)")
            #expect(ea.hashValue == eb.hashValue, "\(a) / \(b)")
        }
        #expect(Self.event(session: "b6c7538050cc81e1") != Self.event(session: "b6c7538050cc81e2"))
        #expect(Self.event(session: "a") != Self.event(session: "a "))
        #expect(Self.event(session: "") != Self.event(session: nil))
    }

    static func attributes(_ n: Int) -> Attributes {
        var a = Attributes()
        for i in 0..<n { a["k\(i)"] = "value number \(i) of a longer attribute" }
        return a
    }

    @Test("attributes keep their order across the inline limit, and round-trip", arguments: 0...9)
    func attributesRoundTrip(_ n: Int) throws {
        let a = Self.attributes(n)
        #expect(a.count == n)
        #expect(a.keys == (0..<n).map { "k\($0)" })
        #expect(a.storage.map(\.key) == a.keys)
        #expect(Array(a).map(\.key) == a.keys)
        for i in 0..<n { #expect(a["k\(i)"] == "value number \(i) of a longer attribute") }
        #expect(a["k\(n)"] == nil)
        let e = Self.event(attrs: a)
        let decoded = try #require(EventFieldCoverageTests.codecRoundTrip(e).decoded)
        #expect(decoded == e)
        #expect(decoded.attrs.keys == a.keys)
    }

    @Test("setting, replacing and removing across the inline limit")
    func attributesEdits() {
        var a = Self.attributes(6)
        a["k2"] = "two"
        #expect(a.count == 6 && a["k2"] == "two" && a.keys[2] == "k2")
        a["k6"] = "six"  // the seventh pair: spills into an array
        #expect(a.count == 7 && a.keys.last == "k6")
        #expect(a.removeValue(forKey: "k0") == "value number 0 of a longer attribute")
        #expect(a.count == 6 && a.keys.first == "k1")
        #expect(a.removeValue(forKey: "absent") == nil)
        a["k3"] = nil
        #expect(a.keys == ["k1", "k2", "k4", "k5", "k6"])

        // The same pairs held inline and in an array are equal, and hash alike, in any order.
        var inline = Attributes()
        for k in ["k6", "k5", "k4", "k2", "k1"] { inline[k] = a[k] }
        #expect(inline == a)
        #expect(inline.hashValue == a.hashValue)
        inline["k1"] = "other"
        #expect(inline != a)

        var small = Self.attributes(3)
        small["k1"] = nil
        #expect(small.keys == ["k0", "k2"])
        #expect(small.removeValue(forKey: "k2") != nil && small.removeValue(forKey: "k0") != nil)
        #expect(small.isEmpty && small == Attributes())
    }

    @Test("an event's attributes change copy on write")
    func attributesCopyOnWrite() {
        let e = Self.event(attrs: ["a": "1", "b": "2"])
        var f = e
        f.attrs["c"] = "3"
        f.attrs["a"] = nil
        #expect(e.attrs.keys == ["a", "b"])
        #expect(f.attrs.keys == ["b", "c"])
        #expect(Attributes(uniquePairs: (0..<8).map { Attributes.Pair(key: "k\($0)", value: "v") }).count == 8)
    }
}
