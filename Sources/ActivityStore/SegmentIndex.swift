#if canImport(Glibc)
import Glibc
#endif
import ActivityModel

/// The fields every index holds term dictionaries for, with the term an event contributes to each.
public enum IndexedField: String, CaseIterable, Sendable {
    /// The user name; the address as RFC 5952 text; the action; the category; the outcome; the entry method; the
    /// country (`geo.country`).
    case user, ip, action, category, outcome, entry, country
    /// `vpn`, `proxy`, `tor`, `hosting` flags and the names of matching lists.
    case net

    /// The event field its terms come from (``ActivityEvent/Field``): `country` from `geo`, `net` from the flags
    /// and lists of `net`.
    public var field: ActivityEvent.Field {
        switch self {
        case .user: .user
        case .ip: .ip
        case .action: .action
        case .category: .category
        case .outcome: .outcome
        case .entry: .entry
        case .country: .geo
        case .net: .net
        }
    }

    func terms(of e: ActivityEvent, into out: inout [String]) {
        out.removeAll(keepingCapacity: true)
        switch self {
        case .user: if let v = e.user { out.append(v) }
        case .ip: if let v = e.ip { out.append(v.description) }
        case .action: out.append(e.action.rawValue)
        case .category: out.append(e.category.rawValue)
        case .outcome: out.append(e.outcome.rawValue)
        case .entry: if let v = e.entry { out.append(v) }
        case .country: if let v = e.geo?.country { out.append(v) }
        case .net:
            if let n = e.net {
                if n.vpn { out.append("vpn") }
                if n.proxy { out.append("proxy") }
                if n.tor { out.append("tor") }
                if n.hosting { out.append("hosting") }
                out.append(contentsOf: n.lists)
            }
        }
    }
}

extension IndexedField {
    /// Whether `e` holds one of the `wanted` terms in this field: what ``terms(of:into:)`` would say, without
    /// building the term list for the single-valued fields (this runs for every decoded event).
    func matches(_ e: ActivityEvent, _ wanted: Set<String>, scratch: inout [String]) -> Bool {
        switch self {
        case .action: return wanted.contains(e.action.rawValue)
        case .category: return wanted.contains(e.category.rawValue)
        case .outcome: return wanted.contains(e.outcome.rawValue)
        case .user: return e.user.map(wanted.contains) ?? false
        case .ip, .entry, .country, .net:
            terms(of: e, into: &scratch)
            return scratch.contains(where: wanted.contains)
        }
    }
}

/// One entry of the frame table: the sparse seq → offset and time → offset index.
public struct FrameEntry: Hashable, Sendable {
    /// Offset of the events frame in the segment file.
    public var offset: UInt64
    /// Sequence number of the frame's first event.
    public var baseSeq: UInt64
    /// Number of events in the frame.
    public var count: UInt32
    /// Earliest event `time` in the frame, nanoseconds since the epoch.
    public var minTime: Int64
    /// Latest event `time` in the frame, nanoseconds since the epoch.
    public var maxTime: Int64
}

/// A sealed segment's index, read from its `.idx` file.
public final class SegmentIndex: Sendable {
    /// Sequence number of the segment's first event.
    public let firstSeq: UInt64
    /// Number of events in the segment.
    public let eventCount: UInt64
    /// Earliest event `time` in the segment, nanoseconds since the epoch (0 when the segment has no events).
    public let minTime: Int64
    /// Latest event `time` in the segment, nanoseconds since the epoch (0 when the segment has no events).
    public let maxTime: Int64
    /// Length in bytes of the segment this index describes (a longer segment file means a stale index).
    public let segmentLength: UInt64
    /// The frame table: one entry per events frame, in file order.
    public let frames: [FrameEntry]
    let file: MappedFile
    let sections: [String: Int]

    /// Opens and checks an index. Validates layout and bounds; `verifyChecksum` also checks the CRC over the
    /// whole file (what `activityctl verify` does; queries skip it to touch only the pages they need).
    public init(path: String, verifyChecksum: Bool) throws(StoreError) {
        file = try MappedFile(path: path)
        let b = file.bytes
        func bad(_ why: String) -> StoreError { StoreError(.corrupt, "damaged index: \(why)", path: path) }
        guard b.count >= 4 else { throw bad("too short") }
        if verifyChecksum {
            var r = ByteReader(b, offset: b.count - 4)
            guard let stored = r.u32(),
                CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<(b.count - 4)])) == stored
            else { throw bad("CRC mismatch over the index file") }
        }
        var r = ByteReader(b, end: b.count - 4)
        guard let magic = r.bytes(8), Array(magic) == SegmentFormat.indexMagic else { throw bad("bad magic") }
        guard let version = r.u16(), version == SegmentFormat.version, r.u16() != nil,
            let first = r.u64(), let count = r.u64(), let lo = r.i64(), let hi = r.i64(), let segLen = r.u64(),
            let nframes = r.u32(), Int(nframes) * 36 <= r.remaining
        else { throw bad("bad header") }
        // Readers use the segment length as an Int position and add seqs to the first seq: out of range is damage,
        // never a trap later.
        guard segLen <= UInt64(Int.max), count <= UInt64.max - first else { throw bad("header field out of range") }
        var frames: [FrameEntry] = []
        frames.reserveCapacity(Int(nframes))
        for _ in 0..<nframes {
            guard let o = r.u64(), let s = r.u64(), let c = r.u32(), let mn = r.i64(), let mx = r.i64() else {
                throw bad("bad frame table")
            }
            // Offsets are used as Int positions in the segment: anything past its length is damage, not a trap.
            guard o < segLen, s >= first, s - first <= UInt64(UInt32.max) else {
                throw bad("frame table entry out of range")
            }
            frames.append(FrameEntry(offset: o, baseSeq: s, count: c, minTime: mn, maxTime: mx))
        }
        guard let nfields = r.u8() else { throw bad("bad field table") }
        var sections: [String: Int] = [:]
        for _ in 0..<nfields {
            guard let name = r.string(), let off = r.u64(), off < UInt64(b.count) else { throw bad("bad field table") }
            sections[name] = Int(off)
        }
        firstSeq = first; eventCount = count; minTime = lo; maxTime = hi; segmentLength = segLen
        self.frames = frames
        self.sections = sections
    }

    /// Where a field section's term table lies: its term count, the offset of its `n + 1` term offsets, the
    /// start of the term bytes, and the end of the readable index (before the CRC). Nil when the section is
    /// missing or its offsets table runs past the end.
    private func termTable(_ field: IndexedField) -> (n: Int, termOffsetsAt: Int, termBlob: Int, end: Int)? {
        guard let start = sections[field.rawValue] else { return nil }
        let b = file.bytes
        var r = ByteReader(b, offset: start, end: b.count - 4)
        guard let n32 = r.u32() else { return nil }
        let n = Int(n32)
        let termOffsetsAt = r.offset
        guard termOffsetsAt + 4 * (n + 1) <= r.end else { return nil }
        return (n, termOffsetsAt, termOffsetsAt + 4 * (n + 1), r.end)
    }

    /// The ordinals (seq − firstSeq) of events holding `term` in `field`, ascending; empty when none.
    /// Nil when the field's section is damaged.
    public func postings(field: IndexedField, term: String) -> [UInt32]? {
        guard sections[field.rawValue] != nil else { return [] }
        guard let (n, termOffsetsAt, termBlob, end) = termTable(field) else { return nil }
        let b = file.bytes
        func u32(at o: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian) }
        let postOffsetsAt = termBlob + u32(at: termOffsetsAt + 4 * n)
        guard postOffsetsAt + 4 * (n + 1) <= end else { return nil }
        let postBlob = postOffsetsAt + 4 * (n + 1)
        let target = Array(term.utf8)
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            let s = u32(at: termOffsetsAt + 4 * mid), e = u32(at: termOffsetsAt + 4 * (mid + 1))
            guard s <= e, termBlob + e <= postOffsetsAt else { return nil }
            let cmp = target.withUnsafeBytes {
                compareBytes(UnsafeRawBufferPointer(rebasing: b[(termBlob + s)..<(termBlob + e)]), $0)
            }
            if cmp == 0 {
                let ps = u32(at: postOffsetsAt + 4 * mid), pe = u32(at: postOffsetsAt + 4 * (mid + 1))
                guard ps <= pe, postBlob + pe <= end else { return nil }
                var pr = ByteReader(b, offset: postBlob + ps, end: postBlob + pe)
                guard let count = pr.varint(), count <= UInt64(pe - ps) else { return nil }
                var out: [UInt32] = []
                out.reserveCapacity(Int(count))
                var prev: UInt64 = 0
                for _ in 0..<count {
                    guard let d = pr.varint() else { return nil }
                    prev &+= d
                    out.append(UInt32(truncatingIfNeeded: prev))
                }
                return out
            }
            if cmp < 0 { lo = mid + 1 } else { hi = mid }
        }
        return []
    }

    /// Whether the index has an accounts section (indexes written before it existed have none).
    public var hasAccounts: Bool { sections[AccountSection.name] != nil }

    /// Per user, the digest of the login and admin events the index covers, in byte order of the names.
    /// Nil when the index has no accounts section or it is damaged: read the events instead.
    public func accountDigests() -> [(user: String, digest: AccountDigest)]? {
        guard let start = sections[AccountSection.name] else { return nil }
        let b = file.bytes
        var r = ByteReader(b, offset: start, end: b.count - 4)
        return AccountSection.decode(&r)
    }

    /// Whether the index has a logins section (indexes written before it existed have none).
    public var hasLogins: Bool { sections[LoginSection.name] != nil }

    /// The terms of the `user` section in its order (byte order); nil when the section is damaged.
    func userTerms() -> [String]? {
        guard sections[IndexedField.user.rawValue] != nil else { return [] }
        guard let (n, termOffsetsAt, termBlob, end) = termTable(.user) else { return nil }
        let b = file.bytes
        func u32(at o: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian) }
        guard termBlob + u32(at: termOffsetsAt + 4 * n) <= end else { return nil }
        var out: [String] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let s = u32(at: termOffsetsAt + 4 * i), e = u32(at: termOffsetsAt + 4 * (i + 1))
            guard s <= e, termBlob + e <= end else { return nil }
            out.append(
                String(decoding: UnsafeRawBufferPointer(rebasing: b[(termBlob + s)..<(termBlob + e)]), as: UTF8.self))
        }
        return out
    }

    /// The rows of the logins section, each given to `visit` with its user as an index into ``userTerms()``
    /// (`userCount` of them; −1: none). False when the index has no logins section or it is damaged: read the
    /// events instead (the rows visited before the damage was found must then be dropped).
    func loginRows(
        userCount: Int,
        _ visit: (
            _ ordinal: UInt32, _ time: Int64, _ kind: LoginEventKind, _ risk: UInt8, _ user: Int32, _ ip: IPAddress?
        ) -> Void
    ) -> Bool {
        guard let start = sections[LoginSection.name] else { return false }
        let b = file.bytes
        var r = ByteReader(b, offset: start, end: b.count - 4)
        return LoginSection.decode(&r, userCount: userCount, visit)
    }

    /// Every term of a field with its posting count (for `activityctl stats` and reports).
    public func terms(field: IndexedField) -> [(String, Int)] {
        guard let start = sections[field.rawValue] else { return [] }
        let b = file.bytes
        var r = ByteReader(b, offset: start, end: b.count - 4)
        guard let n32 = r.u32() else { return [] }
        let n = Int(n32)
        let termOffsetsAt = r.offset
        guard termOffsetsAt + 4 * (n + 1) <= r.end else { return [] }
        func u32(at o: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian) }
        let termBlob = termOffsetsAt + 4 * (n + 1)
        let postOffsetsAt = termBlob + u32(at: termOffsetsAt + 4 * n)
        guard postOffsetsAt + 4 * (n + 1) <= r.end else { return [] }
        let postBlob = postOffsetsAt + 4 * (n + 1)
        var out: [(String, Int)] = []
        for i in 0..<n {
            let s = u32(at: termOffsetsAt + 4 * i), e = u32(at: termOffsetsAt + 4 * (i + 1))
            guard s <= e, termBlob + e <= postOffsetsAt else { return out }
            var pr = ByteReader(b, offset: postBlob + u32(at: postOffsetsAt + 4 * i), end: r.end)
            let term = String(
                decoding: UnsafeRawBufferPointer(rebasing: b[(termBlob + s)..<(termBlob + e)]), as: UTF8.self)
            out.append((term, Int(clamping: pr.varint() ?? 0)))
        }
        return out
    }

}

/// Byte order (the order of terms in an index): negative, zero or positive as `a` sorts before, with or after
/// `b`; `memcmp` over the common prefix, then the shorter first.
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    let r = n == 0 ? 0 : Int(memcmp(a.baseAddress!, b.baseAddress!, n))
    return r != 0 ? r : (a.count == b.count ? 0 : (a.count < b.count ? -1 : 1))
}

/// ``compareBytes(_:_:)`` of the UTF-8 forms, as a sort predicate: the generic `utf8.lexicographicallyPrecedes`
/// was a third of sealing a segment with half a million addresses.
func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { x in b.withUTF8 { y in compareBytes(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) < 0 }
    }
}
