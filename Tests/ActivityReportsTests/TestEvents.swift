import ActivityModel
import Foundation

/// Parses an RFC 3339 time for tests; a typo in a test literal is a test bug, reported as the epoch.
func ts(_ text: String) -> Timestamp {
    Timestamp.parseRFC3339(Substring(text), defaultOffsetSeconds: 0) ?? Timestamp(nanoseconds: 0)
}

func zone(_ id: String) -> TimeZone { TimeZone(identifier: id) ?? .gmt }

/// A compact event builder for report tests.
func ev(
    _ time: String, _ action: String, user: String? = nil, outcome: Outcome = .success, reason: String? = nil,
    ip: String? = nil, entry: String? = nil, device: String? = nil,
    country: String? = nil, city: String? = nil, lat: Double? = nil, lon: Double? = nil, radius: Int? = nil,
    vpn: Bool = false, proxy: Bool = false, tor: Bool = false, hosting: Bool = false, lists: [String] = [],
    commerce: Commerce? = nil, comment: String? = nil, seq: UInt64 = 0
) -> ActivityEvent {
    let a = Action(rawValue: action)
    var e = ActivityEvent(
        time: ts(time), category: a.knownCategory ?? .activity, action: a, outcome: outcome, user: user)
    e.seq = seq
    e.reason = reason
    e.ip = ip.flatMap { IPAddress($0) }
    e.entry = entry
    e.device = device
    if country != nil || city != nil || lat != nil {
        var g = Geo()
        g.country = country; g.city = city; g.lat = lat; g.lon = lon; g.radiusKm = radius
        e.geo = g
    }
    if vpn || proxy || tor || hosting || !lists.isEmpty {
        e.net = NetFlags(vpn: vpn, proxy: proxy, tor: tor, hosting: hosting, lists: lists)
    }
    e.commerce = commerce
    e.comment = comment
    return e
}

func commerce(
    sub: String? = nil, order: String? = nil, amount: String? = nil, currency: String? = nil,
    cycles: Int? = nil
) -> Commerce {
    var c = Commerce()
    c.subscription = sub; c.order = order; c.amount = amount; c.currency = currency; c.billingCycles = cycles
    return c
}

/// Assigns increasing `seq` numbers in array order.
func numbered(_ events: [ActivityEvent]) -> [ActivityEvent] {
    var out = events
    for i in out.indices { out[i].seq = UInt64(i + 1) }
    return out
}
