/// Which enrichment files to load: the `[enrich.geoip]` and `[[enrich.iplist]]` tables of the configuration.
///
/// A plain value: `ActivityConfig` decodes TOML into it, tests build it directly. Any database may be absent.
public struct EnrichmentConfiguration: Hashable, Sendable {
    /// A GeoIP2/GeoLite2 City database (`city`): country, region, city, location, time zone.
    public var city: String?
    /// A GeoIP2/GeoLite2 Country database (`country`), used when there is no City database or it has no record.
    public var country: String?
    /// A GeoLite2-ASN or GeoIP2-ISP database (`asn`): AS number and organisation.
    public var asn: String?
    /// A GeoIP2 Anonymous-IP database (`anonymous`): VPN, proxy, Tor, hosting, residential-proxy flags.
    public var anonymous: String?
    /// IP lists, matched in this order (the order of names in `net.lists`).
    public var lists: [IPListConfiguration]
    /// Flatten each database's IPv4 search tree into a table at load (faster IPv4 lookups, ~25–35 MB of memory
    /// per City database). Off (the default): lookups walk libmaxminddb's tree, which measured no slower
    /// through the whole daemon, whose cost per event is elsewhere.
    public var indexIPv4: Bool

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - city: path of a City database.
    ///   - country: path of a Country database.
    ///   - asn: path of an ASN database.
    ///   - anonymous: path of an Anonymous-IP database.
    ///   - lists: the IP lists.
    public init(
        city: String? = nil, country: String? = nil, asn: String? = nil, anonymous: String? = nil,
        lists: [IPListConfiguration] = [], indexIPv4: Bool = false
    ) {
        self.indexIPv4 = indexIPv4
        self.city = city
        self.country = country
        self.asn = asn
        self.anonymous = anonymous
        self.lists = lists
    }

    /// The configured path for a kind of database.
    ///
    /// - Parameter kind: the kind.
    /// - Returns: its path, or `nil` when not configured.
    public func path(for kind: EnrichmentDatabaseKind) -> String? {
        switch kind {
        case .city: return city
        case .country: return country
        case .asn: return asn
        case .anonymousIP: return anonymous
        }
    }
}

/// One `[[enrich.iplist]]` entry.
public struct IPListConfiguration: Hashable, Sendable {
    /// The list's name, appended to `net.lists` when it matches; unique among lists.
    public var name: String
    /// What a match means: `vpn`, `proxy`, `tor`, `hosting`, or any other word.
    public var tag: IPListTag
    /// The list file.
    public var path: String

    /// Creates a list entry.
    ///
    /// - Parameters:
    ///   - name: the list's name.
    ///   - tag: what a match means.
    ///   - path: the list file.
    public init(name: String, tag: IPListTag, path: String) {
        self.name = name
        self.tag = tag
        self.path = path
    }
}

/// What a match in an IP list means for ``ActivityModel/NetFlags``.
///
/// The four known tags set their flag (`vpn`, `proxy`, `tor`, `hosting`). Any other word is kept as a label and
/// added to `net.lists` next to the list's name, so `activityctl` can filter on it.
public enum IPListTag: Hashable, Sendable, CustomStringConvertible {
    /// Sets `net.vpn`.
    case vpn
    /// Sets `net.proxy`.
    case proxy
    /// Sets `net.tor`.
    case tor
    /// Sets `net.hosting`.
    case hosting
    /// Adds the word to `net.lists`.
    case other(String)

    /// Parses a tag word; the four known words are matched case-insensitively.
    ///
    /// - Parameter word: the configured tag.
    public init(_ word: String) {
        switch word.lowercased() {
        case "vpn": self = .vpn
        case "proxy": self = .proxy
        case "tor": self = .tor
        case "hosting": self = .hosting
        default: self = .other(word)
        }
    }

    /// The tag word.
    public var description: String {
        switch self {
        case .vpn: return "vpn"
        case .proxy: return "proxy"
        case .tor: return "tor"
        case .hosting: return "hosting"
        case .other(let w): return w
        }
    }
}

/// The kinds of MaxMind database the enricher uses.
public enum EnrichmentDatabaseKind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// City (or Enterprise) database.
    case city
    /// Country database (a City database is accepted too: it has the same country data).
    case country
    /// ASN (or ISP) database.
    case asn
    /// Anonymous-IP database.
    case anonymousIP = "anonymous"

    /// The configuration key (`city`, `country`, `asn`, `anonymous`).
    public var description: String { rawValue }

    /// Whether a file whose metadata says `databaseType` can serve as this kind.
    ///
    /// Matched on the words in the type name, so the MaxMind, GeoLite and DB-IP variants all pass
    /// (`GeoIP2-City`, `GeoLite2-City`, `DBIP-City-Lite`, `GeoLite2-ASN`, `GeoIP2-ISP`, `GeoIP2-Anonymous-IP`),
    /// while a City file configured as `asn` is refused.
    ///
    /// - Parameter databaseType: `MaxMindMetadata.databaseType`.
    /// - Returns: true when it fits.
    public func accepts(databaseType: String) -> Bool {
        let t = databaseType.lowercased()
        switch self {
        case .city: return t.contains("city") || t.contains("enterprise")
        case .country: return t.contains("country") || t.contains("city") || t.contains("enterprise")
        case .asn: return t.contains("asn") || t.contains("isp")
        case .anonymousIP: return t.contains("anonymous")
        }
    }
}
