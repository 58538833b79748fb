/// One normalized event: a login, an activity or an administrative action (DESIGN.md, "The normalized event").
///
/// Every part of the product speaks this type: inputs are normalized into it, enrichment fills ``geo``, ``net``
/// and ``risk``, the store encodes it, and `activityctl` prints it. Required are ``time``, ``category``,
/// ``action`` and ``outcome``; everything else is optional and omitted from the export when absent.
public struct ActivityEvent: Hashable, Sendable {
    /// Store-assigned sequence number: strictly increasing, never reused. Zero until the store assigns it.
    public var seq: UInt64 = 0
    /// When it happened.
    public var time: Timestamp
    /// When activityd received it.
    public var ingested: Timestamp?
    public var category: EventCategory
    public var action: Action
    public var outcome: Outcome
    /// Detail of a failure or status, snake_case (`invalid_password`, `idle_timeout`...).
    public var reason: String?
    /// The account the event is about.
    public var user: String?
    /// Who did it; for self-service `actor == user`.
    public var actor: String?
    /// `user`, `admin`, `support`, `system`.
    public var actorRole: String?
    /// Tenant or organisation, where the source has one.
    public var account: String?
    public var session: String?
    /// Entry method: `web`, `mobile`, `api`, `ssh`, `console`, `su`, `sudo`, `desktop`, `batch`, `report`...
    public var entry: String?
    /// Device type, user agent or tty.
    public var device: String?
    /// Remote address.
    public var ip: IPAddress?
    public var port: UInt16?
    /// The host it happened on.
    public var host: String?
    /// Program or application (`sshd`, `sudo`, `billing-api`).
    public var service: String?
    public var geo: Geo?
    public var net: NetFlags?
    public var commerce: Commerce?
    public var comment: String?
    /// Any other string key/values the source gave, kept in key order.
    public var attrs: Attributes
    public var origin: Origin?
    public var risk: RiskFlags

    public init(
        time: Timestamp, category: EventCategory, action: Action, outcome: Outcome = .unknown,
        user: String? = nil, attrs: Attributes = [:]
    ) {
        self.time = time
        self.category = category
        self.action = action
        self.outcome = outcome
        self.user = user
        self.attrs = attrs
        self.risk = []
    }
}

/// Where an address is, from the GeoIP databases.
public struct Geo: Hashable, Sendable {
    /// ISO 3166-1 alpha-2.
    public var country: String?
    public var countryName: String?
    public var region: String?
    public var city: String?
    public var lat: Double?
    public var lon: Double?
    /// Accuracy radius of ``lat``/``lon``.
    public var radiusKm: Int?
    /// IANA time zone of the location.
    public var tz: String?
    public var asn: UInt32?
    public var asOrg: String?

    public init() {}

    public var isEmpty: Bool { self == Geo() }
}

/// What the address is known to be: an anonymizer, a hosting network, and the lists that matched it.
public struct NetFlags: Hashable, Sendable {
    public var vpn = false
    public var proxy = false
    public var tor = false
    public var hosting = false
    /// Names of the IP lists (and database tags such as `residential_proxy`) that matched, in match order.
    public var lists: [String] = []

    public init(vpn: Bool = false, proxy: Bool = false, tor: Bool = false, hosting: Bool = false, lists: [String] = []) {
        self.vpn = vpn; self.proxy = proxy; self.tor = tor; self.hosting = hosting; self.lists = lists
    }

    public var isEmpty: Bool { !vpn && !proxy && !tor && !hosting && lists.isEmpty }
    /// True when the address hides who is behind it.
    public var isAnonymizer: Bool { vpn || proxy || tor }
}

/// Money facts for subscription and order events (the payments seed's columns).
public struct Commerce: Hashable, Sendable {
    public var subscription: String?
    public var order: String?
    /// A decimal string, kept exactly as the sender wrote it (`"19.99"`): never a binary float.
    public var amount: String?
    /// ISO 4217.
    public var currency: String?
    public var billingCycles: Int?

    public init() {}
    public var isEmpty: Bool { self == Commerce() }
}

/// Which input produced the event, and where in it.
public struct Origin: Hashable, Sendable {
    /// `udp`, `journald` or `file`.
    public var input: String
    /// The input's position: a journal cursor, `path:inode:offset` for files; nil for UDP.
    public var position: String?
    /// Where it came from: the sender's address for UDP, the file path, the journal.
    public var source: String?
    /// The raw message, when configured to keep it.
    public var raw: String?

    public init(input: String, position: String? = nil, source: String? = nil, raw: String? = nil) {
        self.input = input; self.position = position; self.source = source; self.raw = raw
    }
}

/// Derived risk flags.
public struct RiskFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let newCountry = RiskFlags(rawValue: 1 << 0)
    public static let impossibleTravel = RiskFlags(rawValue: 1 << 1)
    public static let anonymizer = RiskFlags(rawValue: 1 << 2)
    public static let failedBurst = RiskFlags(rawValue: 1 << 3)

    /// Export names, in a fixed order.
    public static let names: [(RiskFlags, String)] = [
        (.newCountry, "new_country"), (.impossibleTravel, "impossible_travel"),
        (.anonymizer, "anonymizer"), (.failedBurst, "failed_burst"),
    ]

    public init?(name: String) {
        guard let f = RiskFlags.names.first(where: { $0.1 == name }) else { return nil }
        self = f.0
    }
}
