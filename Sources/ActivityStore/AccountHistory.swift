import ActivityModel
import Dispatch
import Foundation

/// One step of ``StoreReader/accountHistory(_:)``.
public enum AccountHistoryPart {
    /// What the events an index covers did to each account, by user name.
    case digests([(user: String, digest: AccountDigest)])
    /// Login and admin events no index summarises, in store order.
    case events([ActivityEvent])
}

extension StoreReader {
    /// The store's login and admin history in store order: for each run of consecutive segments whose
    /// indexes cover them, one per-user ``AccountDigest`` of the whole run (the sections folded from their
    /// bytes, ``AccountFold``); the events no index covers (the active segment's tail, a segment whose index
    /// is missing, stale, damaged or older than the accounts section) as events. Feeding both, in order, to the
    /// same per-user state gives what feeding every event would.
    ///
    /// `segments` limits the walk to those segments (from ``segments()``, in order): a caller that keeps the
    /// state fed by the sealed segments, which never change, then feeds only the active one.
    public func accountHistory(segments only: [SegmentInfo]? = nil, _ visit: (AccountHistoryPart) throws -> Void) throws
    {
        try accountHistory(segments: only, foldAhead: ProcessInfo.processInfo.activeProcessorCount > 1, visit)
    }

    /// ``accountHistory(segments:_:)``; with `foldAhead` (and four segments or more) the
    /// second half of the segments is folded on another thread while this one walks the first half, as far as
    /// the sections are whole and cover their segments; the walk takes the rest from where that stopped.
    func accountHistory(
        segments only: [SegmentInfo]?, foldAhead: Bool, _ visit: (AccountHistoryPart) throws -> Void
    ) throws {
        lastQueryStats = (0, 0)
        var q = EventQuery()
        q.terms[.category] = [EventCategory.login.rawValue, EventCategory.admin.rawValue]
        let segs = try only ?? segments()
        // Mapping and loading the indexes stay on this thread, in order, as they record damage; a segment's
        // damage is set aside and recorded when the walk reaches the segment, so the list reads as before.
        var opened: [(file: MappedFile?, index: SegmentIndex?, damage: [ReadDamage])] = []
        opened.reserveCapacity(segs.count)
        let earlier = damage
        for s in segs {
            damage = []
            let file = mappedOrDamage(s)
            let idx = file.flatMap { index(of: s, file: $0) }
            opened.append((file, idx, damage))
        }
        damage = earlier

        let half = segs.count / 2
        var ahead: FoldAhead?
        if foldAhead, segs.count >= 4 {
            ahead = FoldAhead(opened[half...].map { ($0.file, $0.index) })
        }
        // A walk that ends early (a throwing visit) still waits for the other thread.
        defer { _ = ahead?.wait() }

        var fold = AccountFold()
        func flush() throws {
            guard !fold.isEmpty else { return }
            let digests = fold.digests()
            fold = AccountFold()
            try visit(.digests(digests))
        }
        var k = 0
        while k < segs.count {
            if k == half, let (folded, count) = ahead?.wait(), count > 0 {
                fold.merge(folded)
                lastQueryStats.segmentsTouched += count
                k += count
                continue
            }
            let s = segs[k]
            let (file, idx, setAside) = opened[k]
            k += 1
            damage.append(contentsOf: setAside)
            guard let file else { continue }
            if let idx {
                if fold.add(idx) {
                    lastQueryStats.segmentsTouched += 1
                    let covered = Int(idx.segmentLength)
                    guard covered < file.count else { continue }
                    try flush()
                    for f in Self.committedFrames(file: file, from: covered, sealed: !s.isActive, damage: &damage)
                        .frames
                    {
                        let events = decode(file: file, frame: f, ordinals: nil, query: q)
                        if !events.isEmpty { try visit(.events(events)) }
                    }
                    continue
                }
                if idx.hasAccounts {
                    damage.append(
                        ReadDamage(
                            path: s.indexPath, offset: nil, reason: "damaged accounts section; reading the events"))
                }
            }
            try flush()
            guard let (_, plan) = framePlan(segment: s, file: file, index: idx, query: q) else { continue }
            for (f, ordinals) in plan {
                let events = decode(file: file, frame: f, ordinals: ordinals, query: q)
                if !events.isEmpty { try visit(.events(events)) }
            }
        }
        try flush()
    }
}

/// The fold of a run of segments on another thread: their sections, in order, as long as each is whole and
/// covers its segment (what the walk would fold without reading events).
private final class FoldAhead: @unchecked Sendable {  // `result` is written before `done` is signalled, read after
    private var result: (AccountFold, Int) = (AccountFold(), 0)
    private let done = DispatchSemaphore(value: 0)
    private var waited = false

    init(_ segments: [(file: MappedFile?, index: SegmentIndex?)]) {
        DispatchQueue.global().async { [self] in
            var fold = AccountFold()
            var count = 0
            for (file, index) in segments {
                guard let file, let index, Int(index.segmentLength) >= file.count, fold.add(index) else { break }
                count += 1
            }
            result = (fold, count)
            done.signal()
        }
    }

    /// The fold and the number of segments it covers, once: nil when already taken.
    func wait() -> (AccountFold, Int)? {
        guard !waited else { return nil }
        waited = true
        done.wait()
        return result
    }
}
