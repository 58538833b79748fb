import ActivityModel
import ActivityReports
import ActivityStore
import Synchronization

/// One page of events, newest first by `seq`, and the cursor for the next (older) page.
public struct EventPage: Sendable {
    public var events: [ActivityEvent]
    /// Pass as `before` for the next page; nil when this is the last.
    public var nextBefore: UInt64?
}

/// The questions the pages and the API answer, read through ``StoreReader`` (never written) and always
/// limited to what the principal may see. The same library calls as `activityctl` make the same facts.
public final class StoreQueries: Sendable {
    public let dataDirectory: String
    /// The users state fed by the sealed segments (which never change), with the segments it covers: the
    /// security page then reads only the active segment. Replaced when a segment is sealed or removed.
    private let sealedUsers = Mutex<(key: [SegmentKey], users: UsersAccumulator)?>(nil)

    struct SegmentKey: Hashable, Sendable {
        var firstSeq: UInt64
        var size: Int
    }

    /// Sealed segments kept mapped, their indexes parsed and frames checked, for every request's reader.
    let segmentCache = SegmentCache()

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    func reader() throws -> StoreReader { try StoreReader(dataDirectory: dataDirectory, cache: segmentCache) }

    /// Every user with last login and logout, status, entry, IP and location (`activityctl users`).
    /// An unscoped principal gets the indexes' per-user digests as the CLI does; a scoped one a summary of
    /// only their accounts' login and admin events.
    public func users(for p: Principal, now: Timestamp, sessionTimeout: TimeSpan = .hours(12)) throws -> [UserSummary] {
        let reader = try reader()
        var users = UsersAccumulator()
        if p.isScoped {
            var q = EventQuery()
            q.terms[.category] = [EventCategory.login.rawValue, EventCategory.admin.rawValue]
            q.order = .time
            for e in try reader.read(q, prefetch: true) where p.sees(e) { users.add(e) }
        } else {
            func feed(_ segments: [SegmentInfo], into users: inout UsersAccumulator) throws {
                try reader.accountHistory(segments: segments) { part in
                    switch part {
                    case .digests(let digests): for (user, digest) in digests { users.add(user: user, digest: digest) }
                    case .events(let events): for e in events { users.add(e) }
                    }
                }
            }
            let all = try reader.segments()
            let sealed = all.filter { !$0.isActive }
            let key = sealed.map { SegmentKey(firstSeq: $0.firstSeq, size: $0.size) }
            if let cached = sealedUsers.withLock({ c -> UsersAccumulator? in
                c.flatMap { $0.key == key ? $0.users : nil }
            }) {
                users = cached
            } else {
                try feed(sealed, into: &users)
                let snapshot = users
                sealedUsers.withLock { $0 = (key, snapshot) }
            }
            try feed(all.filter(\.isActive), into: &users)
        }
        return users.summaries(now: now, sessionTimeout: sessionTimeout)
    }

    /// A page of `q`'s events the principal sees, newest first by `seq`, older than `before`.
    public func page(_ q: EventQuery, for p: Principal, before: UInt64?, limit: Int) throws -> EventPage {
        var q = q
        q.order = .seq
        q.reverse = true
        q.beforeSeq = before
        q.limit = nil
        var out: [ActivityEvent] = []
        var more = false
        try reader().query(q) { e in
            guard p.sees(e) else { return true }
            if out.count == limit { more = true; return false }
            out.append(e)
            return true
        }
        return EventPage(events: out, nextBefore: more ? out.last?.seq : nil)
    }

    /// One event by `seq`, if the principal may see it (nil for "none" and "not yours" alike).
    public func event(seq: UInt64, for p: Principal) throws -> ActivityEvent? {
        var q = EventQuery()
        q.order = .seq
        q.afterSeq = seq == 0 ? nil : seq - 1
        q.limit = 1
        var found: ActivityEvent?
        try reader().query(q) { e in
            if e.seq == seq, p.sees(e) { found = e }
            return false
        }
        return found
    }

    /// The login attempts the reports read (as `activityctl report`), in time order, within the principal's accounts.
    public func loginAttempts(for p: Principal, since: Timestamp?, until: Timestamp?, withAttributes: Bool = false)
        throws -> [ActivityEvent]
    {
        var q = EventQuery()
        q.terms[.action] = LoginEventKind.attemptActions
        q.omit = withAttributes ? OmittedFields.reportExtras.subtracting(.attributes) : .reportExtras
        if p.isScoped { q.omit.remove(.attributes) }
        q.since = since
        q.until = until
        q.order = .time
        return try reader().read(q, prefetch: true).filter(p.sees)
    }

    public func loginReport(for p: Principal, since: Timestamp?, until: Timestamp?, formatter: TimeFormatter) throws
        -> LoginReport
    {
        ActivityReports.loginReport(
            events: try loginAttempts(for: p, since: since, until: until), since: since, until: until,
            formatter: formatter)
    }

    public func failureBursts(for p: Principal, since: Timestamp?, until: Timestamp?, threshold: Int, window: TimeSpan)
        throws -> [FailureBurst]
    {
        ActivityReports.failureBursts(
            events: try loginAttempts(for: p, since: since, until: until),
            options: FailureBurstOptions(threshold: threshold, window: window, successWithin: .hours(1)))
    }

    public func suspicious(for p: Principal, since: Timestamp?, until: Timestamp?) throws -> [SuspiciousLogin] {
        suspiciousLogins(
            events: try loginAttempts(for: p, since: since, until: until, withAttributes: true),
            options: SuspiciousOptions(maxSpeedKmh: 1000, useStoredFlags: true))
    }

    /// The CSV export of `q` (`activityctl export --csv`: header, then one record per event in `q`'s order),
    /// within the principal's accounts.
    public func csv(_ q: EventQuery, for p: Principal, formatter: TimeFormatter) throws -> String {
        let export = CSVExport(formatter: formatter)
        var out = CSVExport.record(CSVExport.columns)
        try reader().query(q) { e in
            if p.sees(e) { out += export.record(for: e) }
            return true
        }
        return out
    }
}
