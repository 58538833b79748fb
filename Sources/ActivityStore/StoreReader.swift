import ActivityModel

/// Which events a query wants. Term filters are answered from the index of sealed segments; the active
/// segment (and any segment whose index is missing or stale) is scanned. Every returned event also passes
/// ``matches(_:)``, so index and scan answers are the same.
public struct EventQuery: Sendable, Hashable {
    /// AND across fields, OR within one field's set.
    public var terms: [IndexedField: Set<String>] = [:]
    /// Inclusive lower bound on `time`.
    public var since: Timestamp?
    /// Exclusive upper bound on `time`.
    public var until: Timestamp?
    /// Only events with `seq > afterSeq`.
    public var afterSeq: UInt64?
    public var reverse = false
    public var limit: Int?

    public init() {}

    public func matches(_ e: ActivityEvent) -> Bool {
        if let s = since, e.time < s { return false }
        if let u = until, e.time >= u { return false }
        if let a = afterSeq, e.seq <= a { return false }
        var scratch: [String] = []
        for (field, wanted) in terms {
            field.terms(of: e, into: &scratch)
            if !scratch.contains(where: wanted.contains) { return false }
        }
        return true
    }
}

/// One segment file as listed by the reader.
public struct SegmentInfo: Sendable, Hashable {
    public var firstSeq: UInt64
    public var path: String
    public var indexPath: String
    public var size: Int
    /// Sealed segments have an index; the newest segment is the active one.
    public var isActive: Bool
}

/// Damage met while reading; reading goes on after it.
public struct ReadDamage: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var offset: Int
    public var reason: String
    public var description: String { "\(path): offset \(offset): \(reason)" }
}

/// Reads a data directory's segments: the reader library used by `activityctl` and open to other tools.
///
/// Safe to use while the daemon writes: each segment is mapped at the length it has when opened, and in
/// the active segment only events followed by a complete commit frame are returned, so a reader stops
/// cleanly at the last complete commit. A segment deleted by retention while mapped stays readable.
public final class StoreReader {
    public let dataDirectory: String
    public let segmentsDirectory: String
    /// Damage met by the reads so far.
    public private(set) var damage: [ReadDamage] = []
    /// How many segments the last query touched and how many events it decoded (for tests and benchmarks).
    public private(set) var lastQueryStats = (segmentsTouched: 0, eventsDecoded: 0)

    public init(dataDirectory: String) throws(StoreError) {
        self.dataDirectory = dataDirectory
        self.segmentsDirectory = dataDirectory + "/segments"
        guard FS.exists(segmentsDirectory) else {
            throw StoreError(.notFound, "no segments directory: is this an activityd data directory?", path: segmentsDirectory)
        }
        _ = try FS.list(segmentsDirectory)   // surfaces EACCES early, with the path
    }

    public func segments() throws(StoreError) -> [SegmentInfo] {
        let firsts = try FS.list(segmentsDirectory).compactMap(SegmentFormat.firstSeq(fromSegmentName:)).sorted()
        return firsts.enumerated().map { i, f in
            let p = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: f)
            return SegmentInfo(firstSeq: f, path: p, indexPath: segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: f),
                               size: FS.fileSize(p) ?? 0, isActive: i == firsts.count - 1)
        }
    }

    /// Calls `visit` with every matching event, in seq order (or reverse), until it returns false or the
    /// limit is reached.
    public func query(_ q: EventQuery, _ visit: (ActivityEvent) throws -> Bool) throws {
        var remaining = q.limit ?? Int.max
        lastQueryStats = (0, 0)
        guard remaining > 0 else { return }
        var segs = try segments()
        if let after = q.afterSeq {
            // Skip segments that end before `afterSeq` (the next segment's first seq bounds this one).
            var keep: [SegmentInfo] = []
            for (i, s) in segs.enumerated() {
                if i + 1 < segs.count, segs[i + 1].firstSeq <= after + 1 { continue }
                keep.append(s)
            }
            segs = keep
        }
        if q.reverse { segs.reverse() }
        for s in segs {
            let events = try read(segment: s, query: q)
            lastQueryStats.segmentsTouched += events.touched ? 1 : 0
            let list = q.reverse ? events.events.reversed() : events.events
            for e in list {
                guard try visit(e) else { return }
                remaining -= 1
                if remaining == 0 { return }
            }
        }
    }

    /// All matching events as an array (convenience for small answers and tests).
    public func events(_ q: EventQuery) throws -> [ActivityEvent] {
        var out: [ActivityEvent] = []
        try query(q) { out.append($0); return true }
        return out
    }

    func read(segment s: SegmentInfo, query q: EventQuery) throws -> (events: [ActivityEvent], touched: Bool) {
        if !s.isActive, let idx = try? SegmentIndex(path: s.indexPath, verifyChecksum: false),
           idx.segmentLength == UInt64(s.size), idx.firstSeq == s.firstSeq {
            return try readIndexed(s, idx, q)
        }
        return (try scan(s, q), true)
    }

    func readIndexed(_ s: SegmentInfo, _ idx: SegmentIndex, _ q: EventQuery) throws -> (events: [ActivityEvent], touched: Bool) {
        if idx.eventCount == 0 { return ([], false) }
        if let since = q.since, idx.maxTime < since.nanoseconds { return ([], false) }
        if let until = q.until, idx.minTime >= until.nanoseconds { return ([], false) }
        if let after = q.afterSeq, idx.firstSeq + idx.eventCount <= after + 1 { return ([], false) }
        // Posting lists: union within a field, intersection across fields.
        var ordinals: [UInt32]? = nil
        for (field, wanted) in q.terms {
            var union = Set<UInt32>()
            for term in wanted {
                guard let p = idx.postings(field: field, term: term) else {
                    damage.append(ReadDamage(path: s.indexPath, offset: 0, reason: "damaged \(field.rawValue) postings; scanning"))
                    return (try scan(s, q), true)
                }
                union.formUnion(p)
            }
            let sorted = union.sorted()
            if let current = ordinals {
                let set = Set(sorted)
                ordinals = current.filter(set.contains)
            } else {
                ordinals = sorted
            }
            if ordinals?.isEmpty == true { return ([], false) }
        }
        let file = try MappedFile(path: s.path)
        let b = file.bytes
        var out: [ActivityEvent] = []
        var decoded = 0
        // Group wanted ordinals by frame (the frame table is sorted by baseSeq).
        var fi = 0
        var wantedIter = ordinals?.makeIterator()
        var nextWanted = wantedIter?.next()
        for (k, fe) in idx.frames.enumerated() {
            fi = k
            if let since = q.since, fe.maxTime < since.nanoseconds { if ordinals != nil { skipOrdinals(&nextWanted, &wantedIter, below: fe, idx) }; continue }
            if let until = q.until, fe.minTime >= until.nanoseconds { if ordinals != nil { skipOrdinals(&nextWanted, &wantedIter, below: fe, idx) }; continue }
            var inFrame: [Int]? = nil
            if ordinals != nil {
                var list: [Int] = []
                let lo = fe.baseSeq - idx.firstSeq
                let hi = lo + UInt64(fe.count)
                while let w = nextWanted, UInt64(w) < hi {
                    if UInt64(w) >= lo { list.append(Int(UInt64(w) - lo)) }
                    nextWanted = wantedIter?.next()
                }
                if list.isEmpty { continue }
                inFrame = list
            }
            switch FrameParser.frame(in: b, at: Int(fe.offset)) {
            case .success(let f) where f.kind == SegmentFormat.frameEvents:
                guard let evs = FrameParser.events(in: b, frame: f, ordinals: inFrame) else {
                    damage.append(ReadDamage(path: s.path, offset: f.offset, reason: "undecodable events frame"))
                    continue
                }
                decoded += evs.count
                for e in evs where q.matches(e) { out.append(e) }
            case .success(let f):
                damage.append(ReadDamage(path: s.path, offset: f.offset, reason: "index points at a non-events frame"))
            case .failure(let d):
                damage.append(ReadDamage(path: s.path, offset: d.offset, reason: d.description))
            }
        }
        _ = fi
        lastQueryStats.eventsDecoded += decoded
        return (out, true)
    }

    private func skipOrdinals(_ next: inout UInt32?, _ it: inout IndexingIterator<[UInt32]>?, below fe: FrameEntry, _ idx: SegmentIndex) {
        let hi = fe.baseSeq - idx.firstSeq + UInt64(fe.count)
        while let w = next, UInt64(w) < hi { next = it?.next() }
    }

    /// Sequential scan: only events followed by a complete commit frame; damage is reported and skipped.
    func scan(_ s: SegmentInfo, _ q: EventQuery) throws -> [ActivityEvent] {
        let file = try MappedFile(path: s.path)
        var out: [ActivityEvent] = []
        var decoded = 0
        _ = Self.scanCommitted(file: file, from: nil, sealed: !s.isActive, damage: &damage) { evs in
            decoded += evs.count
            for e in evs where q.matches(e) { out.append(e) }
        }
        lastQueryStats.eventsDecoded += decoded
        return out
    }

    /// Walks the frames of a mapped segment from `from` (nil: after the header). Calls `deliver` with the
    /// events of each commit. In the active segment, events not followed by a commit are held back and the
    /// walk stops at the first incomplete frame; in a sealed one, damage is skipped by resynchronising.
    /// - Returns: the offset just past the last commit delivered.
    static func scanCommitted(file: MappedFile, from: Int?, sealed: Bool, damage: inout [ReadDamage],
                              deliver: ([ActivityEvent]) -> Void) -> Int {
        let b = file.bytes
        guard let hd = SegmentHeader.parse(b) else {
            if b.count > 0 { damage.append(ReadDamage(path: file.path, offset: 0, reason: "damaged segment header")) }
            return 0
        }
        var o = from ?? hd.length
        var committedEnd = o
        var pending: [ActivityEvent] = []
        while o < b.count {
            switch FrameParser.frame(in: b, at: o) {
            case .success(let f):
                if f.kind == SegmentFormat.frameEvents {
                    if let evs = FrameParser.events(in: b, frame: f) {
                        pending += evs
                    } else {
                        damage.append(ReadDamage(path: file.path, offset: f.offset, reason: "undecodable events frame"))
                    }
                } else {
                    deliver(pending)
                    pending.removeAll(keepingCapacity: true)
                    committedEnd = f.end
                }
                o = f.end
            case .failure(let d):
                if !sealed, case .truncated = d { return committedEnd }   // the writer is mid-write
                damage.append(ReadDamage(path: file.path, offset: d.offset, reason: d.description))
                guard let n = FrameParser.resync(in: b, after: o) else { o = b.count; break }
                o = n
            }
        }
        if sealed && !pending.isEmpty { deliver(pending) }
        return committedEnd
    }
}

/// Follows new events as the daemon commits them (`activityctl tail -f`): remembers the segment and offset
/// it reached, reads only what was appended since, and moves to the next segment when one appears.
public final class StoreFollower {
    let reader: StoreReader
    var segmentFirst: UInt64?
    var offset: Int?
    public private(set) var lastSeq: UInt64

    public init(reader: StoreReader, afterSeq: UInt64) {
        self.reader = reader
        self.lastSeq = afterSeq
    }

    /// Returns the events committed since the last call (possibly none).
    public func poll() throws -> [ActivityEvent] {
        let segs = try reader.segments()
        guard !segs.isEmpty else { return [] }
        var out: [ActivityEvent] = []
        var damage: [ReadDamage] = []
        // Start in the segment holding lastSeq + 1.
        var i = segs.lastIndex(where: { $0.firstSeq <= lastSeq + 1 }) ?? 0
        if let cur = segmentFirst, let k = segs.firstIndex(where: { $0.firstSeq == cur }) { i = k }
        while i < segs.count {
            let s = segs[i]
            let file = try MappedFile(path: s.path)
            let from = (segmentFirst == s.firstSeq) ? offset : nil
            let end = StoreReader.scanCommitted(file: file, from: from, sealed: false, damage: &damage) { evs in
                for e in evs where e.seq > lastSeq { out.append(e) }
            }
            segmentFirst = s.firstSeq
            offset = max(end, from ?? 0)
            if let last = out.last?.seq { lastSeq = max(lastSeq, last) }
            i += 1
            if i < segs.count { segmentFirst = segs[i].firstSeq; offset = nil }
        }
        return out
    }
}
