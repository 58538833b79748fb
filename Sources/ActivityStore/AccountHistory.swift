import ActivityModel

/// One step of ``StoreReader/accountHistory(_:)``.
public enum AccountHistoryPart {
    /// What the events an index covers did to each account, by user name.
    case digests([(user: String, digest: AccountDigest)])
    /// Login and admin events no index summarises, in store order.
    case events([ActivityEvent])
}

extension StoreReader {
    /// The store's login and admin history in store order, segment by segment: for the events an index
    /// covers, its per-user ``AccountDigest``s; the events no index covers (the active segment's tail, a
    /// segment whose index is missing, stale, damaged or older than the accounts section) as events.
    /// Feeding both, in order, to the same per-user state gives what feeding every event would.
    ///
    /// `segments` limits the walk to those segments (from ``segments()``, in order): a caller that keeps the
    /// state fed by the sealed segments, which never change, then feeds only the active one.
    public func accountHistory(segments only: [SegmentInfo]? = nil, _ visit: (AccountHistoryPart) throws -> Void) throws
    {
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
            guard let (_, plan) = framePlan(segment: s, file: file, index: idx, query: q) else { continue }
            for (f, ordinals) in plan {
                let events = decode(file: file, frame: f, ordinals: ordinals, query: q)
                if !events.isEmpty { try visit(.events(events)) }
            }
        }
    }
}
