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

    /// Whether ``matches(_:)`` can be false for some event: false for a query without host, time, seq or term
    /// conditions (a full scan), whose decoded events then skip the check.
    var filtersEvents: Bool {
        !hosts.isEmpty || since != nil || until != nil || afterSeq != nil || beforeSeq != nil || !terms.isEmpty
    }

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
