#if canImport(Glibc)
import Glibc
#endif
import ActivityModel
import Dispatch

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
    public internal(set) var lastQueryStats = (segmentsTouched: 0, eventsDecoded: 0)
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
            throw StoreError(
                .notFound, "no segments directory: is this an activityd data directory?", path: segmentsDirectory)
        }
        _ = try FS.list(segmentsDirectory)  // surfaces EACCES early, with the path
    }

    /// The segment files as they are now, oldest first; the last one is the active segment. Listed anew at every
    /// call, so segments sealed or deleted since show up.
    public func segments() throws(StoreError) -> [SegmentInfo] {
        guard let cache, let directory = FS.identity(segmentsDirectory) else { return try listSegments() }
        if let listed = cache.listedSegments(directory: directory) { return listed }
        let listed = try listSegments()
        cache.remember(listed, directory: directory, now: SystemClock.now())
        return listed
    }

    private func listSegments() throws(StoreError) -> [SegmentInfo] {
        let firsts = try FS.list(segmentsDirectory).compactMap(SegmentFormat.firstSeq(fromSegmentName:)).sorted()
        let listed = firsts.enumerated().map { i, f in
            let p = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: f)
            return SegmentInfo(
                firstSeq: f, path: p, indexPath: segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: f),
                size: FS.fileSize(p) ?? 0, isActive: i == firsts.count - 1)
        }
        cache?.keep(only: Set(listed.map(\.path)))
        return listed
    }

    /// Calls `visit` with every matching event, in the query's order, until it returns false or the limit is
    /// reached: ``read(_:prefetch:)`` iterated. Frames are decoded one at a time and never collected, so a
    /// scan of any size runs in constant memory.
    public func query(_ q: EventQuery, _ visit: (ActivityEvent) throws -> Bool) throws {
        for e in try read(q) where try !visit(e) { return }
    }

    /// All matching events as an array (convenience for small answers and tests).
    public func events(_ q: EventQuery) throws -> [ActivityEvent] { Array(try read(q)) }

    /// The segments a query may find events in, in the order it visits them (time order plans all of them).
    func segments(for q: EventQuery) throws(StoreError) -> [SegmentInfo] {
        guard q.afterSeq != .max, q.beforeSeq != 0, (q.limit ?? 1) > 0 else { return [] }
        var segs = try segments()
        if let before = q.beforeSeq { segs = segs.filter { $0.firstSeq < before } }
        if let after = q.afterSeq {
            // Skip segments that end before `afterSeq` (the next segment's first seq bounds this one).
            segs = segs.enumerated().filter { i, _ in !(i + 1 < segs.count && segs[i + 1].firstSeq <= after &+ 1) }.map(
                \.1)
        }
        if q.reverse && q.order != .time { segs.reverse() }
        return segs
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
            if !s.isActive {
                damage.append(ReadDamage(path: s.indexPath, offset: nil, reason: "missing index; scanning the segment"))
            }
            return nil
        }
        do {
            let i = try SegmentIndex(path: s.indexPath, verifyChecksum: false)
            if i.firstSeq == s.firstSeq,
                s.isActive ? i.segmentLength <= UInt64(file.count) : i.segmentLength == UInt64(file.count)
            {
                return i
            }
            damage.append(
                ReadDamage(
                    path: s.indexPath, offset: nil, reason: "index does not match its segment; scanning the segment"))
        } catch {
            damage.append(
                ReadDamage(path: s.indexPath, offset: nil, reason: "unusable index (\(error)); scanning the segment"))
        }
        return nil
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
        } catch  where error.code == .notFound {
            return nil
        } catch {
            damage.append(StoreDamage(path: s.path, offset: nil, reason: "unreadable segment: \(error)"))
            return nil
        }
    }

    /// ``framePlan(segment:query:)`` for a segment already mapped, with its index (nil: none usable).
    func framePlan(segment s: SegmentInfo, file: MappedFile, index idx: SegmentIndex?, query q: EventQuery) -> (
        MappedFile, [(FrameInfo, [Int]?)]
    )? {
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
                        damage.append(
                            ReadDamage(
                                path: s.indexPath, offset: nil, reason: "damaged \(field.rawValue) postings; scanning"))
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
                    frames.append(
                        (
                            FrameInfo(
                                offset: Int(fe.offset), end: 0, kind: SegmentFormat.frameEvents, baseSeq: fe.baseSeq,
                                count: Int(fe.count)), k
                        ))
                }
            } else {
                covered = 0
            }
        }
        if covered == 0 { lastQueryStats.segmentsTouched += 1 }
        // Whatever the index does not cover (the active segment's tail, or all of an unindexed segment).
        var tail: [FrameInfo] = []
        if covered < file.count {
            tail =
                Self.committedFrames(
                    file: file, from: covered == 0 ? nil : covered, sealed: !s.isActive, damage: &damage
                ).frames
        }
        let indexed = frames.map { f in (f.info, ordinalsByFrame.flatMap { $0[f.slot] }) }
        let scanned = tail.map { f in (f, [Int]?.none) }
        return (file, q.reverse ? (scanned.reversed() + indexed.reversed()) : (indexed + scanned))
    }

    /// Decodes one planned frame: the matching events, in the query's direction. Damage is recorded.
    func decode(file: MappedFile, frame f: FrameInfo, ordinals: [Int]?, query q: EventQuery) -> [ActivityEvent] {
        record(decodeDetached(FrameJob(file: file, frame: f, ordinals: ordinals), query: q))
    }

    /// Decodes planned frames on up to `parallelism` threads at once (the calling one among them): the matching
    /// events of each, in the jobs' order and the query's direction. Damage and counts are recorded in the
    /// jobs' order, as one-by-one decoding would record them.
    func decode(_ jobs: [FrameJob], query q: EventQuery, parallelism: Int) -> [[ActivityEvent]] {
        if jobs.count < 2 || parallelism < 2 { return jobs.map { record(decodeDetached($0, query: q)) } }
        let results = UnsafeMutableBufferPointer<DecodedFrame>.allocate(capacity: jobs.count)
        defer { results.deinitialize().deallocate() }
        let shared = ConcurrentDecode(reader: self, jobs: jobs, query: q, results: results)
        // Contiguous shares, one per thread: frames of one segment are alike in size.
        let threads = min(parallelism, jobs.count)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let lo = jobs.count * t / threads, hi = jobs.count * (t + 1) / threads
            for i in lo..<hi {
                (shared.results.baseAddress! + i).initialize(
                    to: shared.reader.decodeDetached(shared.jobs[i], query: shared.query))
            }
        }
        return results.map { record($0) }
    }

    /// The outcome of decoding one frame, before it is recorded on the reader.
    struct DecodedFrame {
        var events: [ActivityEvent]
        var damage: ReadDamage?
        var decoded: Int
    }

    /// What ``decode(_:query:parallelism:)``'s threads share: each reads the jobs and writes its own results.
    private struct ConcurrentDecode: @unchecked Sendable {
        // @unchecked Sendable: `decodeDetached` reads only the reader's constant `cache` (itself Sendable) and
        // the mapped bytes; each thread initializes distinct elements of `results`.
        let reader: StoreReader
        let jobs: [FrameJob]
        let query: EventQuery
        let results: UnsafeMutableBufferPointer<DecodedFrame>
    }

    private func record(_ d: DecodedFrame) -> [ActivityEvent] {
        if let damage = d.damage { self.damage.append(damage) }
        lastQueryStats.eventsDecoded += d.decoded
        return d.events
    }

    /// Decodes one planned frame without touching the reader's state, so several threads may decode at once
    /// (the segment cache locks itself).
    func decodeDetached(_ job: FrameJob, query q: EventQuery) -> DecodedFrame {
        let (file, f, ordinals) = (job.file, job.frame, job.ordinals)
        let b = file.bytes
        let indexed = f.end == 0
        guard let real = checkedFrame(file: file, at: f.offset, indexed: indexed),
            real.kind == SegmentFormat.frameEvents
        else {
            return DecodedFrame(
                events: [],
                damage: ReadDamage(
                    path: file.path, offset: f.offset, reason: "index points at a damaged or non-events frame"),
                decoded: 0)
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
            return DecodedFrame(
                events: [], damage: ReadDamage(path: file.path, offset: f.offset, reason: "undecodable events frame"),
                decoded: 0)
        }
        // Usually every decoded event matches (the index chose them): then no filtered copy is made.
        var matching = !q.filtersEvents || evs.allSatisfy(q.matches) ? evs : evs.filter(q.matches)
        if q.reverse { matching.reverse() }
        return DecodedFrame(events: matching, damage: nil, decoded: evs.count)
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

    /// The committed events frames of a mapped segment from `from` (nil: after the header). In the active
    /// segment, frames not followed by a commit are left out and the walk stops at the first incomplete
    /// frame; in a sealed one, damage is reported and skipped by resynchronising.
    /// - Returns: the frames, and the offset just past the last complete commit (where a follower resumes).
    static func committedFrames(file: MappedFile, from: Int?, sealed: Bool, damage: inout [ReadDamage]) -> (
        frames: [FrameInfo], committedEnd: Int
    ) {
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
