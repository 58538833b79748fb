import ActivityIPList
import ActivityModel
import MaxMindDB

/// An open MaxMind database serving one ``EnrichmentDatabaseKind``.
public struct EnrichmentDatabase: Sendable {
    /// The role it serves.
    public let kind: EnrichmentDatabaseKind
    /// The file it was opened from.
    public let path: String
    /// The open database.
    public let database: MaxMindDatabase
    /// Decoded records of this database, shared by every copy of this value (and by the snapshots that keep it).
    let caches = DatabaseRecordCaches()
    /// The file's identity when it was opened; a reload reuses this value while it is unchanged.
    let fingerprint: FileFingerprint?

    /// Wraps an open database for a role.
    ///
    /// - Parameters:
    ///   - kind: the role.
    ///   - database: the open database.
    public init(kind: EnrichmentDatabaseKind, database: MaxMindDatabase) {
        self.init(kind: kind, database: database, fingerprint: nil)
    }

    init(kind: EnrichmentDatabaseKind, database: MaxMindDatabase, fingerprint: FileFingerprint?) {
        self.kind = kind
        self.path = database.path
        self.database = database
        self.fingerprint = fingerprint
    }

    /// The database's metadata (type, IP version, build time).
    public var metadata: MaxMindMetadata { database.metadata }

    /// The location record for an address, decoded once per distinct record.
    func geoRecord(_ address: IPAddress) throws(MaxMindDBError) -> RecordCache<GeoRecord>.Box? {
        guard let e = try database.lookup(address) else { return nil }
        return try caches.geo.record(at: e.dataOffset) { () throws(MaxMindDBError) in try GeoRecord(entry: e) }
    }

    /// The ASN record for an address, decoded once per distinct record.
    func asnRecord(_ address: IPAddress) throws(MaxMindDBError) -> RecordCache<ASNRecord>.Box? {
        guard let e = try database.lookup(address) else { return nil }
        return try caches.asn.record(at: e.dataOffset) { () throws(MaxMindDBError) in try ASNRecord(entry: e) }
    }

    /// The Anonymous-IP record for an address, decoded once per distinct record.
    func anonymousRecord(_ address: IPAddress) throws(MaxMindDBError) -> RecordCache<AnonymousIPRecord>.Box? {
        guard let e = try database.lookup(address) else { return nil }
        return try caches.anonymous.record(at: e.dataOffset) { () throws(MaxMindDBError) in
            try AnonymousIPRecord(entry: e)
        }
    }
}

/// What the hot path needs of a list, behind one reference (iterating ``IPListSnapshot`` values would retain
/// each of their strings and arrays per event).
final class ListMatcher: Sendable {
    let name: String
    let tag: IPListTag
    let ranges: IPRangeSet

    init(_ list: IPListSnapshot) {
        name = list.name
        tag = list.tag
        ranges = list.ranges
    }
}

/// A loaded IP list: its name, tag and ranges.
public struct IPListSnapshot: Hashable, Sendable {
    /// The list's name (goes into `net.lists`).
    public let name: String
    /// What a match means.
    public let tag: IPListTag
    /// The file it was read from.
    public let path: String
    /// The merged ranges.
    public let ranges: IPRangeSet
    /// How many good entries the file had.
    public let entryCount: Int
    /// How many bad lines the file had.
    public let badLineCount: Int
    /// The first bad lines, re-reported when a reload reuses this list.
    let badLines: [IPListBadLine]
    /// The file's identity when it was read; a reload reuses this list while it is unchanged.
    let fingerprint: FileFingerprint?

    /// Creates a list snapshot.
    ///
    /// - Parameters:
    ///   - name: the list's name.
    ///   - tag: what a match means.
    ///   - path: the source file (for messages).
    ///   - ranges: the ranges.
    ///   - entryCount: the number of good entries.
    ///   - badLineCount: the number of bad lines.
    public init(
        name: String, tag: IPListTag, path: String, ranges: IPRangeSet, entryCount: Int = 0,
        badLineCount: Int = 0
    ) {
        self.init(
            name: name, tag: tag, path: path, ranges: ranges, entryCount: entryCount,
            badLineCount: badLineCount, badLines: [], fingerprint: nil)
    }

    init(
        name: String, tag: IPListTag, path: String, ranges: IPRangeSet, entryCount: Int, badLineCount: Int,
        badLines: [IPListBadLine], fingerprint: FileFingerprint?
    ) {
        self.name = name
        self.tag = tag
        self.path = path
        self.ranges = ranges
        self.entryCount = entryCount
        self.badLineCount = badLineCount
        self.badLines = badLines
        self.fingerprint = fingerprint
    }

    /// The same ranges under another tag (the configuration may change a tag without changing the file).
    func retagged(_ tag: IPListTag) -> IPListSnapshot {
        IPListSnapshot(
            name: name, tag: tag, path: path, ranges: ranges, entryCount: entryCount,
            badLineCount: badLineCount, badLines: badLines, fingerprint: fingerprint)
    }

    /// Whether the list contains the address (IPv4-mapped IPv6 counts as IPv4).
    ///
    /// - Parameter address: the address.
    /// - Returns: true on a match.
    public func contains(_ address: IPAddress) -> Bool { ranges.contains(address) }
}

/// Everything enrichment reads: the open databases and the loaded lists, immutable once built.
///
/// A reload builds a new snapshot with ``load(_:previous:)`` and the daemon swaps its reference (under a
/// `Mutex`), so a lookup never sees a half-loaded state and the old files stay mapped until the last event using
/// them is done. Sendable because every stored property is an immutable Sendable value (``MaxMindDatabase``
/// documents its own thread safety).
public final class EnrichmentSnapshot: Sendable {
    /// The City database, if any.
    public let city: EnrichmentDatabase?
    /// The Country database, if any.
    public let country: EnrichmentDatabase?
    /// The ASN database, if any.
    public let asn: EnrichmentDatabase?
    /// The Anonymous-IP database, if any.
    public let anonymousIP: EnrichmentDatabase?
    /// The IP lists, in match order.
    public let lists: [IPListSnapshot]
    /// The lists as the enricher iterates them.
    let matchers: [ListMatcher]

    /// A snapshot with nothing loaded: enrichment does nothing.
    public static let empty = EnrichmentSnapshot()

    /// Creates a snapshot from parts already loaded (tests, or callers with their own loading).
    ///
    /// - Parameters:
    ///   - city: the City database.
    ///   - country: the Country database.
    ///   - asn: the ASN database.
    ///   - anonymousIP: the Anonymous-IP database.
    ///   - lists: the IP lists, in match order.
    public init(
        city: EnrichmentDatabase? = nil, country: EnrichmentDatabase? = nil, asn: EnrichmentDatabase? = nil,
        anonymousIP: EnrichmentDatabase? = nil, lists: [IPListSnapshot] = []
    ) {
        self.city = city
        self.country = country
        self.asn = asn
        self.anonymousIP = anonymousIP
        self.lists = lists
        self.matchers = lists.map(ListMatcher.init)
    }

    /// The database serving a kind.
    ///
    /// - Parameter kind: the kind.
    /// - Returns: the database, or `nil`.
    public func database(_ kind: EnrichmentDatabaseKind) -> EnrichmentDatabase? {
        switch kind {
        case .city: return city
        case .country: return country
        case .asn: return asn
        case .anonymousIP: return anonymousIP
        }
    }

    /// True when nothing is loaded.
    public var isEmpty: Bool { city == nil && country == nil && asn == nil && anonymousIP == nil && lists.isEmpty }
}
