import ActivityModel

/// Named event fields for `--output-fields`, table columns and the console's event page: the event's fields
/// (``ActivityEvent/Field``) with nested members named on their own (`country`, not `geo.country`), plus the
/// derived `location`.
public enum EventField {
    public static let names = [
        "seq", "time", "ingested", "category", "action", "outcome", "reason", "user", "actor", "actor_role",
        "account", "session", "entry", "device", "ip", "port", "host", "service", "country", "country_name",
        "region", "city", "location", "asn", "as_org", "vpn", "proxy", "tor", "hosting", "lists",
        "subscription", "order", "amount", "currency", "billing_cycles", "comment", "input", "source", "risk",
    ]

    /// The paths of ``ActivityEvent/Field/allPaths`` that no name shows, and why. A path neither shown by a name
    /// (``paths(of:)``) nor listed here fails `EventFieldCoverageTests`.
    public static let omitted: [String: String] = [
        "geo.lat": "coordinates: `location` names the place; the JSON export has them",
        "geo.lon": "coordinates: `location` names the place; the JSON export has them",
        "geo.radius_km": "the coordinates' accuracy: in the JSON export",
        "geo.tz": "the location's zone: in the JSON export (times are shown in --tz)",
        "origin.position": "an input's resume position: for the daemon, in the JSON export",
        "origin.raw": "the raw message: in the JSON export and the console's event page",
        "attrs": "free keys: named one by one as `attrs.KEY`",
    ]

    /// The event fields (paths of ``ActivityEvent/Field/allPaths``) the name `name` shows.
    public static func paths(of name: String) -> [String] {
        switch name {
        case "location": return ["geo.city", "geo.country"]
        case "risk": return ActivityEvent.Field.risk.paths
        default:
            if let f = ActivityEvent.Field(rawValue: name), f.members.isEmpty { return [f.key] }
            for f in ActivityEvent.Field.allCases where f.members.contains(name) { return [f.key + "." + name] }
            if name.hasPrefix("attrs.") { return ["attrs"] }
            return []
        }
    }

    /// Fields whose ``value(_:_:formatter:)`` is a JSON number or boolean literal.
    public static let jsonLiterals: Set<String> = [
        "seq", "port", "asn", "billing_cycles", "vpn", "proxy", "tor", "hosting",
    ]

    public static func value(_ e: ActivityEvent, _ name: String, formatter: TimeFormatter) -> String? {
        switch name {
        case "seq": return String(e.seq)
        case "time": return formatter.string(from: e.time)
        case "ingested": return e.ingested.map(formatter.string(from:))
        case "category": return e.category.rawValue
        case "action": return e.action.rawValue
        case "outcome": return e.outcome.rawValue
        case "reason": return e.reason
        case "user": return e.user
        case "actor": return e.actor
        case "actor_role": return e.actorRole
        case "account": return e.account
        case "session": return e.session
        case "entry": return e.entry
        case "device": return e.device
        case "ip": return e.ip?.description
        case "port": return e.port.map(String.init)
        case "host": return e.host
        case "service": return e.service
        case "country": return e.geo?.country
        case "country_name": return e.geo?.countryName
        case "region": return e.geo?.region
        case "city": return e.geo?.city
        case "location":
            let parts = [e.geo?.city, e.geo?.country].compactMap { $0 }
            return parts.isEmpty ? nil : parts.joined(separator: ", ")
        case "asn": return e.geo?.asn.map(String.init)
        case "as_org": return e.geo?.asOrg
        case "vpn": return e.net.map { $0.vpn ? "true" : "false" }
        case "proxy": return e.net.map { $0.proxy ? "true" : "false" }
        case "tor": return e.net.map { $0.tor ? "true" : "false" }
        case "hosting": return e.net.map { $0.hosting ? "true" : "false" }
        case "lists": return e.net.map { $0.lists.joined(separator: ",") }
        case "subscription": return e.commerce?.subscription
        case "order": return e.commerce?.order
        case "amount": return e.commerce?.amount
        case "currency": return e.commerce?.currency
        case "billing_cycles": return e.commerce?.billingCycles.map(String.init)
        case "comment": return e.comment
        case "input": return e.origin?.input
        case "source": return e.origin?.source
        case "risk": return RiskFlags.names.filter { e.risk.contains($0.0) }.map(\.1).joined(separator: ",")
        default:
            if name.hasPrefix("attrs.") { return e.attrs[String(name.dropFirst(6))] }
            return nil
        }
    }
}
