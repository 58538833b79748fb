import ActivityModel

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
    /// Threads that may decode frames at once (see ``FrameWalk``).
    var parallelism = 1
    /// Frames taken from `frames` in order and decoded together, waiting to be merged, and the next of them.
    var ready: [(planned: Planned, events: [ActivityEvent])] = []
    var readyIndex = 0

    init(reader: StoreReader, segments: [SegmentInfo], query q: EventQuery) {
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
        unopened.sort {
            ($0.start, q.reverse ? ~$0.segment.firstSeq : $0.segment.firstSeq) < (
                $1.start, q.reverse ? ~$1.segment.firstSeq : $1.segment.firstSeq
            )
        }
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

    /// The start key of the next frame to merge: a decoded one waiting, else the first planned one.
    var nextFrameKey: Int64? { readyIndex < ready.count ? startKey(ready[readyIndex].planned) : frames.peekKey }

    /// The key below which nothing still to read can hold an event (nil: everything is read).
    var frontier: Int64? {
        let f = nextFrameKey
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
            if nextUnopened < unopened.count, nextFrameKey.map({ unopened[nextUnopened].start <= $0 }) ?? true {
                let s = unopened[nextUnopened].segment
                nextUnopened += 1
                if let file = reader.mappedOrDamage(s) { plan(s, file: file) }
                continue
            }
            if readyIndex == ready.count, !decodeNextFrames() { return nil }
            guard readyIndex < ready.count else { continue }
            let (p, events) = ready[readyIndex]
            ready[readyIndex].events = []
            readyIndex += 1
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

    /// Takes the next planned frames in merge order and decodes them into `ready`: one frame, or with
    /// `parallelism` a round of about 4,096 events decoded at once. A round stops before a frame an unopened
    /// segment may precede (that segment is opened first, as one-by-one merging would), so the frames are merged
    /// in exactly the order one-by-one decoding takes them. False when no planned frame is left.
    mutating func decodeNextFrames() -> Bool {
        ready.removeAll(keepingCapacity: true)
        readyIndex = 0
        var planned: [Planned] = []
        var jobs: [FrameJob] = []
        var events = 0
        repeat {
            guard let p = frames.pop() else { break }
            guard let file = files[p.file] else {
                // Not expected (a file is released only when none of its frames is pending).
                continue
            }
            planned.append(p)
            jobs.append(FrameJob(file: file, frame: p.frame, ordinals: p.ordinals))
            events += p.ordinals?.count ?? max(p.frame.count, 1)
        } while parallelism > 1 && events < 4096
            && frames.peekKey.map({ k in nextUnopened >= unopened.count || unopened[nextUnopened].start > k }) ?? false
        guard !planned.isEmpty else { return !frames.isEmpty }
        let decoded = reader.decode(jobs, query: forward, parallelism: parallelism)
        for (p, evs) in zip(planned, decoded) { ready.append((p, evs)) }
        return true
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
