import ActivityModel
import Foundation

/// What reads met besides their events: the damage (a segment, index or frame that could not be read, each
/// one part of an answer missing or read the slow way), and how much the last read touched.
public struct ReadReport: Sendable, Hashable {
    /// Damage met by the reader's reads so far, in the order met.
    public var damage: [StoreDamage]
    /// Segments the last read touched.
    public var segmentsTouched: Int
    /// Events the last read decoded (matching or not).
    public var eventsDecoded: Int
    /// True when no read met damage: the answers are complete.
    public var isClean: Bool { damage.isEmpty }
}

extension StoreReader {
    /// The events `q` matches, in its order (``EventQuery/order``, ``EventQuery/reverse``), at most
    /// ``EventQuery/limit``, read as the sequence is iterated: segments are opened and frames decoded only
    /// when reached, so a report over millions of events holds one frame at a time, and a loop that stops
    /// early reads no further.
    ///
    /// With `prefetch`, a second thread decodes frames ahead of the consumer (at most four hand-overs of about
    /// a thousand events each waiting), several frames at once on as many threads as the machine has cores, so
    /// a long read uses every core: they decode, one consumes. The reader
    /// must then not be used otherwise until the iteration ends (its report is complete then); an iteration
    /// dropped early stops the thread after the frame it is decoding.
    ///
    /// What the read met is in ``EventRead/report`` (the reader's ``report``) once iterated.
    /// - Throws: `StoreError` when the segments directory cannot be listed.
    public func read(_ q: EventQuery, prefetch: Bool = false) throws(StoreError) -> EventRead {
        try read(q, prefetch: prefetch, decodingThreads: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// ``read(_:prefetch:)`` with the number of threads a prefetching read decodes on (tests choose it).
    func read(_ q: EventQuery, prefetch: Bool, decodingThreads: Int) throws(StoreError) -> EventRead {
        lastQueryStats = (0, 0)
        let segs = try segments(for: q)
        var walk = FrameWalk(reader: self, segments: segs, query: q)
        if q.order == .time, !segs.isEmpty {
            largestTimeBacklog = 0
            walk = FrameWalk(
                reader: self, segments: [], query: q, merge: TimeOrderedMerge(reader: self, segments: segs, query: q))
        }
        if prefetch {
            walk.parallelism = max(1, decodingThreads)
            walk.merge?.parallelism = walk.parallelism
        }
        return EventRead(reader: self, walk: walk, limit: q.limit ?? .max, prefetch: prefetch)
    }

    /// What the reads through this reader met so far (damage), and what the last read touched.
    public var report: ReadReport {
        ReadReport(
            damage: damage, segmentsTouched: lastQueryStats.segmentsTouched, eventsDecoded: lastQueryStats.eventsDecoded
        )
    }
}

/// The events of one ``StoreReader/read(_:prefetch:)``, read as iterated. Iterate it once.
public struct EventRead: Sequence {
    let reader: StoreReader
    let walk: FrameWalk
    let limit: Int
    let prefetch: Bool

    /// What the reader met (complete once the iteration has ended).
    public var report: ReadReport { reader.report }

    /// Reads the store as it is iterated.
    public struct Iterator: IteratorProtocol {
        var walk: FrameWalk.Iterator?
        let prefetched: PrefetchedEvents?
        var remaining: Int
        /// The frame whose events are being handed out, and the position in it: a value here, so handing out
        /// an event is an index step and a copy (one reference count). A prefetching read gives each frame back
        /// to its decoding thread once done with it (``PrefetchedEvents/nextFrame(handingBack:)``).
        var current: [ActivityEvent] = []
        var position = 0

        /// The next matching event; nil at the end or at the limit.
        public mutating func next() -> ActivityEvent? {
            guard remaining > 0 else { return nil }
            while position == current.count {
                guard let frame = nextFrame() else {
                    remaining = 0
                    return nil
                }
                current = frame
                position = 0
            }
            remaining -= 1
            defer { position += 1 }
            return current[position]
        }

        /// The next frame's matching events (not empty); nil at the end.
        private mutating func nextFrame() -> [ActivityEvent]? {
            if let prefetched { return prefetched.nextFrame(handingBack: &current) }
            return walk!.nextBatch()
        }
    }

    /// Starts the walk over the segments listed when the read was made.
    public func makeIterator() -> Iterator {
        guard limit > 0 else { return Iterator(walk: nil, prefetched: nil, remaining: 0) }
        if prefetch {
            return Iterator(walk: nil, prefetched: PrefetchedEvents(source: walk, depth: 4), remaining: limit)
        }
        return Iterator(walk: walk.makeIterator(), prefetched: nil, remaining: limit)
    }
}

/// One planned frame to decode: which mapped segment, the frame, and the ordinals of the events wanted (nil: all).
struct FrameJob {
    let file: MappedFile
    let frame: FrameInfo
    let ordinals: [Int]?
}

/// The frames a read visits, decoded in order: each segment's frame plan in turn, or the time-ordered merge.
/// With a `parallelism` above 1, several frames of a segment are decoded at once on that many threads (a
/// prefetching read's decoding thread and its helpers); the events come out in the same order either way.
/// Damage is recorded on the reader.
struct FrameWalk {
    let reader: StoreReader
    let segments: [SegmentInfo]
    let query: EventQuery
    /// Set for time order: the merge that yields the batches (`segments` is then unused).
    var merge: TimeOrderedMerge? = nil
    /// Threads that may decode frames at once.
    var parallelism = 1

    /// Errors opening a segment (one deleted by retention meanwhile) skip that segment.
    struct Iterator: IteratorProtocol {
        let reader: StoreReader
        let segments: [SegmentInfo]
        let query: EventQuery
        var merge: TimeOrderedMerge?
        let parallelism: Int
        var segmentIndex = 0
        var plan: (MappedFile, [(FrameInfo, [Int]?)])?
        var frameIndex = 0
        var buffer: [ActivityEvent] = []
        var bufferIndex = 0
        /// Frames decoded ahead (in parallel), and the next one to hand out.
        var decoded: [[ActivityEvent]] = []
        var decodedIndex = 0

        /// The next matching event; nil at the end.
        mutating func next() -> ActivityEvent? {
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
                while decodedIndex < decoded.count {
                    let batch = decoded[decodedIndex]
                    decoded[decodedIndex] = []
                    decodedIndex += 1
                    if !batch.isEmpty { return batch }
                }
                if let (file, frames) = plan, frameIndex < frames.count {
                    if parallelism < 2 {
                        let batch = reader.decode(
                            file: file, frame: frames[frameIndex].0, ordinals: frames[frameIndex].1, query: query)
                        frameIndex += 1
                        if batch.isEmpty { continue }
                        return batch
                    }
                    // A round of frames of this segment, about 4,096 events, decoded at once.
                    var jobs: [FrameJob] = []
                    var events = 0
                    while frameIndex < frames.count, events < 4096 {
                        let (frame, ordinals) = frames[frameIndex]
                        jobs.append(FrameJob(file: file, frame: frame, ordinals: ordinals))
                        events += ordinals?.count ?? max(frame.count, 1)
                        frameIndex += 1
                    }
                    decoded = reader.decode(jobs, query: query, parallelism: parallelism)
                    decodedIndex = 0
                    continue
                }
                guard segmentIndex < segments.count else { return nil }
                plan = reader.framePlan(segment: segments[segmentIndex], query: query)
                segmentIndex += 1
                frameIndex = 0
            }
        }
    }

    func makeIterator() -> Iterator {
        Iterator(reader: reader, segments: segments, query: query, merge: merge, parallelism: parallelism)
    }
}
