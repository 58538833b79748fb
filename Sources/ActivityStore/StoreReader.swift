#if canImport(Glibc)
import Glibc
#endif
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
    /// Only events with `seq < beforeSeq` (with `reverse`, a cursor for newest-first paging).
    public var beforeSeq: UInt64?
    /// Newest first: segments and frames visited backwards (in ``EventOrder/time``, latest time first).
    public var reverse = false
    /// Storage order (seq) or event time order; see ``EventOrder``.
    public var order: EventOrder = .seq
    /// At most this many events; nil for all. Applied by ``StoreReader/query(_:_:)`` and
    /// ``StoreReader/events(_:)``, not by the lazy sequences.
    public var limit: Int?
    /// Fields the query's events need not carry: left nil, their strings never built (reports that read
    /// millions of events leave out what they never look at). Term filters and time still apply.
    public var omit: OmittedFields = []
    /// Only events of these hosts (`host`; not indexed: a scan filter). Empty: any host.
    public var hosts: Set<String> = []

    /// A query for every event, in seq order.
    public init() {}

    /// Whether `e` passes the time, seq and term conditions (not ``limit``): the final check on every event a
    /// query returns, whether the index or a scan found it.
    public func matches(_ e: ActivityEvent) -> Bool {
        if !hosts.isEmpty, !hosts.contains(e.host ?? "") { return false }
        if let s = since, e.time < s { return false }
        if let u = until, e.time >= u { return false }
        if let a = afterSeq, e.seq <= a { return false }
        if let b = beforeSeq, e.seq >= b { return false }
        var scratch: [String] = []
        for (field, wanted) in terms where !field.matches(e, wanted, scratch: &scratch) { return false }
        return true
    }
}

/// The order in which a query visits events.
public enum EventOrder: String, Sendable, Hashable, CaseIterable {
    /// Storage order: ascending `seq`, the order activityd received the events. Cheapest; for live inputs it
    /// is time order too, but an imported old log or a sender with a skewed clock lands among newer events.
    case seq
    /// Event time (`time`), ties broken by `seq`: the order people read them, as journalctl interleaves
    /// journal files by time. Streamed: frames are visited by their time bounds (from the indexes' frame
    /// tables; unindexed frames are decoded once to learn theirs), and only frames whose time ranges overlap
    /// the one being merged are held, so memory follows the store's disorder, not its size.
    case time
}

/// Event fields a query may leave out (see ``EventQuery/omit``).
public struct OmittedFields: OptionSet, Sendable, Hashable {
    /// The set bits.
    public let rawValue: UInt8
    /// Fields from their bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Leave `ActivityEvent.session` nil.
    public static let session = OmittedFields(rawValue: 1 << 0)
    /// Leave `ActivityEvent.commerce` nil.
    public static let commerce = OmittedFields(rawValue: 1 << 1)
    /// Leave `ActivityEvent.comment` nil.
    public static let comment = OmittedFields(rawValue: 1 << 2)
    /// Leave `ActivityEvent.attrs` empty.
    public static let attributes = OmittedFields(rawValue: 1 << 3)
    /// Leave `ActivityEvent.origin` nil.
    public static let origin = OmittedFields(rawValue: 1 << 4)
    /// Everything a login report never reads: session, commerce, comment, attributes, origin.
    public static let reportExtras: OmittedFields = [.session, .commerce, .comment, .attributes, .origin]
}

/// One segment file as listed by the reader.
public struct SegmentInfo: Sendable, Hashable {
    /// Sequence number of the segment's first event (from the file name).
    public var firstSeq: UInt64
    /// Path of the `.seg` file.
    public var path: String
    /// Path of its `.idx` file, which exists only once the segment is sealed (or, for the active segment, once the
    /// writer has written a prefix index).
    public var indexPath: String
    /// File size in bytes when listed (0 when the file vanished meanwhile).
    public var size: Int
    /// Sealed segments have an index; the newest segment is the active one.
    public var isActive: Bool
}


/// Reads a data directory's segments: the reader library used by `activityctl` and open to other tools.
///
/// Safe to use while the daemon writes: each segment is mapped at the length it has when opened, and in
/// the active segment only events followed by a complete commit frame are returned, so a reader stops
/// cleanly at the last complete commit. A segment deleted by retention while mapped stays readable.
public final class StoreReader {
    /// The data directory, as given.
    public let dataDirectory: String
    /// `<dataDirectory>/segments`.
    public let segmentsDirectory: String
    /// Damage met by the reads so far.
    public internal(set) var damage: [ReadDamage] = []
    /// How many segments the last query touched and how many events it decoded (for tests and benchmarks).
    public private(set) var lastQueryStats = (segmentsTouched: 0, eventsDecoded: 0)
    /// The most events a time-ordered read (``EventOrder/time``) since the last query held back at once
    /// because frames overlapped in time: 0 on a store written in time order (for tests and benchmarks).
    public internal(set) var largestTimeBacklog = 0
    /// Sealed segments kept open across readers (see ``SegmentCache``); nil: every read maps afresh.
    public let cache: SegmentCache?

    /// Opens a data directory for reading. Takes no lock and writes nothing, so it may run beside the daemon.
    /// - Throws: `StoreError` `.notFound` when there is no `segments` directory (not a data directory),
    ///   `.permission` when it cannot be read.
    ///
    /// `cache` keeps sealed segments mapped, their indexes parsed and their frames checked between reads: for a
    /// long-running process that reads many times (activity-web), one cache shared by all its readers.
    public init(dataDirectory: String, cache: SegmentCache? = nil) throws(StoreError) {
        self.dataDirectory = dataDirectory
        self.cache = cache
        self.segmentsDirectory = dataDirectory + "/segments"
        guard FS.exists(segmentsDirectory) else {
            if errno == EACCES {
                throw StoreError(.permission, "permission denied", path: dataDirectory, errno: EACCES)
            }
            throw StoreError(.notFound, "no segments directory: is this an activityd data directory?", path: segmentsDirectory)
        }
        _ = try FS.list(segmentsDirectory)   // surfaces EACCES early, with the path
    }

    /// The segment files as they are now, oldest first; the last one is the active segment. Listed anew at every
    /// call, so segments sealed or deleted since show up.
    public func segments() throws(StoreError) -> [SegmentInfo] {
        guard let cache, let directory = FS.identity(segmentsDirectory) else { return try listSegments() }
        if let listed = cache.listedSegments(directory: directory) { return listed }
        let listed = try listSegments()
        cache.remember(listed, directory: directory, now: FS.now())
        return listed
    }

    private func listSegments() throws(StoreError) -> [SegmentInfo] {
        let firsts = try FS.list(segmentsDirectory).compactMap(SegmentFormat.firstSeq(fromSegmentName:)).sorted()
        let listed = firsts.enumerated().map { i, f in
            let p = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: f)
            return SegmentInfo(firstSeq: f, path: p, indexPath: segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: f),
                               size: FS.fileSize(p) ?? 0, isActive: i == firsts.count - 1)
        }
        cache?.keep(only: Set(listed.map(\.path)))
        return listed
    }

    /// Calls `visit` with every matching event, in seq order (or reverse), until it returns false or the
    /// limit is reached. Events are decoded frame by frame and never collected, so a scan of any size runs
    /// in constant memory.
    public func query(_ q: EventQuery, _ visit: (ActivityEvent) throws -> Bool) throws {
        var remaining = q.limit ?? Int.max
        lastQueryStats = (0, 0)
        guard remaining > 0, q.afterSeq != .max, q.beforeSeq != 0 else { return }
        var segs = try segments()
        if let before = q.beforeSeq { segs = segs.filter { $0.firstSeq < before } }
        if let after = q.afterSeq {
            // Skip segments that end before `afterSeq` (the next segment's first seq bounds this one).
            segs = segs.enumerated().filter { i, _ in !(i + 1 < segs.count && segs[i + 1].firstSeq <= after &+ 1) }.map(\.1)
        }
        if q.order == .time {
            largestTimeBacklog = 0
            var merge = try TimeOrderedMerge(reader: self, segments: segs, query: q)
            while let batch = merge.nextBatch() {
                for e in batch {
                    if try !visit(e) { return }
                    remaining -= 1
                    if remaining == 0 { return }
                }
            }
            return
        }
        if q.reverse { segs.reverse() }
        var stop = false
        for s in segs {
            try read(segment: s, query: q) { e in
                if stop { return false }
                if try !visit(e) { stop = true; return false }
                remaining -= 1
                if remaining == 0 { stop = true; return false }
                return true
            }
            if stop { return }
        }
    }

    /// All matching events as an array (convenience for small answers and tests).
    public func events(_ q: EventQuery) throws -> [ActivityEvent] {
        var out: [ActivityEvent] = []
        try query(q) { out.append($0); return true }
        return out
    }

    /// Reads one segment: through its index where there is a valid one (sealed segments; the active
    /// segment's prefix index written at close or checkpoint), scanning whatever the index does not cover.
    func read(segment s: SegmentInfo, query q: EventQuery, _ visit: (ActivityEvent) throws -> Bool) throws {
        guard let (file, plan) = framePlan(segment: s, query: q) else { return }
        for (f, ords) in plan {
            for e in decode(file: file, frame: f, ordinals: ords, query: q) { if try !visit(e) { return } }
        }
    }

    /// The segment's index when it is valid for the mapped segment (a sealed segment's covers all of it; the
    /// active segment's prefix index covers a prefix); nil, with the damage recorded, otherwise.
    func index(of s: SegmentInfo, file: MappedFile) -> SegmentIndex? {
        guard let entry = cache?.entry(of: file) else { return loadIndex(of: s, file: file) }
        if let idx = entry.index(ifStill: FS.identity(s.indexPath)) { return idx }
        let idx = loadIndex(of: s, file: file)
        if let idx { entry.keep(idx) }
        return idx
    }

    private func loadIndex(of s: SegmentInfo, file: MappedFile) -> SegmentIndex? {
        guard FS.exists(s.indexPath) else {
            if !s.isActive { damage.append(ReadDamage(path: s.indexPath, offset: nil, reason: "missing index; scanning the segment")) }
            return nil
        }
        do {
            let i = try SegmentIndex(path: s.indexPath, verifyChecksum: false)
            if i.firstSeq == s.firstSeq, s.isActive ? i.segmentLength <= UInt64(file.count) : i.segmentLength == UInt64(file.count) {
                return i
            }
            damage.append(ReadDamage(path: s.indexPath, offset: nil, reason: "index does not match its segment; scanning the segment"))
        } catch {
            damage.append(ReadDamage(path: s.indexPath, offset: nil, reason: "unusable index (\(error)); scanning the segment"))
        }
        return nil
    }

    /// The store's login and admin history in store order, segment by segment: for the events an index
    /// covers, its per-user ``AccountDigest``s; the events no index covers (the active segment's tail, a
    /// segment whose index is missing, stale, damaged or older than the accounts section) as events.
    /// Feeding both, in order, to the same per-user state gives what feeding every event would.
    ///
    /// `segments` limits the walk to those segments (from ``segments()``, in order): a caller that keeps the
    /// state fed by the sealed segments, which never change, then feeds only the active one.
    public func accountHistory(segments only: [SegmentInfo]? = nil, _ visit: (AccountHistoryPart) throws -> Void) throws {
        lastQueryStats = (0, 0)
        var q = EventQuery()
        q.terms[.category] = [EventCategory.login.rawValue, EventCategory.admin.rawValue]
        for s in try only ?? segments() {
            guard let file = mappedOrDamage(s) else { continue }
            let idx = index(of: s, file: file)
            if let idx {
                if let digests = idx.accountDigests() {
                    lastQueryStats.segmentsTouched += 1
                    try visit(.digests(digests))
                    let covered = Int(idx.segmentLength)
                    guard covered < file.count else { continue }
                    for f in Self.committedFrames(file: file, from: covered, sealed: !s.isActive, damage: &damage).frames {
                        let events = decode(file: file, frame: f, ordinals: nil, query: q)
                        if !events.isEmpty { try visit(.events(events)) }
                    }
                    continue
                }
                if idx.hasAccounts {
                    damage.append(ReadDamage(path: s.indexPath, offset: nil, reason: "damaged accounts section; reading the events"))
                }
            }
            guard let (_, plan) = framePlan(segment: s, file: file, index: idx, query: q) else { continue }
            for (f, ordinals) in plan {
                let events = decode(file: file, frame: f, ordinals: ordinals, query: q)
                if !events.isEmpty { try visit(.events(events)) }
            }
        }
    }

    /// The frames of one segment a query must decode, in visiting order, each with the ordinals wanted from it
    /// (nil: all). Nil when the index rules the whole segment out.
    /// A segment that cannot be mapped is recorded as damage and planned as nothing (``mappedOrDamage(_:)``).
    func framePlan(segment s: SegmentInfo, query q: EventQuery) -> (MappedFile, [(FrameInfo, [Int]?)])? {
        guard let file = mappedOrDamage(s) else { return nil }
        return framePlan(segment: s, file: file, index: index(of: s, file: file), query: q)
    }

    /// The segment mapped, or nil with the reason recorded as damage: a segment that cannot be read is part of the
    /// answer missing. One retention deleted since it was listed is not (it is simply gone, as if read a moment later).
    func mappedOrDamage(_ s: SegmentInfo) -> MappedFile? {
        if let cache, let file = cache.file(for: s) { return file }
        do {
            return try MappedFile(path: s.path)
        } catch where error.code == .notFound {
            return nil
        } catch {
            damage.append(StoreDamage(path: s.path, offset: nil, reason: "unreadable segment: \(error)"))
            return nil
        }
    }

    /// ``framePlan(segment:query:)`` for a segment already mapped, with its index (nil: none usable).
    func framePlan(segment s: SegmentInfo, file: MappedFile, index idx: SegmentIndex?, query q: EventQuery) -> (MappedFile, [(FrameInfo, [Int]?)])? {
        var frames: [(info: FrameInfo, slot: Int)] = []
        var covered = 0
        var ordinalsByFrame: [Int: [Int]]? = nil
        if let idx {
            if let since = q.since, idx.maxTime < since.nanoseconds, !s.isActive { return nil }
            if let until = q.until, idx.minTime >= until.nanoseconds, !s.isActive { return nil }
            covered = Int(idx.segmentLength)
            // Posting lists: union within a field, intersection across fields.
            var ordinals: [UInt32]? = nil
            var usable = true
            for (field, wanted) in q.terms {
                var union: [UInt32] = []
                for term in wanted {
                    guard let p = idx.postings(field: field, term: term) else {
                        damage.append(ReadDamage(path: s.indexPath, offset: nil, reason: "damaged \(field.rawValue) postings; scanning"))
                        usable = false
                        break
                    }
                    union = Postings.union(union, p)
                }
                if !usable { break }
                ordinals = ordinals.map { Postings.intersection($0, union) } ?? union
            }
            if usable {
                lastQueryStats.segmentsTouched += 1
                if let ordinals {
                    var byFrame: [Int: [Int]] = [:]
                    var k = 0
                    for o in ordinals {
                        let seq = idx.firstSeq + UInt64(o)
                        while k + 1 < idx.frames.count && idx.frames[k + 1].baseSeq <= seq { k += 1 }
                        guard k < idx.frames.count, idx.frames[k].baseSeq <= seq else { continue }
                        byFrame[k, default: []].append(Int(seq - idx.frames[k].baseSeq))
                    }
                    ordinalsByFrame = byFrame
                }
                for (k, fe) in idx.frames.enumerated() {
                    if let since = q.since, fe.maxTime < since.nanoseconds { continue }
                    if let until = q.until, fe.minTime >= until.nanoseconds { continue }
                    if let after = q.afterSeq, fe.baseSeq &+ UInt64(fe.count) <= after &+ 1 { continue }
                    if let before = q.beforeSeq, fe.baseSeq >= before { continue }
                    if let byFrame = ordinalsByFrame, byFrame[k] == nil { continue }
                    frames.append((FrameInfo(offset: Int(fe.offset), end: 0, kind: SegmentFormat.frameEvents, baseSeq: fe.baseSeq, count: Int(fe.count)), k))
                }
            } else {
                covered = 0
            }
        }
        if covered == 0 { lastQueryStats.segmentsTouched += 1 }
        // Whatever the index does not cover (the active segment's tail, or all of an unindexed segment).
        var tail: [FrameInfo] = []
        if covered < file.count {
            tail = Self.committedFrames(file: file, from: covered == 0 ? nil : covered, sealed: !s.isActive, damage: &damage).frames
        }
        let indexed = frames.map { f in (f.info, ordinalsByFrame.flatMap { $0[f.slot] }) }
        let scanned = tail.map { f in (f, [Int]?.none) }
        return (file, q.reverse ? (scanned.reversed() + indexed.reversed()) : (indexed + scanned))
    }

    /// Decodes one planned frame: the matching events, in the query's direction. Damage is recorded.
    func decode(file: MappedFile, frame f: FrameInfo, ordinals: [Int]?, query q: EventQuery) -> [ActivityEvent] {
        let b = file.bytes
        let indexed = f.end == 0
        guard let real = checkedFrame(file: file, at: f.offset, indexed: indexed), real.kind == SegmentFormat.frameEvents else {
            damage.append(ReadDamage(path: file.path, offset: f.offset, reason: "index points at a damaged or non-events frame"))
            return []
        }
        // A few events of a checked frame of a cached segment: the frame's string-table marks are kept too.
        var marks: StringTableMarks? = nil
        if indexed, let ordinals, FrameParser.isSparse(ordinals, in: real), let entry = cache?.entry(of: file) {
            marks = entry.tableMarks(at: real.offset)
            if marks == nil, let made = FrameParser.marks(in: b, frame: real) {
                entry.keep(made, at: real.offset)
                marks = made
            }
        }
        guard let evs = FrameParser.events(in: b, frame: real, ordinals: ordinals, omit: q.omit, marks: marks) else {
            damage.append(ReadDamage(path: file.path, offset: f.offset, reason: "undecodable events frame"))
            return []
        }
        lastQueryStats.eventsDecoded += evs.count
        // Usually every decoded event matches (the index chose them): then no filtered copy is made.
        var matching = evs.allSatisfy(q.matches) ? evs : evs.filter(q.matches)
        if q.reverse { matching.reverse() }
        return matching
    }

    /// The valid frame at `offset` (its CRC checked), or nil. A frame planned from an index (`indexed`: the
    /// plan's frames from the index have no end yet) is committed and never rewritten, so with a cache it is
    /// checked once per file.
    private func checkedFrame(file: MappedFile, at offset: Int, indexed: Bool) -> FrameInfo? {
        let entry = indexed ? cache?.entry(of: file) : nil
        if let known = entry?.checkedFrame(at: offset) { return known }
        guard case .success(let f) = FrameParser.frame(in: file.bytes, at: offset) else { return nil }
        entry?.keep(checked: f)
        return f
    }

    /// A lazy sequence of the matching events: segments are opened and frames decoded only as the sequence is
    /// iterated, so a report over millions of events holds one frame at a time. (`limit` is not applied.)
    public func lazyEvents(_ q: EventQuery) throws -> LazyEventSequence {
        var segs = q.afterSeq == .max ? [] : try segments()
        if q.order == .time {
            largestTimeBacklog = 0
            return LazyEventSequence(reader: self, segments: [], query: q, merge: try TimeOrderedMerge(reader: self, segments: segs, query: q))
        }
        if q.reverse { segs.reverse() }
        return LazyEventSequence(reader: self, segments: segs, query: q)
    }

    /// The committed events frames of a mapped segment from `from` (nil: after the header). In the active
    /// segment, frames not followed by a commit are left out and the walk stops at the first incomplete
    /// frame; in a sealed one, damage is reported and skipped by resynchronising.
    /// - Returns: the frames, and the offset just past the last complete commit (where a follower resumes).
    static func committedFrames(file: MappedFile, from: Int?, sealed: Bool, damage: inout [ReadDamage]) -> (frames: [FrameInfo], committedEnd: Int) {
        let b = file.bytes
        guard let hd = SegmentHeader.parse(b) else {
            if b.count > 0 { damage.append(ReadDamage(path: file.path, offset: 0, reason: "damaged segment header")) }
            return ([], from ?? 0)
        }
        let policy: ScanPolicy = sealed ? .sealed : .active
        var scan = FrameScanner(b, from: from ?? hd.length, policy: policy)
        var out: [FrameInfo] = []
        var committedEnd = scan.offset
        var pending = PendingCommit<FrameInfo>()
        while let step = scan.next() {
            switch step {
            case .frame(let f) where f.kind == SegmentFormat.frameEvents:
                pending.add(f)
            case .frame(let f):
                out += pending.commit()
                committedEnd = f.end
            case .damage(let d):
                damage.append(ReadDamage(path: file.path, d))
            }
        }
        return (out + pending.end(policy), committedEnd)
    }

}

/// Set operations on posting lists (ascending ordinals, no repeats) by merging, without hashing.
enum Postings {
    static func union(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [UInt32] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { out.append(a[i]); i += 1 }
            else if b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    static func intersection(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { i += 1 }
            else if b[j] < a[i] { j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }
}

/// One step of ``StoreReader/accountHistory(_:)``.
public enum AccountHistoryPart {
    /// What the events an index covers did to each account, by user name.
    case digests([(user: String, digest: AccountDigest)])
    /// Login and admin events no index summarises, in store order.
    case events([ActivityEvent])
}

/// See ``StoreReader/lazyEvents(_:)``. Iterating it reads the store; damage is recorded on the reader.
public struct LazyEventSequence: Sequence {
    let reader: StoreReader
    let segments: [SegmentInfo]
    let query: EventQuery
    /// Set for time order: the merge that yields the batches (`segments` is then unused).
    var merge: TimeOrderedMerge? = nil

    /// Reads the store as it is iterated. Errors opening a segment (one deleted by retention meanwhile) skip that
    /// segment.
    public struct Iterator: IteratorProtocol {
        let reader: StoreReader
        let segments: [SegmentInfo]
        let query: EventQuery
        var merge: TimeOrderedMerge?
        var segmentIndex = 0
        var plan: (MappedFile, [(FrameInfo, [Int]?)])?
        var frameIndex = 0
        var buffer: [ActivityEvent] = []
        var bufferIndex = 0

        /// The next matching event; nil at the end.
        public mutating func next() -> ActivityEvent? {
            while bufferIndex == buffer.count {
                guard let batch = nextBatch() else { return nil }
                buffer = batch
                bufferIndex = 0
            }
            defer { bufferIndex += 1 }
            return buffer[bufferIndex]
        }

        /// The matching events of the next frame that has any; nil at the end.
        mutating func nextBatch() -> [ActivityEvent]? {
            if merge != nil { return merge!.nextBatch() }
            while true {
                if let (file, frames) = plan, frameIndex < frames.count {
                    let batch = reader.decode(file: file, frame: frames[frameIndex].0, ordinals: frames[frameIndex].1, query: query)
                    frameIndex += 1
                    if batch.isEmpty { continue }
                    return batch
                }
                guard segmentIndex < segments.count else { return nil }
                plan = reader.framePlan(segment: segments[segmentIndex], query: query)
                segmentIndex += 1
                frameIndex = 0
            }
        }
    }

    /// Starts a walk over the segments that were listed when ``StoreReader/lazyEvents(_:)`` made the sequence.
    public func makeIterator() -> Iterator { Iterator(reader: reader, segments: segments, query: query, merge: merge) }
}

/// Follows new events as the daemon commits them (`activityctl tail -f`): remembers the segment and offset
/// it reached, reads only what was appended since, and moves to the next segment when one appears.
public final class StoreFollower {
    let reader: StoreReader
    var segmentFirst: UInt64?
    var offset: Int?
    /// The highest sequence number returned so far (at first, `afterSeq`).
    public private(set) var lastSeq: UInt64

    /// A follower that returns the events with seq greater than `afterSeq` (0: from the start of the store).
    /// Damage it meets is added to `reader`'s ``StoreReader/damage``, each place once.
    public init(reader: StoreReader, afterSeq: UInt64) {
        self.reader = reader
        self.lastSeq = afterSeq
    }

    /// Returns the events committed since the last call (possibly none): all of them, or those of the first
    /// frames that hold at least `maxEvents` (a reader far behind, such as a forwarder after an outage, takes
    /// its backlog in bounded steps; the next call goes on after them).
    public func poll(maxEvents: Int = .max) throws -> [ActivityEvent] {
        let segs = try reader.segments()
        guard !segs.isEmpty else { return [] }
        var out: [ActivityEvent] = []
        var damage: [ReadDamage] = []
        // Start in the segment holding lastSeq + 1.
        var i = segs.lastIndex(where: { $0.firstSeq <= lastSeq &+ 1 }) ?? 0
        if let cur = segmentFirst, let k = segs.firstIndex(where: { $0.firstSeq == cur }) { i = k }
        while i < segs.count {
            let s = segs[i]
            let file = try MappedFile(path: s.path)
            let from = (segmentFirst == s.firstSeq) ? offset : nil
            let (frames, end) = StoreReader.committedFrames(file: file, from: from, sealed: false, damage: &damage)
            for f in frames {
                for e in reader.decode(file: file, frame: f, ordinals: nil, query: EventQuery()) where e.seq > lastSeq { out.append(e) }
                if out.count >= maxEvents {
                    // Stop after this frame; the next call reads on from its end, in this segment.
                    segmentFirst = s.firstSeq
                    offset = f.end
                    if let last = out.last?.seq { lastSeq = max(lastSeq, last) }
                    for d in damage where !reader.damage.contains(d) { reader.damage.append(d) }
                    return out
                }
            }
            segmentFirst = s.firstSeq
            offset = max(end, from ?? 0)
            if let last = out.last?.seq { lastSeq = max(lastSeq, last) }
            i += 1
            if i < segs.count { segmentFirst = segs[i].firstSeq; offset = nil }
        }
        // Recorded on the reader, once each: until a commit follows a damaged region, every poll meets it again.
        for d in damage where !reader.damage.contains(d) { reader.damage.append(d) }
        return out
    }
}

/// Merges the events of many frames into time order (``EventOrder/time``), streaming.
///
/// Sealed segments wait unopened, known only by their index's time bounds; a segment is opened (its frames
/// planned through its index, with their time bounds from the frame table) when the merge reaches its lower
/// bound (upper bound, newest first, in reverse). Segments without a usable index (the active one) are
/// planned at once, their unindexed frames decoded once for their bounds. Frames are decoded in order of
/// their lower bound; decoded events wait in a heap and leave it as soon as no frame or segment still to be
/// read can hold an earlier one. A frame whose events are in order and that overlaps nothing still to read
/// goes straight through (the usual case), so what is held at once is the frames and plans of the segments
/// and frames whose time ranges overlap: one segment's plan for a store written in time order, more only
/// where an imported old log or a skewed clock interleaved.
struct TimeOrderedMerge {
    /// One frame to visit: which mapped segment, the planned frame, its ordinals and its time bounds.
    struct Planned {
        var file: Int
        var frame: FrameInfo
        var ordinals: [Int]?
        var minTime: Int64
        var maxTime: Int64
    }

    let reader: StoreReader
    let query: EventQuery
    /// The query without reverse or limit: frames are decoded forward and ordered here.
    let forward: EventQuery
    /// Sealed segments not opened yet, by their bound in the query's direction, and the next to open.
    var unopened: [(segment: SegmentInfo, start: Int64)] = []
    var nextUnopened = 0
    /// The opened segments, each released once its last planned frame is decoded.
    var files: [MappedFile?] = []
    /// Planned frames not yet decoded, per file.
    var pending: [Int] = []
    /// Planned frames not yet decoded, by their bound in the query's direction.
    var frames = MinHeap<Planned>()
    var heap = MinHeap<ActivityEvent>()

    init(reader: StoreReader, segments: [SegmentInfo], query q: EventQuery) throws {
        self.reader = reader
        self.query = q
        var fq = q
        fq.reverse = false
        fq.limit = nil
        self.forward = fq
        for s in segments {
            guard let file = reader.mappedOrDamage(s) else { continue }
            if !s.isActive, let idx = reader.index(of: s, file: file) {
                if let since = q.since, idx.maxTime < since.nanoseconds { continue }
                if let until = q.until, idx.minTime >= until.nanoseconds { continue }
                unopened.append((s, key(q.reverse ? idx.maxTime : idx.minTime)))
            } else {
                plan(s, file: file)
            }
        }
        unopened.sort { ($0.start, q.reverse ? ~$0.segment.firstSeq : $0.segment.firstSeq) < ($1.start, q.reverse ? ~$1.segment.firstSeq : $1.segment.firstSeq) }
    }

    /// The sort key of a time in the query's direction (smaller first).
    func key(_ time: Int64) -> Int64 { query.reverse ? (time == .min ? .max : -time) : time }
    func startKey(_ p: Planned) -> Int64 { key(query.reverse ? p.maxTime : p.minTime) }
    func endKey(_ p: Planned) -> Int64 { key(query.reverse ? p.minTime : p.maxTime) }

    /// Plans one segment's frames (through its index where it has a usable one) and queues them.
    mutating func plan(_ s: SegmentInfo, file: MappedFile) {
        let idx = reader.index(of: s, file: file)
        guard let (_, plan) = reader.framePlan(segment: s, file: file, index: idx, query: forward) else { return }
        let slot = files.count
        files.append(file)
        pending.append(0)
        var bounds: [Int: (Int64, Int64)] = [:]
        if let idx { for fe in idx.frames { bounds[Int(fe.offset)] = (fe.minTime, fe.maxTime) } }
        for (frame, ordinals) in plan {
            var p = Planned(file: slot, frame: frame, ordinals: ordinals, minTime: 0, maxTime: 0)
            if let (lo, hi) = bounds[frame.offset] {
                (p.minTime, p.maxTime) = (lo, hi)
            } else {
                // Not in an index: decode once for the bounds of its matching events (none: nothing to visit).
                let events = reader.decode(file: file, frame: frame, ordinals: ordinals, query: forward)
                guard let first = events.first else { continue }
                var lo = first.time.nanoseconds, hi = lo
                for e in events { lo = min(lo, e.time.nanoseconds); hi = max(hi, e.time.nanoseconds) }
                (p.minTime, p.maxTime) = (lo, hi)
            }
            pending[slot] += 1
            frames.push(p, key: startKey(p), tie: query.reverse ? ~frame.baseSeq : frame.baseSeq)
        }
        if pending[slot] == 0 { files[slot] = nil }
    }

    /// The key below which nothing still to read can hold an event (nil: everything is read).
    var frontier: Int64? {
        let f = frames.peekKey
        let u = nextUnopened < unopened.count ? unopened[nextUnopened].start : nil
        switch (f, u) {
        case let (f?, u?): return min(f, u)
        case let (f?, nil): return f
        case let (nil, u?): return u
        case (nil, nil): return nil
        }
    }

    /// The next events in order (a frame's worth or what the heap can release); nil at the end.
    mutating func nextBatch() -> [ActivityEvent]? {
        while true {
            var out: [ActivityEvent] = []
            let limit = frontier
            while let top = heap.peekKey, limit.map({ top < $0 }) ?? true, let e = heap.pop() {
                out.append(e)
                if out.count >= 1024 { return out }
            }
            if !out.isEmpty { return out }
            // Open the next segment first when it may begin before the next planned frame.
            if nextUnopened < unopened.count, frames.peekKey.map({ unopened[nextUnopened].start <= $0 }) ?? true {
                let s = unopened[nextUnopened].segment
                nextUnopened += 1
                if let file = reader.mappedOrDamage(s) { plan(s, file: file) }
                continue
            }
            guard let p = frames.pop() else { return nil }
            guard let file = files[p.file] else { continue }
            let events = reader.decode(file: file, frame: p.frame, ordinals: p.ordinals, query: forward)
            pending[p.file] -= 1
            if pending[p.file] == 0 { files[p.file] = nil }
            if events.isEmpty { continue }
            // Fast path: nothing waiting, the frame is in order and ends before anything still to read begins.
            if heap.isEmpty, isOrdered(events), frontier.map({ endKey(p) < $0 }) ?? true {
                return query.reverse ? events.reversed() : events
            }
            // Equal times in storage order (reversed: the seq's complement sorts descending).
            for e in events { heap.push(e, key: key(e.time.nanoseconds), tie: query.reverse ? ~e.seq : e.seq) }
            reader.largestTimeBacklog = max(reader.largestTimeBacklog, heap.count)
        }
    }

    func isOrdered(_ events: [ActivityEvent]) -> Bool {
        var last = Int64.min
        for e in events {
            let t = e.time.nanoseconds
            if t < last { return false }
            last = t
        }
        return true
    }
}

/// A binary min-heap of values by (key, tie).
struct MinHeap<Value> {
    private var items: [(key: Int64, tie: UInt64, value: Value)] = []

    var peekKey: Int64? { items.first?.key }
    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (items[a].key, items[a].tie) < (items[b].key, items[b].tie)
    }

    mutating func push(_ value: Value, key: Int64, tie: UInt64) {
        items.append((key, tie, value))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !less(i, parent) { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Value? {
        guard !items.isEmpty else { return nil }
        let top = items[0].value
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && less(l, m) { m = l }
                if r < items.count && less(r, m) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}

