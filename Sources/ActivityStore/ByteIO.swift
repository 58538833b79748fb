#if canImport(Glibc)
import Glibc
#endif

/// Little-endian, varint-aware byte building for the segment and index encodings.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    @inline(__always) mutating func u8(_ v: UInt8) { bytes.append(v) }
    @inline(__always) mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    @inline(__always) mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    @inline(__always) mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    @inline(__always) mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    @inline(__always) mutating func f64(_ v: Double) { u64(v.bitPattern) }

    /// Unsigned LEB128.
    @inline(__always) mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    /// Zig-zag then LEB128.
    @inline(__always) mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    /// Varint length, then the UTF-8 bytes.
    @inline(__always) mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            varint(UInt64(u.count))
            bytes.append(contentsOf: u)
        }
    }

    mutating func patchU32(at offset: Int, _ v: UInt32) {
        bytes[offset] = UInt8(v & 0xFF); bytes[offset + 1] = UInt8((v >> 8) & 0xFF)
        bytes[offset + 2] = UInt8((v >> 16) & 0xFF); bytes[offset + 3] = UInt8(v >> 24)
    }
}

/// A bounds-checked cursor over bytes that never traps: every read returns nil past the end,
/// so corrupt or truncated files turn into reported damage, not crashes.
struct ByteReader {
    let base: UnsafeRawBufferPointer
    var offset: Int
    let end: Int

    init(_ base: UnsafeRawBufferPointer, offset: Int = 0, end: Int? = nil) {
        self.base = base
        self.offset = offset
        self.end = min(end ?? base.count, base.count)
    }

    var remaining: Int { end - offset }
    var atEnd: Bool { offset >= end }

    @inline(__always) mutating func u8() -> UInt8? {
        guard offset < end else { return nil }
        defer { offset += 1 }
        return base[offset]
    }
    @inline(__always) mutating func u16() -> UInt16? {
        guard offset + 2 <= end else { return nil }
        defer { offset += 2 }
        return UInt16(base[offset]) | UInt16(base[offset + 1]) << 8
    }
    @inline(__always) mutating func u32() -> UInt32? {
        guard offset + 4 <= end else { return nil }
        defer { offset += 4 }
        return base.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
    }
    @inline(__always) mutating func u64() -> UInt64? {
        guard offset + 8 <= end else { return nil }
        defer { offset += 8 }
        return base.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }
    @inline(__always) mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }
    @inline(__always) mutating func f64() -> Double? { u64().map { Double(bitPattern: $0) } }

    @inline(__always) mutating func varint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end {
            let b = base[offset]
            offset += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    @inline(__always) mutating func zigzag() -> Int64? {
        guard let v = varint() else { return nil }
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    @inline(__always) mutating func bytes(_ n: Int) -> UnsafeRawBufferPointer? {
        guard n >= 0, offset + n <= end else { return nil }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: base[offset..<(offset + n)])
    }

    @inline(__always) mutating func string() -> String? {
        guard let n = varint(), n <= UInt64(remaining), let b = bytes(Int(n)) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    /// ``string()``, or with `build` false only stepped over (an empty string): nil when malformed either way.
    mutating func string(build: Bool) -> String? {
        guard !build else { return string() }
        guard let n = varint(), n <= UInt64(remaining) else { return nil }
        offset += Int(n)
        return ""
    }

    /// A string table: a varint count, then that many strings (frames and the accounts section).
    mutating func stringTable() -> [String]? {
        guard let n = varint(), n <= UInt64(remaining) else { return nil }
        var table: [String] = []
        table.reserveCapacity(Int(n))
        for _ in 0..<n {
            guard let s = string() else { return nil }
            table.append(s)
        }
        return table
    }
}

/// Where an event's string-table references resolve. A frame decoded whole builds its table once (``Array``
/// of `String`); a frame read for a few of its events (an index lookup) uses ``LazyStringTable``, which
/// builds only the strings those events refer to.
protocol FrameStringLookup {
    /// The number of strings in the table.
    var count: Int { get }
    /// The string with id `i` (`0..<count`).
    func string(_ i: Int) -> String
}

extension Array: FrameStringLookup where Element == String {
    @inline(__always) func string(_ i: Int) -> String { self[i] }
}

/// Where a frame's string table lies, without its strings: the table's size, the offset of every
/// ``stride``-th string, and where the table ends (the frame's events begin); and, when made for a frame kept
/// in a ``SegmentCache``, the offset of every ``stride``-th event. Offsets are in the segment file, so marks
/// stay valid for any mapping of the same file.
struct StringTableMarks: Sendable {
    static let stride = 32
    /// The number of strings.
    let count: Int
    /// The offset of the length prefix of strings 0, 32, 64, ...
    let marks: [Int]
    /// The offset just past the table.
    let end: Int
    /// The offset of the length prefix of events 0, 32, 64, ... (empty: not made).
    var eventMarks: [Int] = []
}

/// A frame's string table read through its ``StringTableMarks``: each reference walks at most 31 lengths
/// from the nearest mark and builds its string (the same `String(decoding:)` as the built table, so the same
/// text). The marks were made from these bytes, so every length is in bounds.
struct LazyStringTable: FrameStringLookup {
    let base: UnsafeRawBufferPointer
    let table: StringTableMarks

    var count: Int { table.count }

    @inline(__always) func string(_ i: Int) -> String {
        var r = ByteReader(base, offset: table.marks[i / StringTableMarks.stride], end: table.end)
        for _ in 0..<(i % StringTableMarks.stride) {
            guard let n = r.varint() else { return "" }
            r.offset += Int(n)
        }
        guard let n = r.varint(), let bytes = r.bytes(Int(n)) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ByteReader {
    /// Steps over a string table, noting where its strings lie: nil when malformed, as ``stringTable()`` is.
    mutating func stringTableMarks() -> StringTableMarks? {
        guard let n = varint(), n <= UInt64(remaining) else { return nil }
        var marks: [Int] = []
        marks.reserveCapacity(Int(n) / StringTableMarks.stride + 1)
        for i in 0..<Int(n) {
            if i % StringTableMarks.stride == 0 { marks.append(offset) }
            guard let len = varint(), len <= UInt64(remaining) else { return nil }
            offset += Int(len)
        }
        return StringTableMarks(count: Int(n), marks: marks, end: offset)
    }
}

/// Where the event codec and string tables write: ``ByteWriter`` (an array), or ``RawByteBuffer`` on the
/// writer's hot path, where an array's uniqueness and capacity checks per byte were a fifth of an append's
/// instructions (callgrind, issue 21). Both write the same bytes.
protocol StoreByteSink {
    var count: Int { get }
    mutating func u8(_ v: UInt8)
    mutating func u32(_ v: UInt32)
    mutating func u64(_ v: UInt64)
    mutating func varint(_ v: UInt64)
    mutating func append(_ b: UnsafeRawBufferPointer)
}

extension StoreByteSink {
    @inline(__always) mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    @inline(__always) mutating func f64(_ v: Double) { u64(v.bitPattern) }
    @inline(__always) mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
    /// Varint length, then the UTF-8 bytes.
    @inline(__always) mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            varint(UInt64(u.count))
            append(UnsafeRawBufferPointer(u))
        }
    }
}

extension ByteWriter: StoreByteSink {
    @inline(__always) mutating func append(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
}

/// A growable byte buffer in malloc'd memory, written through a pointer (one capacity check per write, no
/// uniqueness check). Copying the struct shares the memory: one owner writes it.
struct RawByteBuffer: StoreByteSink {
    final class Owner {
        var p: UnsafeMutableRawPointer
        init(_ p: UnsafeMutableRawPointer) { self.p = p }
        deinit { free(p) }
    }
    private let owner: Owner
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(64, capacity)
        base = malloc(self.capacity)!
        owner = Owner(base)
    }

    /// Calls `body` with the bytes written (valid only inside it: the buffer is kept alive for the call, as a
    /// pointer into it does not keep it alive).
    @inline(__always) func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withExtendedLifetime(owner) { body(UnsafeRawBufferPointer(start: base, count: count)) }
    }

    @inline(__always) mutating func reserve(_ n: Int) { if count + n > capacity { grow(count + n) } }

    @inline(never) private mutating func grow(_ need: Int) {
        var c = capacity * 2
        while c < need { c *= 2 }
        base = realloc(base, c)!
        owner.p = base
        capacity = c
    }

    mutating func removeAll() { count = 0 }

    @inline(__always) mutating func u8(_ v: UInt8) {
        reserve(1)
        base.storeBytes(of: v, toByteOffset: count, as: UInt8.self)
        count += 1
    }
    @inline(__always) mutating func u32(_ v: UInt32) {
        reserve(4)
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }
    @inline(__always) mutating func u64(_ v: UInt64) {
        reserve(8)
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }
    @inline(__always) mutating func varint(_ v: UInt64) {
        reserve(10)
        var v = v
        while v >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: count, as: UInt8.self)
            count += 1
            v >>= 7
        }
        base.storeBytes(of: UInt8(v), toByteOffset: count, as: UInt8.self)
        count += 1
    }
    @inline(__always) mutating func append(_ b: UnsafeRawBufferPointer) {
        guard let src = b.baseAddress, b.count > 0 else { return }
        reserve(b.count)
        (base + count).copyMemory(from: src, byteCount: b.count)
        count += b.count
    }

    /// Overwrites 4 bytes at `offset` (little-endian).
    mutating func patchU32(at offset: Int, _ v: UInt32) {
        base.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    /// Overwrites the byte at `offset`.
    mutating func setU8(at offset: Int, _ v: UInt8) { base.storeBytes(of: v, toByteOffset: offset, as: UInt8.self) }

    /// Makes room for `n` more bytes at `offset`, moving what follows it along (their content is then undefined).
    mutating func open(at offset: Int, _ n: Int) {
        reserve(n)
        memmove(base + offset + n, base + offset, count - offset)
        count += n
    }
}
