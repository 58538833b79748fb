#if canImport(Glibc)
import Glibc
#endif
import ActivityModel

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
                for e in reader.decode(file: file, frame: f, ordinals: nil, query: EventQuery()) where e.seq > lastSeq {
                    out.append(e)
                }
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
