/// Strings interned by their UTF-8 bytes, ids in order of first appearance: an events frame's string table
/// (``FrameStringTable``) and the term dictionaries of the index the writer builds (``IndexBuilder``).
///
/// It replaces `[String: UInt32]`, whose SipHash through `Hasher` and `String` comparisons were a third of the
/// writer's instructions (callgrind, `activity-bench store`, issue 21). Each string is hashed once, with a
/// seeded multiply-mix over its bytes; the key (hash and kind) travels with the id, so a frame's table hands
/// its strings on to the index's dictionaries without hashing them again.
///
/// Equality is `String`'s (canonical equivalence), exactly as the dictionaries it replaces, so the bytes
/// written stay the same:
/// - ASCII strings are equal exactly when their bytes are: the open-addressing table of hashes and bytes.
/// - Other strings cannot equal an ASCII string unless all their non-ASCII characters are one of the three
///   whose canonical form is ASCII (U+037E, U+1FEF, U+212A: ``Kind/asciiLike``); they are looked up in a
///   `[String: Int32]` among themselves.
/// - Once an ``Kind/asciiLike`` string comes, the table moves every string into one `[String: Int32]` (the
///   old behaviour, slower) until ``reset()``.
///
/// Either way, the first string of a class of equal strings keeps its bytes (as a dictionary keeps its key).
struct StringTable {
    enum Kind: UInt8 {
        /// Only ASCII bytes.
        case ascii
        /// Non-ASCII, and equal to no ASCII string.
        case other
        /// Non-ASCII, but may be canonically equivalent to an ASCII string.
        case asciiLike
    }

    /// What a lookup needs of a string besides its bytes: computed once per string.
    struct Key {
        var hash: UInt64
        var kind: Kind
    }

    /// The strings' bytes, back to back: string `i` is `arena[starts[i]..<starts[i + 1]]`.
    private(set) var arena: [UInt8] = []
    private(set) var starts: [Int] = [0]
    private var keys: [Key] = []
    /// Open addressing over the ids of the ASCII strings (−1: empty).
    private var slots: [Int32]
    private var asciiCount = 0
    private var others: [String: Int32] = [:]
    /// Every string, once an ``Kind/asciiLike`` one came.
    private var all: [String: Int32]?

    /// ``StringTable/seed``, read once.
    let seed = StringTable.seed

    /// The key of the bytes `b` (``key(_:)``).
    @inline(__always) func key(bytes b: UnsafeRawBufferPointer) -> Key { StringTable.key(b, seed: seed) }

    init(capacity: Int = 32) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = Array(repeating: -1, count: n)
    }

    /// The number of strings.
    var count: Int { keys.count }

    /// The key of string `i`.
    @inline(__always) func key(_ i: Int) -> Key { keys[i] }

    /// Calls `body` with the bytes of string `i`.
    @inline(__always) func withBytes<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        arena.withUnsafeBytes { a in body(UnsafeRawBufferPointer(rebasing: a[starts[i]..<starts[i + 1]])) }
    }

    /// String `i`.
    func string(_ i: Int) -> String { withBytes(i) { String(decoding: $0, as: UTF8.self) } }

    /// Every string, by id.
    var strings: [String] { (0..<count).map(string) }

    /// The id of `s`, added as the next id when no equal string is in the table.
    @discardableResult
    @inline(__always)
    mutating func id(_ s: String) -> Int32 {
        // The string's own UTF-8 where it has it (native and small strings): no copy of the string to make it
        // mutable for `withUTF8` (a retain and a release per lookup).
        if let found = s.utf8.withContiguousStorageIfAvailable({ u in
            let b = UnsafeRawBufferPointer(u)
            return id(b, key(bytes: b)).id
        }) {
            return found
        }
        var s = s
        return s.withUTF8 { u in
            let b = UnsafeRawBufferPointer(u)
            return id(b, key(bytes: b)).id
        }
    }

    /// ``id(_:)``, and `exact` set to false when the string found has other bytes than `s` (an equal string, not
    /// the same bytes: only ever for non-ASCII strings).
    @inline(__always)
    mutating func id(_ s: String, exact: inout Bool) -> Int32 {
        if let found = s.utf8.withContiguousStorageIfAvailable({ u in id(UnsafeRawBufferPointer(u), exact: &exact) }) {
            return found
        }
        var s = s
        return s.withUTF8 { u in id(UnsafeRawBufferPointer(u), exact: &exact) }
    }

    @inline(__always)
    private mutating func id(_ b: UnsafeRawBufferPointer, exact: inout Bool) -> Int32 {
        let k = key(bytes: b)
        let (found, added) = id(b, k)
        if !added && (k.kind != .ascii || all != nil) && !equal(Int(found), b) { exact = false }
        return found
    }

    /// The id of the string of UTF-8 bytes `b` with key `k` (``key(_:)`` of the same bytes), and whether it was added.
    @inline(__always)
    mutating func id(_ b: UnsafeRawBufferPointer, _ k: Key) -> (id: Int32, added: Bool) {
        if k.kind == .ascii && all == nil {
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: k.hash) & mask
            while true {
                let found = slots[i]
                if found < 0 { break }
                if keys[Int(found)].hash == k.hash && equal(Int(found), b) { return (found, false) }
                i = (i + 1) & mask
            }
            let new = append(b, k)
            slots[i] = new
            asciiCount += 1
            if asciiCount * 2 > slots.count { rehash(slots.count * 2) }
            return (new, true)
        }
        return slowID(b, k)
    }

    private mutating func slowID(_ b: UnsafeRawBufferPointer, _ k: Key) -> (id: Int32, added: Bool) {
        if k.kind == .asciiLike && all == nil {
            var everything: [String: Int32] = [:]
            everything.reserveCapacity(count * 2)
            for i in 0..<count { everything[string(i)] = Int32(i) }
            all = everything
        }
        let s = String(decoding: b, as: UTF8.self)
        if all != nil {
            if let found = all![s] { return (found, false) }
            let new = append(b, k)
            all![s] = new
            return (new, true)
        }
        if let found = others[s] { return (found, false) }
        let new = append(b, k)
        others[s] = new
        return (new, true)
    }

    @inline(__always) private func equal(_ i: Int, _ b: UnsafeRawBufferPointer) -> Bool {
        let s = starts[i], n = starts[i + 1] - s
        guard n == b.count else { return false }
        if n == 0 { return true }
        return arena.withUnsafeBytes { a in StringTable.sameBytes(a.baseAddress! + s, b.baseAddress!, n) }
    }

    /// Whether the `n` (> 0) bytes at `p` and `q` are the same: words compared inline (the last one overlapping),
    /// `memcmp` only for long strings; a call to `memcmp` per lookup cost more than the comparison.
    @inline(__always) static func sameBytes(_ p: UnsafeRawPointer, _ q: UnsafeRawPointer, _ n: Int) -> Bool {
        @inline(__always) func w8(_ r: UnsafeRawPointer, _ o: Int) -> UInt64 {
            r.loadUnaligned(fromByteOffset: o, as: UInt64.self)
        }
        @inline(__always) func w4(_ r: UnsafeRawPointer, _ o: Int) -> UInt32 {
            r.loadUnaligned(fromByteOffset: o, as: UInt32.self)
        }
        if n >= 8 {
            if n > 64 { return memcmp(p, q, n) == 0 }
            var i = 0
            while i + 8 < n {
                if w8(p, i) != w8(q, i) { return false }
                i += 8
            }
            return w8(p, n - 8) == w8(q, n - 8)
        }
        if n >= 4 { return w4(p, 0) == w4(q, 0) && w4(p, n - 4) == w4(q, n - 4) }
        var i = 0
        while i < n {
            if p.load(fromByteOffset: i, as: UInt8.self) != q.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }

    @inline(__always) private mutating func append(_ b: UnsafeRawBufferPointer, _ k: Key) -> Int32 {
        arena.append(contentsOf: b)
        starts.append(arena.count)
        keys.append(k)
        return Int32(truncatingIfNeeded: keys.count - 1)
    }

    private mutating func rehash(_ n: Int) {
        slots = Array(repeating: -1, count: n)
        let mask = n - 1
        for (id, k) in keys.enumerated() where k.kind == .ascii {
            var i = Int(truncatingIfNeeded: k.hash) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }

    /// Empties the table, keeping its storage.
    mutating func reset() {
        arena.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        starts.append(0)
        keys.removeAll(keepingCapacity: true)
        if asciiCount > 0 { slots.withUnsafeMutableBufferPointer { $0.update(repeating: -1) } }
        asciiCount = 0
        if !others.isEmpty { others.removeAll(keepingCapacity: true) }
        all = nil
    }

    /// Writes the table as a frame or section holds it: a varint count, then each string as a varint length
    /// and its bytes (what `ByteWriter.string` writes for each).
    func write<W: StoreByteSink>(into w: inout W) {
        w.varint(UInt64(count))
        arena.withUnsafeBytes { a in
            for i in 0..<count {
                let s = starts[i], e = starts[i + 1]
                w.varint(UInt64(e - s))
                w.append(UnsafeRawBufferPointer(rebasing: a[s..<e]))
            }
        }
    }

    /// The ids in byte order of their strings (the order of terms in an index).
    func idsInByteOrder() -> [Int] { termsInByteOrder(arena, starts: starts, count: count) }

    // MARK: Hashing

    /// Per process, so that the bucket of a string cannot be known from outside (user names come from the network).
    static let seed: (UInt64, UInt64) = {
        var g = SystemRandomNumberGenerator()
        return (g.next(), g.next())
    }()

    @inline(__always) private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    /// The key of the string of UTF-8 bytes `b`: a seeded hash (wyhash's reads and mixing: 16 bytes per
    /// multiply, short strings in two overlapping reads) and its kind.
    @inline(__always)
    static func key(_ b: UnsafeRawBufferPointer) -> Key { key(b, seed: seed) }

    /// The key of `b` under the process's seed (`seed` passed in: a table keeps a copy, as reading the static
    /// costs a `swift_once` call each time on Linux).
    @inline(__always)
    static func key(_ b: UnsafeRawBufferPointer, seed: (UInt64, UInt64)) -> Key {
        let n = b.count
        let (s0, s1) = seed
        var h = s0 ^ UInt64(truncatingIfNeeded: n)
        var high: UInt64 = 0
        var x: UInt64 = 0, y: UInt64 = 0
        @inline(__always) func r8(_ o: Int) -> UInt64 { b.loadUnaligned(fromByteOffset: o, as: UInt64.self) }
        @inline(__always) func r4(_ o: Int) -> UInt64 { UInt64(b.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        if n <= 16 {
            if n >= 4 {
                let q = (n >> 3) << 2
                x = (r4(0) << 32) | r4(q)
                y = (r4(n - 4) << 32) | r4(n - 4 - q)
            } else if n > 0 {
                x = (UInt64(b[0]) << 16) | (UInt64(b[n >> 1]) << 8) | UInt64(b[n - 1])
            }
            high = x | y
        } else {
            var i = 0
            while i + 16 < n {
                let p = r8(i), q = r8(i + 8)
                high |= p | q
                h = mix(p ^ 0xA076_1D64_78BD_642F, q ^ h)
                i += 16
            }
            x = r8(n - 16)
            y = r8(n - 8)
            high |= x | y
        }
        h = mix(x ^ 0xE703_7ED1_A0B4_28DB, y ^ h)
        h = mix(h ^ s1, UInt64(truncatingIfNeeded: n) ^ 0x8EBC_6AF0_9C88_C6E3)
        if high & 0x8080_8080_8080_8080 == 0 { return Key(hash: h, kind: .ascii) }
        return Key(hash: h, kind: asciiLike(b) ? .asciiLike : .other)
    }

    /// Whether every non-ASCII character of the UTF-8 `b` is U+037E (`CD BE`), U+1FEF (`E1 BF AF`) or U+212A
    /// (`E2 84 AA`): the characters whose canonical form is ASCII (`;`, `` ` ``, `K`), so that the string may
    /// equal an ASCII one.
    static func asciiLike(_ b: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            if c == 0xCD, i + 1 < n, b[i + 1] == 0xBE { i += 2; continue }
            if c == 0xE1, i + 2 < n, b[i + 1] == 0xBF, b[i + 2] == 0xAF { i += 3; continue }
            if c == 0xE2, i + 2 < n, b[i + 1] == 0x84, b[i + 2] == 0xAA { i += 3; continue }
            return false
        }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The ids `0..<count` of distinct byte strings (string `i` is `arena[starts[i]..<starts[i + 1]]`) in their byte
/// order (``compareBytes(_:_:)``): sorted by their first 8 bytes as one big-endian integer, the whole strings
/// compared only where those are equal. Distinct strings have one order, so this is the order a sort by
/// ``compareBytes(_:_:)`` gives; comparing through slices of the arena was ~45 % of encoding an index (callgrind,
/// issue 21: the addresses' texts at a prefix index and at rotation).
func termsInByteOrder(_ arena: [UInt8], starts: [Int], count: Int) -> [Int] {
    arena.withUnsafeBytes { a in
        starts.withUnsafeBufferPointer { st in
            var keys: [(prefix: UInt64, id: Int)] = []
            keys.reserveCapacity(count)
            for i in 0..<count {
                let s = st[i], n = st[i + 1] - s
                var k: UInt64 = 0
                if n >= 8 {
                    k = UInt64(bigEndian: a.loadUnaligned(fromByteOffset: s, as: UInt64.self))
                } else {
                    for j in 0..<n { k |= UInt64(a[s + j]) << (56 - 8 * j) }
                }
                keys.append((k, i))
            }
            keys.sort { x, y in
                if x.prefix != y.prefix { return x.prefix < y.prefix }
                return compareBytes(
                    UnsafeRawBufferPointer(rebasing: a[st[x.id]..<st[x.id + 1]]),
                    UnsafeRawBufferPointer(rebasing: a[st[y.id]..<st[y.id + 1]])) < 0
            }
            return keys.map(\.id)
        }
    }
}
