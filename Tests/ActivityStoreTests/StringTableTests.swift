import Testing
import Foundation
import ActivityModel
@testable import ActivityStore

/// The byte-keyed string table must intern exactly as the `[String: Id]` dictionaries it replaced: `String`
/// equality (canonical equivalence), ids in order of first appearance, the first string of a class keeping its
/// bytes. Otherwise frames and indexes would change bytes for the same events.
@Suite("String table")
struct StringTableTests {
    /// The reference: what `FrameStringTable` and the index dictionaries did before (issue 21).
    struct Reference {
        var index: [String: Int32] = [:]
        var strings: [String] = []
        mutating func id(_ s: String) -> Int32 {
            if let i = index[s] { return i }
            index[s] = Int32(strings.count)
            strings.append(s)
            return Int32(strings.count - 1)
        }
    }

    /// Strings that are equal as `String` but not as bytes, or nearly so, mixed with plain ones.
    static let tricky: [String] = [
        "K", "\u{212A}", "k", "Kelvin", "\u{212A}elvin", ";", "\u{037E}", "`", "\u{1FEF}", "a;b", "a\u{037E}b",
        "caf\u{E9}", "cafe\u{301}", "cafe", "\u{C5}", "A\u{30A}", "\u{212B}", "\u{2126}", "\u{3A9}", "",
        "\u{1F600}", "\u{1F600}x", "Z\u{FC}rich", "Zu\u{308}rich", "S\u{E3}o Paulo", "a\u{0}b", "\u{0}",
        "twelve bytes", "exactly sixteen!", "seventeen bytes!!", "a much longer string that spans several words",
        "\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}",
        "e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}",
    ]

    func check(_ inputs: [String], capacity: Int = 32) {
        var t = StringTable(capacity: capacity)
        var ref = Reference()
        for s in inputs {
            let got = t.id(s)
            #expect(got == ref.id(s), "id of \(s.debugDescription)")
        }
        #expect(t.count == ref.strings.count)
        for (i, s) in ref.strings.enumerated() where i < t.count {
            #expect(Array(t.string(i).utf8) == Array(s.utf8), "bytes of string \(i), \(s.debugDescription)")
        }
        var w = ByteWriter()
        t.write(into: &w)
        var want = ByteWriter()
        want.varint(UInt64(ref.strings.count))
        for s in ref.strings { want.string(s) }
        #expect(w.bytes == want.bytes)
    }

    @Test("ASCII strings, in every order and across growth")
    func ascii() {
        var g = SystemRandomNumberGenerator()
        let words = (0..<5000).map { i in "user\(i % 1700).\(String(repeating: "x", count: i % 23))" }
        check(words, capacity: 4)
        check(words.shuffled(using: &g))
    }

    @Test("canonically equivalent strings are one string, the first keeping its bytes")
    func equivalence() {
        check(Self.tricky)
        check(Self.tricky.reversed())
        var g = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            check((0..<200).map { _ in Self.tricky.randomElement(using: &g)! })
        }
        // Whatever comes first: the ASCII-like form before and after the table has switched.
        check(["\u{212A}", "K", "x", "K", "\u{212A}"])
        check(["K", "x", "\u{212A}", "y", "K"])
    }

    @Test("reset empties the table, and it interns as new afterwards")
    func reset() {
        var t = StringTable()
        for s in Self.tricky { t.id(s) }
        t.reset()
        #expect(t.count == 0)
        var ref = Reference()
        for s in ["K", "b", "\u{212A}", "a", "b", "caf\u{E9}", "cafe\u{301}"] { #expect(t.id(s) == ref.id(s)) }
    }

    @Test("kinds: only the three ASCII-like characters may equal an ASCII string")
    func kinds() {
        func kind(_ s: String) -> StringTable.Kind {
            var s = s; return s.withUTF8 { StringTable.key(UnsafeRawBufferPointer($0)).kind }
        }
        #expect(kind("abc") == .ascii)
        #expect(kind("") == .ascii)
        #expect(kind("\u{212A}") == .asciiLike)
        #expect(kind("a\u{037E}\u{1FEF}") == .asciiLike)
        #expect(kind("caf\u{E9}") == .other)
        #expect(kind("\u{212A}\u{E9}") == .other)
        #expect(kind("\u{212B}") == .other)
        // The characters whose canonical composition is ASCII, found by scanning every scalar: exactly those three.
        var found: [UInt32] = []
        for v in UInt32(0x80)...0x10FFFF {
            guard let u = Unicode.Scalar(v) else { continue }
            let s = String(Character(u))
            if (0..<128).contains(where: { String(Character(Unicode.Scalar(UInt8($0)))) == s }) { found.append(v) }
        }
        #expect(found == [0x037E, 0x1FEF, 0x212A])
    }

    @Test("the writer's index equals the one the old dictionaries give, terms' bytes included")
    func indexMatchesDictionaries() throws {
        var events = randomEvents(1500, seed: 77)
        var g = SystemRandomNumberGenerator()
        for i in events.indices where i % 3 == 0 {
            events[i].user = Self.tricky.randomElement(using: &g)
            events[i].entry = Self.tricky.randomElement(using: &g)
            if i % 2 == 0 {
                var geo = events[i].geo ?? Geo(); geo.country = Self.tricky.randomElement(using: &g);
                events[i].geo = geo
            }
        }
        let dir = temporaryDirectory()
        let w = try SegmentWriter(
            dataDirectory: dir, options: StoreOptions(), host: "t", now: Timestamp(seconds: 1_800_000_000))
        var i = 0
        while i < events.count {
            try w.append(Array(events[i..<min(i + 700, events.count)]), now: Timestamp(seconds: 1_800_000_000))
            i += 700
        }
        try w.rotate(now: Timestamp(seconds: 1_800_000_001))
        let idx = try SegmentIndex(
            path: dir + "/segments/" + SegmentFormat.indexName(firstSeq: 1), verifyChecksum: true)
        // The reference: per field a [String: [UInt32]] in event order, as the builder kept them before.
        for field in [IndexedField.user, .entry, .country, .action, .net] {
            var ref: [String: [UInt32]] = [:]
            var scratch: [String] = []
            for (o, e) in events.enumerated() {
                field.terms(of: e, into: &scratch)
                for t in scratch { ref[t, default: []].append(UInt32(o)) }
            }
            let terms = idx.terms(field: field)
            #expect(terms.count == ref.count, "\(field)")
            let byteSorted = ref.keys.sorted(by: utf8Precedes)
            #expect(
                terms.map { Array($0.0.utf8) } == byteSorted.map { Array($0.utf8) }, "\(field) terms and their bytes")
            for (t, list) in ref {
                #expect(idx.postings(field: field, term: t) == list, "\(field)=\(t.debugDescription)")
            }
        }
        // Not `verify` here: it rebuilds from the decoded events, whose strings are their frame table's first
        // equal string (a decomposed "café" reads back composed when the composed one came first in the
        // frame, in any field), so with such strings it reports a mismatch, as it did before issue 21.
    }

    /// Strings that differ from each other in exactly one byte, at every position of every length up to 80 (the
    /// inline word comparison's whole words, overlapping last word, 4-byte and byte paths, and `memcmp` past 64),
    /// plus one byte longer or shorter: each gets its own id, and looking each up again finds it.
    @Test("lookups tell apart strings one byte apart, at every position and length")
    func oneByteApart() {
        var inputs: [String] = []
        for n in 1...80 {
            let base = String(repeating: "a", count: n)
            inputs.append(base)
            for i in 0..<n {
                var b = Array(base.utf8)
                b[i] = UInt8(ascii: "b")
                inputs.append(String(decoding: b, as: UTF8.self))
            }
        }
        check(inputs + inputs.reversed())
    }

    /// ``termsInByteOrder(_:starts:count:)`` (first 8 bytes as a key, whole strings on a tie) gives the order a
    /// sort by ``compareBytes(_:_:)`` gives: strings sharing 8-byte prefixes, shorter than 8 bytes, prefixes of each
    /// other, and with zero and 0xFF bytes (a zero byte pads the key of a short string).
    @Test("terms in byte order: the prefix-keyed sort equals sorting by compareBytes")
    func byteOrder() {
        var g = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0, 1, 0x2E, 0x31, 0x32, 0x61, 0x7F, 0x80, 0xFE, 0xFF]
        for round in 0..<20 {
            var seen = Set<[UInt8]>()
            var terms: [[UInt8]] = []
            for _ in 0..<(50 + round * 20) {
                let n = Int.random(in: 0...20, using: &g)
                var t = Array(repeating: UInt8(0x31), count: min(n, Int.random(in: 0...12, using: &g)))
                while t.count < n { t.append(alphabet.randomElement(using: &g)!) }
                if seen.insert(t).inserted { terms.append(t) }
            }
            var arena: [UInt8] = []
            var starts = [0]
            for t in terms {
                arena += t
                starts.append(arena.count)
            }
            let got = termsInByteOrder(arena, starts: starts, count: terms.count)
            let want = (0..<terms.count).sorted { x, y in
                terms[x].withUnsafeBytes { a in terms[y].withUnsafeBytes { b in compareBytes(a, b) < 0 } }
            }
            #expect(got == want, "round \(round)")
        }
    }
}
