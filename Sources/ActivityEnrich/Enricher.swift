import ActivityIPList
import ActivityModel
import MaxMindDB

/// Fills an event's `geo`, `net` and `risk` from an ``EnrichmentSnapshot``: the enrich stage of the pipeline.
///
/// Pure given its snapshot: the same event and snapshot always give the same result, and nothing but the event
/// changes. For the event's `ip`:
/// - **No address, or a private/reserved one** (``ActivityModel/IPAddress/isPrivateOrReserved``: RFC 1918,
///   loopback, link-local, CGNAT, documentation, multicast...): no database lookup and no `geo`. IP lists are
///   still matched, so an operator can tag internal ranges (a VPN concentrator's pool, say).
/// - **IPv4-mapped IPv6** (`::ffff:a.b.c.d`) is enriched as the IPv4 address. IPv4 addresses are found in IPv6
///   databases (and IPv6 addresses in IPv4-only databases are simply not found).
/// - **City** database: `geo.country` (ISO code), `country_name` (English), `region` (the first subdivision's
///   English name), `city`, `lat`, `lon`, `radius_km`, `tz`. The **Country** database fills `country` and
///   `country_name` when there is no City database or the City database has no record.
/// - **ASN** database: `geo.asn`, `geo.as_org`.
/// - **Anonymous-IP** database: `net.vpn` (`is_anonymous_vpn`), `net.proxy` (`is_public_proxy`), `net.tor`
///   (`is_tor_exit_node`), `net.hosting` (`is_hosting_provider`); `is_residential_proxy` adds
///   `residential_proxy` to `net.lists`.
/// - **IP lists**, in configuration order: each list that contains the address sets its tag's flag (or, for any
///   other tag word, adds the word to `net.lists`) and appends the list's name to `net.lists`.
/// - `risk` gains ``ActivityModel/RiskFlags/anonymizer`` when `net.vpn`, `net.proxy` or `net.tor` is set.
///
/// Values already on the event win: a `geo` field the source sent is not overwritten, flags are only ever set
/// (never cleared), and a name already in `net.lists` is not repeated. `geo`/`net` stay `nil` when nothing was
/// found. A corrupt database record is a ``EnrichmentResult/failures`` entry, never a crash.
public struct Enricher: Sendable {
    /// The databases and lists in use.
    public let snapshot: EnrichmentSnapshot

    /// Creates an enricher over a snapshot.
    ///
    /// - Parameter snapshot: the loaded databases and lists.
    public init(snapshot: EnrichmentSnapshot) {
        self.snapshot = snapshot
    }

    /// Enriches one event in place.
    ///
    /// - Parameter event: the event; its `geo`, `net` and `risk` are filled.
    /// - Returns: what was looked up and found, for hit/miss counters.
    @discardableResult
    public func enrich(_ event: inout ActivityEvent) -> EnrichmentResult {
        guard let ip = event.ip else { return EnrichmentResult(skipped: .noAddress) }
        let addr = ip.unmapped
        let s = snapshot
        var result = EnrichmentResult()
        var net: NetFlags? = nil
        if addr.isPrivateOrReserved {
            result.skipped = .privateOrReserved
        } else {
            let location = geoRecord(addr, result: &result)
            var asnRecord: RecordCache<ASNRecord>.Box? = nil
            if let asn = s.asn {
                do throws(MaxMindDBError) {
                    asnRecord = try asn.asnRecord(addr)
                    if asnRecord != nil { result.hits.insert(.asn) } else { result.misses.insert(.asn) }
                } catch {
                    result.failures.insert(.asn)
                }
            }
            if location != nil || asnRecord != nil {
                var geo = event.geo ?? Geo()
                if let r = location?.value {
                    if geo.country == nil { geo.country = r.countryCode }
                    if geo.countryName == nil { geo.countryName = r.countryName }
                    if geo.region == nil { geo.region = r.subdivisionName }
                    if geo.city == nil { geo.city = r.cityName }
                    if geo.lat == nil { geo.lat = r.latitude }
                    if geo.lon == nil { geo.lon = r.longitude }
                    if geo.radiusKm == nil { geo.radiusKm = r.accuracyRadiusKm }
                    if geo.tz == nil { geo.tz = r.timeZone }
                }
                if let r = asnRecord?.value {
                    if geo.asn == nil { geo.asn = r.number }
                    if geo.asOrg == nil { geo.asOrg = r.organization }
                }
                if !geo.isEmpty { event.geo = geo }
            }
            if let anon = s.anonymousIP {
                do throws(MaxMindDBError) {
                    if let r = try anon.anonymousRecord(addr)?.value {
                        result.hits.insert(.anonymousIP)
                        if r.isAnonymousVPN || r.isPublicProxy || r.isTorExitNode || r.isHostingProvider
                            || r.isResidentialProxy
                        {
                            var n = event.net ?? NetFlags()
                            if r.isAnonymousVPN { n.vpn = true }
                            if r.isPublicProxy { n.proxy = true }
                            if r.isTorExitNode { n.tor = true }
                            if r.isHostingProvider { n.hosting = true }
                            if r.isResidentialProxy { Self.add("residential_proxy", to: &n.lists) }
                            net = n
                        }
                    } else {
                        result.misses.insert(.anonymousIP)
                    }
                } catch {
                    result.failures.insert(.anonymousIP)
                }
            }
        }
        if !s.matchers.isEmpty {
            for m in s.matchers where m.ranges.contains(addr) {
                result.listMatches += 1
                var n = net ?? event.net ?? NetFlags()
                switch m.tag {
                case .vpn: n.vpn = true
                case .proxy: n.proxy = true
                case .tor: n.tor = true
                case .hosting: n.hosting = true
                case .other(let word): Self.add(word, to: &n.lists)
                }
                Self.add(m.name, to: &n.lists)
                net = n
            }
            if result.listMatches > 0 { result.hits.insert(.lists) } else { result.misses.insert(.lists) }
        }
        if let n = net { event.net = n }
        if let n = event.net, n.isAnonymizer {
            event.risk.insert(.anonymizer)
            result.isAnonymizer = true
        }
        return result
    }

    /// Looks an address up without an event: what ``enrich(_:)`` would add to an event that has only this
    /// address.
    ///
    /// - Parameter address: the address.
    /// - Returns: the `geo` and `net` found (`nil` when nothing), and the hit/miss result.
    public func lookup(_ address: IPAddress) -> EnrichmentLookup {
        var e = ActivityEvent(time: Timestamp(seconds: 0), category: .login, action: .login)
        e.ip = address
        let result = enrich(&e)
        return EnrichmentLookup(geo: e.geo, net: e.net, result: result)
    }

    /// City first; Country when there is no City database or it has no record.
    private func geoRecord(_ addr: IPAddress, result: inout EnrichmentResult) -> RecordCache<GeoRecord>.Box? {
        if let city = snapshot.city {
            do throws(MaxMindDBError) {
                if let r = try city.geoRecord(addr) {
                    result.hits.insert(.city)
                    return r
                }
                result.misses.insert(.city)
            } catch {
                result.failures.insert(.city)
            }
        }
        if let country = snapshot.country {
            do throws(MaxMindDBError) {
                if let r = try country.geoRecord(addr) {
                    result.hits.insert(.country)
                    return r
                }
                result.misses.insert(.country)
            } catch {
                result.failures.insert(.country)
            }
        }
        return nil
    }

    private static func add(_ name: String, to lists: inout [String]) {
        if !lists.contains(name) { lists.append(name) }
    }
}

/// What ``Enricher/lookup(_:)`` found for one address.
public struct EnrichmentLookup: Hashable, Sendable {
    /// Location and AS, or `nil` when nothing was found.
    public var geo: Geo?
    /// Flags and list names, or `nil` when nothing matched.
    public var net: NetFlags?
    /// Hits, misses and failures.
    public var result: EnrichmentResult

    /// Creates a lookup result.
    ///
    /// - Parameters:
    ///   - geo: location and AS.
    ///   - net: flags and lists.
    ///   - result: hits, misses and failures.
    public init(geo: Geo?, net: NetFlags?, result: EnrichmentResult) {
        self.geo = geo
        self.net = net
        self.result = result
    }
}

/// The sources enrichment consults, as a set.
public struct EnrichmentSources: OptionSet, Hashable, Sendable {
    /// The bits.
    public let rawValue: UInt8
    /// Creates a set from its bits.
    ///
    /// - Parameter rawValue: the bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The City database.
    public static let city = EnrichmentSources(rawValue: 1 << 0)
    /// The Country database.
    public static let country = EnrichmentSources(rawValue: 1 << 1)
    /// The ASN database.
    public static let asn = EnrichmentSources(rawValue: 1 << 2)
    /// The Anonymous-IP database.
    public static let anonymousIP = EnrichmentSources(rawValue: 1 << 3)
    /// The IP lists (any of them).
    public static let lists = EnrichmentSources(rawValue: 1 << 4)

    /// Every source with its metric label (`source="city"`), for counting.
    public static let labels: [(EnrichmentSources, String)] = [
        (.city, "city"), (.country, "country"), (.asn, "asn"), (.anonymousIP, "anonymous"), (.lists, "lists"),
    ]
}

/// What enriching one event did: cheap to return, for `activityd_enrich_lookups_total{source, result}` counters.
///
/// A source appears in at most one of ``hits``, ``misses`` and ``failures``; a source that is not loaded (or
/// not consulted, such as Country after a City hit) appears in none.
public struct EnrichmentResult: Hashable, Sendable {
    /// Why no database was consulted.
    public enum Skip: String, Hashable, Sendable {
        /// The event has no `ip`.
        case noAddress = "no_address"
        /// The address is private or reserved (lists were still matched).
        case privateOrReserved = "private_or_reserved"
    }

    /// Set when the databases were not consulted.
    public var skipped: Skip?
    /// Sources that had a record (lists: at least one list matched).
    public var hits: EnrichmentSources
    /// Sources consulted without a record.
    public var misses: EnrichmentSources
    /// Sources whose lookup failed on corrupt data.
    public var failures: EnrichmentSources
    /// How many lists matched.
    public var listMatches: Int
    /// Whether the event was flagged as coming from an anonymizer.
    public var isAnonymizer: Bool

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - skipped: why nothing was consulted, if so.
    ///   - hits: sources with a record.
    ///   - misses: sources without one.
    ///   - failures: sources that failed.
    ///   - listMatches: matching lists.
    ///   - isAnonymizer: whether the anonymizer risk was set.
    public init(
        skipped: Skip? = nil, hits: EnrichmentSources = [], misses: EnrichmentSources = [],
        failures: EnrichmentSources = [], listMatches: Int = 0, isAnonymizer: Bool = false
    ) {
        self.skipped = skipped
        self.hits = hits
        self.misses = misses
        self.failures = failures
        self.listMatches = listMatches
        self.isAnonymizer = isAnonymizer
    }

    /// True when any source had something for the address.
    public var isHit: Bool { !hits.isEmpty }
}
