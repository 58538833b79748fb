import ActivityModel

/// Constants and the pure encoding of segment files (`docs/segment-format.md` is the normative text).
public enum SegmentFormat {
    /// `ACTSEG` then CR LF: a text-mode transfer that mangles line ends is caught by the magic itself.
    public static let segmentMagic: [UInt8] = [0x41, 0x43, 0x54, 0x53, 0x45, 0x47, 0x0D, 0x0A]
    /// `ACTIDX` then CR LF: the magic of index files.
    public static let indexMagic: [UInt8] = [0x41, 0x43, 0x54, 0x49, 0x44, 0x58, 0x0D, 0x0A]
    /// The format version of both segments and indexes; readers refuse any other.
    public static let version: UInt16 = 1
    /// Frames larger than this are treated as damage, never allocated.
    public static let maxFrameBody = 16 * 1024 * 1024
    /// An events frame is closed at this many events or bytes, so an index hit decodes little.
    public static let maxEventsPerFrame = 256
    /// Bytes of encoded events at which the writer closes an events frame (about 64 KiB).
    public static let targetFrameBytes = 64 * 1024

    /// Frame kind 1: an events frame.
    public static let frameEvents: UInt8 = 1
    /// Frame kind 2: a commit frame.
    public static let frameCommit: UInt8 = 2
    /// A seal: the forward-secure MAC over the bytes since the previous seal (§7); only in sealed stores.
    public static let frameSeal: UInt8 = 3
    /// The seal frame's body length: kind, epoch, time, start, previous tag, tag.
    static let sealBodyLength = 1 + 8 + 8 + 8 + 32 + 32

    /// The file name of the segment whose first event has `firstSeq`: 20 zero-padded digits and `.seg`.
    public static func segmentName(firstSeq: UInt64) -> String { pad20(firstSeq) + ".seg" }
    /// The file name of that segment's index: 20 zero-padded digits and `.idx`.
    public static func indexName(firstSeq: UInt64) -> String { pad20(firstSeq) + ".idx" }

    static func pad20(_ v: UInt64) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s
    }

    /// Parses `%020d.seg` names; nil for anything else.
    public static func firstSeq(fromSegmentName name: String) -> UInt64? {
        guard name.hasSuffix(".seg"), name.utf8.count == 24 else { return nil }
        return UInt64(name.prefix(20))
    }

    static func encodeHeader(firstSeq: UInt64, created: Timestamp, host: String) -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        let hostBytes = Array(host.utf8.prefix(255))
        w.bytes.append(contentsOf: segmentMagic)
        w.u16(version)
        w.u16(UInt16(38 + hostBytes.count))
        w.u32(0)
        w.u64(firstSeq)
        w.i64(created.nanoseconds)
        w.u16(UInt16(hostBytes.count))
        w.bytes.append(contentsOf: hostBytes)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Wraps a frame body with its length and CRC32C.
    static func frame(_ body: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: body.count + 8)
        w.u32(UInt32(body.count))
        w.u32(CRC32C.checksum(body))
        w.bytes.append(contentsOf: body)
        return w.bytes
    }

    static func commitBody(nextSeq: UInt64, time: Timestamp, full: Bool, positions: [(String, String)]) -> [UInt8] {
        var w = ByteWriter(capacity: 32)
        w.u8(frameCommit)
        w.u64(nextSeq)
        w.i64(time.nanoseconds)
        w.u8(full ? 1 : 0)
        w.varint(UInt64(positions.count))
        for (k, v) in positions { w.string(k); w.string(v) }
        return w.bytes
    }
}

/// The parsed header of a segment file.
public struct SegmentHeader: Hashable, Sendable {
    /// Format version (``SegmentFormat/version``).
    public var version: UInt16
    /// Sequence number of the segment's first event; equals the number in the file name.
    public var firstSeq: UInt64
    /// When the writer created the segment.
    public var created: Timestamp
    /// Name of the host that wrote the segment (at most 255 bytes of UTF-8).
    public var host: String
    /// Header length in bytes: the first frame starts here.
    public var length: Int

    static func parse(_ b: UnsafeRawBufferPointer) -> SegmentHeader? {
        var r = ByteReader(b)
        guard let magic = r.bytes(8), Array(magic) == SegmentFormat.segmentMagic,
            let version = r.u16(), version == SegmentFormat.version,
            let hlen = r.u16(), r.u32() != nil,
            let first = r.u64(), let created = r.i64(), let hostLen = r.u16(),
            Int(hlen) == 38 + Int(hostLen), let host = r.bytes(Int(hostLen)), let crc = r.u32(),
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<(34 + Int(hostLen))])) == crc
        else { return nil }
        return SegmentHeader(
            version: version, firstSeq: first, created: Timestamp(nanoseconds: created),
            host: String(decoding: host, as: UTF8.self), length: Int(hlen))
    }
}

/// One frame located in a segment: where it is and what it holds.
public struct FrameInfo: Hashable, Sendable {
    /// Offset of the frame's length field in the segment file.
    public var offset: Int
    /// Offset just past the frame.
    public var end: Int
    /// The frame kind: ``SegmentFormat/frameEvents``, ``SegmentFormat/frameCommit`` or ``SegmentFormat/frameSeal``.
    public var kind: UInt8
    /// Events frames: the first event's sequence number and the event count.
    public var baseSeq: UInt64
    /// Number of events (1 to 256) in an events frame; 0 for other kinds.
    public var count: Int
}

/// Why a scan stopped before the end of the bytes.
public enum FrameDamage: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes end inside a frame (a torn write).
    case truncated(offset: Int)
    /// The frame's length, CRC or layout is wrong.
    case corrupt(offset: Int, reason: String)

    /// Where the frame starts (for either case).
    public var offset: Int {
        switch self {
        case .truncated(let o), .corrupt(let o, _): return o
        }
    }

    /// `truncated frame at offset N` or `corrupt frame at offset N: why`.
    public var description: String {
        switch self {
        case .truncated(let o): return "truncated frame at offset \(o)"
        case .corrupt(let o, let r): return "corrupt frame at offset \(o): \(r)"
        }
    }

    /// What is wrong, without the offset (for reports that print the offset themselves).
    public var reason: String {
        switch self {
        case .truncated: return "truncated frame"
        case .corrupt(_, let r): return "corrupt frame: \(r)"
        }
    }
}

/// The commit frame: positions stored in the same write as the events they produced.
public struct CommitRecord: Hashable, Sendable {
    /// The sequence number the next event will get (after events frames: one past their last event).
    public var nextSeq: UInt64
    /// When the commit was written.
    public var time: Timestamp
    /// True for the checkpoint that starts every segment: it holds every input's position.
    public var isFull: Bool
    /// Input positions by input name (`journald`, `file:<path>`): the positions this commit stores; opaque text.
    public var positions: [String: String]
}

enum FrameParser {
    /// Reads the frame at `offset`; `.failure` says why it is not a valid frame.
    static func frame(in b: UnsafeRawBufferPointer, at offset: Int) -> Result<FrameInfo, FrameDamage> {
        guard offset + 8 <= b.count else { return .failure(.truncated(offset: offset)) }
        var r = ByteReader(b, offset: offset)
        guard let len = r.u32(), let crc = r.u32() else { return .failure(.truncated(offset: offset)) }
        guard len >= 1, Int(len) <= SegmentFormat.maxFrameBody else {
            return .failure(.corrupt(offset: offset, reason: "implausible length \(len)"))
        }
        let bodyStart = offset + 8
        guard bodyStart + Int(len) <= b.count else { return .failure(.truncated(offset: offset)) }
        let body = UnsafeRawBufferPointer(rebasing: b[bodyStart..<(bodyStart + Int(len))])
        // Cheap structural checks first, the CRC last: resynchronising over a damaged region tries every
        // offset, and garbage must almost never reach a CRC over up to 16 MiB (that made scans quadratic).
        var br = ByteReader(body)
        guard let kind = br.u8() else { return .failure(.corrupt(offset: offset, reason: "empty body")) }
        let info: FrameInfo
        switch kind {
        case SegmentFormat.frameEvents:
            guard let base = br.u64(), let count = br.u32(), count >= 1, Int(count) <= SegmentFormat.maxEventsPerFrame
            else {
                return .failure(.corrupt(offset: offset, reason: "bad events frame header"))
            }
            // Seqs start at 1 and `base + count` must be a seq: every reader adds them without overflow checks.
            guard base >= 1, base <= UInt64.max - UInt64(count) else {
                return .failure(.corrupt(offset: offset, reason: "events frame seq \(base) out of range"))
            }
            info = FrameInfo(offset: offset, end: bodyStart + Int(len), kind: kind, baseSeq: base, count: Int(count))
        case SegmentFormat.frameCommit:
            guard let next = br.u64() else { return .failure(.corrupt(offset: offset, reason: "short commit")) }
            info = FrameInfo(offset: offset, end: bodyStart + Int(len), kind: kind, baseSeq: next, count: 0)
        case SegmentFormat.frameSeal:
            guard Int(len) == SegmentFormat.sealBodyLength else {
                return .failure(.corrupt(offset: offset, reason: "bad seal frame length"))
            }
            info = FrameInfo(offset: offset, end: bodyStart + Int(len), kind: kind, baseSeq: 0, count: 0)
        default:
            return .failure(.corrupt(offset: offset, reason: "unknown frame kind \(kind)"))
        }
        guard CRC32C.checksum(body) == crc else { return .failure(.corrupt(offset: offset, reason: "CRC mismatch")) }
        return .success(info)
    }

    /// Finds the next offset after `offset` where a valid frame starts (resynchronisation after damage).
    static func resync(in b: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var o = offset + 1
        while o + 8 <= b.count {
            if case .success = frame(in: b, at: o) { return o }
            o += 1
        }
        return nil
    }

    static func commit(in b: UnsafeRawBufferPointer, frame f: FrameInfo) -> CommitRecord? {
        var r = ByteReader(b, offset: f.offset + 9, end: f.end)
        guard let next = r.u64(), let t = r.i64(), let flags = r.u8(), let n = r.varint(), n <= 1_000_000 else {
            return nil
        }
        var positions: [String: String] = [:]
        for _ in 0..<n {
            guard let k = r.string(), let v = r.string() else { return nil }
            positions[k] = v
        }
        return CommitRecord(
            nextSeq: next, time: Timestamp(nanoseconds: t), isFull: flags & 1 != 0, positions: positions)
    }

    /// Decodes the events of an events frame. With `ordinals`, only events at those positions within the
    /// frame (0-based, ascending) are decoded. Nil when the frame's contents are damaged.
    ///
    /// When the ordinals are few against the frame's events (an index lookup: one user's events spread over
    /// many frames), the string table is not built: only the strings of the wanted events are, through the
    /// table's marks (`marks`, when the caller kept them from an earlier read of this frame, or made now).
    static func events(
        in b: UnsafeRawBufferPointer, frame f: FrameInfo, ordinals: [Int]? = nil, omit: OmittedFields = [],
        marks: StringTableMarks? = nil
    ) -> [ActivityEvent]? {
        var r = ByteReader(b, offset: f.offset + 8 + 1 + 8 + 4, end: f.end)
        if let ordinals, marks != nil || isSparse(ordinals, in: f) {
            if let marks { r.offset = marks.end }
            guard let table = marks ?? r.stringTableMarks() else { return nil }
            let lazy = LazyStringTable(base: b, table: table)
            if !table.eventMarks.isEmpty { return events(&r, table: lazy, frame: f, marked: ordinals, omit: omit) }
            return events(&r, table: lazy, frame: f, ordinals: ordinals, omit: omit)
        }
        guard let table = r.stringTable() else { return nil }
        return events(&r, table: table, frame: f, ordinals: ordinals, omit: omit)
    }

    /// True when `ordinals` are few enough against the frame's events that building the whole string table
    /// costs more than building each wanted event's strings.
    static func isSparse(_ ordinals: [Int], in f: FrameInfo) -> Bool { ordinals.count * 8 <= f.count }

    /// The marks of the frame's string table and events (see ``events(in:frame:ordinals:omit:marks:)``): nil
    /// when the frame is damaged.
    static func marks(in b: UnsafeRawBufferPointer, frame f: FrameInfo) -> StringTableMarks? {
        var r = ByteReader(b, offset: f.offset + 8 + 1 + 8 + 4, end: f.end)
        guard var m = r.stringTableMarks() else { return nil }
        m.eventMarks.reserveCapacity(f.count / StringTableMarks.stride + 1)
        for i in 0..<f.count {
            if i % StringTableMarks.stride == 0 { m.eventMarks.append(r.offset) }
            guard let len = r.varint(), len <= UInt64(r.remaining) else { return nil }
            r.offset += Int(len)
        }
        return m
    }

    /// The events at `ordinals` (ascending), reached through the table's event marks: at most 31 lengths
    /// stepped over per event instead of every event before it.
    private static func events(
        _ r: inout ByteReader, table: LazyStringTable, frame f: FrameInfo, marked ordinals: [Int],
        omit: OmittedFields
    ) -> [ActivityEvent]? {
        let stride = StringTableMarks.stride
        let marks = table.table.eventMarks
        var out: [ActivityEvent] = []
        out.reserveCapacity(ordinals.count)
        var at = -1  // the ordinal whose length prefix `r` is at; -1: not positioned
        for target in ordinals {
            guard target < f.count else { break }  // as the unmarked walk: ordinals past the frame are not there
            guard target >= 0, target / stride < marks.count else { return nil }
            if at < 0 || target < at || target / stride != at / stride {
                r.offset = marks[target / stride]
                at = target - target % stride
            }
            while at < target {
                guard let len = r.varint(), len <= UInt64(r.remaining) else { return nil }
                r.offset += Int(len)
                at += 1
            }
            guard let len = r.varint(), len <= UInt64(r.remaining) else { return nil }
            let start = r.offset
            r.offset += Int(len)
            at += 1
            var er = ByteReader(r.base, offset: start, end: start + Int(len))
            guard let e = EventCodec.decode(&er, seq: f.baseSeq &+ UInt64(target), table: table, omit: omit) else {
                return nil
            }
            out.append(e)
        }
        return out
    }

    private static func events<Table: FrameStringLookup>(
        _ r: inout ByteReader, table: Table, frame f: FrameInfo, ordinals: [Int]?,
        omit: OmittedFields
    ) -> [ActivityEvent]? {
        let b = r.base
        var out: [ActivityEvent] = []
        out.reserveCapacity(ordinals?.count ?? f.count)
        var want = ordinals?.makeIterator()
        var next = want?.next()
        for i in 0..<f.count {
            guard let len = r.varint(), len <= UInt64(r.remaining) else { return nil }
            let start = r.offset
            r.offset += Int(len)
            if ordinals != nil {
                guard let target = next else { break }
                if target != i { continue }
                next = want?.next()
            }
            var er = ByteReader(b, offset: start, end: start + Int(len))
            guard let e = EventCodec.decode(&er, seq: f.baseSeq &+ UInt64(i), table: table, omit: omit) else {
                return nil
            }
            out.append(e)
        }
        return out
    }
}
