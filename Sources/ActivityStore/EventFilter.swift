import ActivityModel

/// The event filters `activityctl events`/`export` and activity-web's pages and API share, as text, turned
/// into an ``EventQuery`` in one place so both give the same answer for the same selection.
/// Times (`since`/`until`) are resolved by the caller (they depend on its "now" and time zone).
public struct EventFilter: Sendable, Hashable {
    public var users: [String] = []
    public var ips: [String] = []
    public var categories: [String] = []
    public var actions: [String] = []
    public var outcomes: [String] = []
    public var entries: [String] = []
    public var countries: [String] = []
    /// Only events from VPN, proxy or Tor addresses.
    public var vpn = false
    /// Only events of these hosts (a collector's store holds many; `host` is not indexed: a scan filter).
    public var hosts: [String] = []

    public init() {}

    /// A filter value that is not what its field holds (`--ip` that is no address).
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var value: String
        public var description: String { "\(field) \(value) is not an address" }
    }

    /// The query: term filters (AND across fields, OR within one), with `since`/`until` and `order`.
    public func query(since: Timestamp? = nil, until: Timestamp? = nil, order: EventOrder = .time) throws(Invalid) -> EventQuery {
        var q = EventQuery()
        if !users.isEmpty { q.terms[.user] = Set(users) }
        if !ips.isEmpty {
            var set = Set<String>()
            for ip in ips {
                guard let a = IPAddress(ip) else { throw Invalid(field: "ip", value: ip) }
                set.insert(a.description)
            }
            q.terms[.ip] = set
        }
        if !categories.isEmpty { q.terms[.category] = Set(categories.map { $0.lowercased() }) }
        if !actions.isEmpty { q.terms[.action] = Set(actions) }
        if !outcomes.isEmpty { q.terms[.outcome] = Set(outcomes) }
        if !entries.isEmpty { q.terms[.entry] = Set(entries) }
        if !countries.isEmpty { q.terms[.country] = Set(countries.map { $0.uppercased() }) }
        if vpn { q.terms[.net] = ["vpn", "proxy", "tor"] }
        if !hosts.isEmpty { q.hosts = Set(hosts) }
        q.since = since
        q.until = until
        q.order = order
        return q
    }
}
