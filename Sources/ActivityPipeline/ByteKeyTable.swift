/// Up to 32 bytes held as four zero-padded words, with their count: a short key (a JSON name, a verb, an
/// outcome's spelling) compared in a few word compares, without making or hashing a `String`.
struct ByteKey: Equatable {
    /// The longest key the words hold; a longer text keeps its count (so it matches no table entry).
    static let capacity = 32
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt64 = 0
    var w3: UInt64 = 0
    var count: Int

    /// The bytes as they are.
    @inline(__always) init(_ b: UnsafeBufferPointer<UInt8>) {
        count = b.count
        guard b.count <= ByteKey.capacity, b.count > 0 else { return }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { w in w.baseAddress!.copyMemory(from: b.baseAddress!, byteCount: b.count) }
        (w0, w1, w2, w3) = words
    }

    /// ASCII letters lowered (`Outcome`'s and `EventCategory`'s loose spellings); nil when the bytes are not all
    /// ASCII (a `String`'s `lowercased()` then decides).
    @inline(__always) init?(asciiLowercased b: UnsafeBufferPointer<UInt8>) {
        self.init(b)
        guard b.count <= ByteKey.capacity else {
            for c in b where c >= 0x80 { return nil }
            return
        }
        guard (w0 | w1 | w2 | w3) & 0x8080_8080_8080_8080 == 0 else { return nil }
        w0 = ByteKey.lowered(w0); w1 = ByteKey.lowered(w1); w2 = ByteKey.lowered(w2); w3 = ByteKey.lowered(w3)
    }

    /// Each ASCII byte of `w` in `A`...`Z` lowered, the others unchanged (SWAR: bytes below 0x80 only).
    @inline(__always) static func lowered(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        // 0x80 in each byte >= 'A' and in each byte > 'Z'; their difference marks the capitals.
        let geA = (w &+ ones &* (0x80 - 0x41)) & (ones &* 0x80)
        let gtZ = (w &+ ones &* (0x80 - 0x5B)) & (ones &* 0x80)
        return w | ((geA & ~gtZ) >> 2)
    }
}

/// A fixed set of short byte keys, each with an `Int` value: entries grouped by length, found by comparing
/// words. Built once (static tables); its storage is never freed, so reading it takes no reference counts.
struct ByteKeyTable: @unchecked Sendable {
    // @unchecked Sendable: written only in `init`, read-only after.
    private struct Entry {
        var key: ByteKey
        var value: Int
    }
    private let entries: UnsafeMutableBufferPointer<Entry>
    /// `starts[n]..<starts[n + 1]`: the entries of length `n`.
    private let starts: UnsafeMutableBufferPointer<Int>

    /// The table of `pairs`; keys must be unique and at most ``ByteKey/capacity`` bytes.
    init(_ pairs: [(key: String, value: Int)]) {
        let sorted = pairs.sorted { $0.key.utf8.count < $1.key.utf8.count }
        entries = .allocate(capacity: max(1, sorted.count))
        starts = .allocate(capacity: ByteKey.capacity + 2)
        starts.initialize(repeating: 0)
        for (i, p) in sorted.enumerated() {
            let bytes = Array(p.key.utf8)
            precondition(bytes.count <= ByteKey.capacity, "key too long for ByteKeyTable: \(p.key)")
            let key = bytes.withUnsafeBufferPointer { ByteKey($0) }
            precondition(!sorted[..<i].contains { $0.key == p.key }, "duplicate key \(p.key)")
            (entries.baseAddress! + i).initialize(to: Entry(key: key, value: p.value))
        }
        var next = 0
        for n in 0...(ByteKey.capacity + 1) {
            while next < sorted.count && sorted[next].key.utf8.count < n { next += 1 }
            starts[n] = next
        }
    }

    /// The value of `key`; nil when it is not in the table.
    @inline(__always) func find(_ key: ByteKey) -> Int? {
        guard key.count <= ByteKey.capacity else { return nil }
        var i = starts[key.count]
        let end = starts[key.count + 1]
        while i < end {
            let e = entries[i].key
            if e.w0 == key.w0 && e.w1 == key.w1 && e.w2 == key.w2 && e.w3 == key.w3 { return entries[i].value }
            i += 1
        }
        return nil
    }

    /// The value of the bytes `b`; nil when they are not a key of the table.
    @inline(__always) func find(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count <= ByteKey.capacity else { return nil }
        return find(ByteKey(b))
    }
}
