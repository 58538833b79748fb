import ActivityModel

/// The event filters `activityctl events`/`export` and activity-web's pages and API share, as text, turned
/// into an ``EventQuery`` in one place so both give the same answer for the same selection.
/// Times (`since`/`until`) are resolved by the caller (they depend on its "now" and time zone).
public struct EventFilter: Sendable, Hashable {
    /// Only events of these users (`--user`, repeatable).
    public var users: [String] = []
    /// Only events from these addresses, as text; each must parse as an address (else ``Invalid``).
    public var ips: [String] = []
    /// Only these categories (`login`, `activity`, `admin`; any case).
    public var categories: [String] = []
    /// Only these actions (`login`, `login_failed`, `subscription_started`...).
    public var actions: [String] = []
    /// Only these outcomes (`success`, `failure`...).
    public var outcomes: [String] = []
    /// Only these entry methods (`web`, `mobile`, `ssh`...).
    public var entries: [String] = []
    /// Only events located in these countries (ISO codes; any case).
    public var countries: [String] = []
    /// Only events from VPN, proxy or Tor addresses.
    public var vpn = false
    /// Only events of these hosts (a collector's store holds many; `host` is not indexed: a scan filter).
    public var hosts: [String] = []

    /// A filter that selects every event.
    public init() {}

    /// A filter value that is not what its field holds (`--ip` that is no address).
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        /// The filter's field (`ip`).
        public var field: String
        /// The value given.
        public var value: String
        /// `ip VALUE is not an address`.
        public var description: String { "\(field) \(value) is not an address" }
    }

    /// The query: term filters (AND across fields, OR within one), with `since`/`until` and `order`.
    public func query(since: Timestamp? = nil, until: Timestamp? = nil, order: EventOrder = .time) throws(Invalid)
        -> EventQuery
    {
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
