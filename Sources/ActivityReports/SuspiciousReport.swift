import ActivityModel
import Foundation

/// Settings for ``suspiciousLogins(events:options:)``.
public struct SuspiciousOptions: Hashable, Sendable {
    /// Travel faster than this between two consecutive located logins of a user is impossible. Default 1000 km/h.
    public var maxSpeedKmh: Double
    /// Flag a login from a country the user has not logged in from before.
    public var newCountry: Bool
    /// Flag consecutive logins too far apart for the time between them.
    public var impossibleTravel: Bool
    /// Flag logins through a VPN, proxy, Tor or hosting network.
    public var anonymizer: Bool
    /// Flag a successful login that follows a failure burst for the same user or address; nil turns it off.
    public var bursts: FailureBurstOptions?

    /// Everything on, 1000 km/h, default burst settings.
    public init(maxSpeedKmh: Double = 1000, newCountry: Bool = true, impossibleTravel: Bool = true,
                anonymizer: Bool = true, bursts: FailureBurstOptions? = FailureBurstOptions()) {
        self.maxSpeedKmh = maxSpeedKmh; self.newCountry = newCountry; self.impossibleTravel = impossibleTravel
        self.anonymizer = anonymizer; self.bursts = bursts
    }
}

/// One flagged successful login and every reason it was flagged.
public struct SuspiciousLogin: Hashable, Sendable {
    /// The login event.
    public var event: ActivityEvent
    /// The checks that fired (``RiskFlags/newCountry``, ``RiskFlags/impossibleTravel``,
    /// ``RiskFlags/anonymizer``, ``RiskFlags/failedBurst``).
    public var kinds: RiskFlags
    /// One human-readable reason per check that fired, in the order of ``RiskFlags/names``.
    public var reasons: [String]

    /// The reasons joined with `; `.
    public var why: String { reasons.joined(separator: "; ") }
    /// The export names of ``kinds`` joined with `,` (`new_country,impossible_travel`).
    public var kindNames: String { RiskFlags.names.filter { kinds.contains($0.0) }.map(\.1).joined(separator: ",") }
}

/// Great-circle distance in kilometres between two points given in degrees (haversine, mean Earth radius
/// 6371.0088 km).
public func greatCircleKm(lat1: Double, lon1: Double, lat2: Double, lon2: Double) -> Double {
    let r = 6371.0088
    let p1 = lat1 * .pi / 180, p2 = lat2 * .pi / 180
    let dp = (lat2 - lat1) * .pi / 180, dl = (lon2 - lon1) * .pi / 180
    let a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
    return 2 * r * asin(min(1, sqrt(max(0, a))))
}

/// Finds suspicious successful logins in `events`, which must be in time order (the checks compare each login
/// with the same user's earlier ones). One pass, one dictionary entry per user: linear in the number of events.
///
/// - New country: the login's `geo.country` is not among the countries of the user's earlier successful
///   logins. The user's first located login is never flagged (there is nothing to compare with).
/// - Impossible travel: against the user's previous successful login that had coordinates, the great-circle
///   distance minus both accuracy radii (`radius_km`, 0 when absent), divided by the elapsed time, exceeds
///   `maxSpeedKmh`. Two logins at the same instant with a positive remaining distance are flagged too.
/// - Anonymizer: `net` says VPN, proxy, Tor or hosting.
/// - Failure burst: the login is the first success after a failure burst of the same user or address.
///
/// Events that are not successful logins are only used for the burst detection; they are never rows.
/// Flags the pipeline already set on `event.risk` are not consulted: the report recomputes them.
public func suspiciousLogins(
    events: some Sequence<ActivityEvent>, options: SuspiciousOptions = SuspiciousOptions()
) -> [SuspiciousLogin] {
    var index: [String: Int] = [:]
    var states: [TravelState] = []
    var detector = options.bursts.map { FailureBurstDetector(options: $0) }
    var rows: [SuspiciousLogin] = []

    for e in events {
        let kind = LoginEventKind(e)
        let followed = detector?.observe(e, kind: kind) ?? []
        guard kind == .success else { continue }
        var kinds: RiskFlags = []
        var reasons: [String] = []
        let user = e.user ?? ""
        let i: Int
        if let found = index[user] {
            i = found
        } else {
            i = states.count
            index[user] = i
            states.append(TravelState())
        }
        // Mutated in place: a copy of the state would copy its country list on every login.
        states[i].observe(e, options: options, kinds: &kinds, reasons: &reasons)

        if options.anonymizer, let net = e.net, net.vpn || net.proxy || net.tor || net.hosting {
            kinds.insert(.anonymizer)
            var names: [String] = []
            if net.vpn { names.append("VPN") }
            if net.proxy { names.append("proxy") }
            if net.tor { names.append("Tor") }
            if net.hosting { names.append("hosting") }
            var r = "via \(names.joined(separator: ", "))"
            if !net.lists.isEmpty { r += " (lists: \(net.lists.joined(separator: ", ")))" }
            reasons.append(r)
        }

        if !followed.isEmpty {
            kinds.insert(.failedBurst)
            for b in followed {
                reasons.append("success after \(b.count) failures in \(b.duration) (\(b.key))")
            }
        }

        if !kinds.isEmpty { rows.append(SuspiciousLogin(event: e, kinds: kinds, reasons: reasons)) }
    }
    return rows
}

/// A whole number of kilometres with `,` thousands separators (`9,100`), independent of the locale.
func formatKm(_ value: Double) -> String {
    guard value.isFinite else { return "∞" }
    let n = Int64(min(max(value.rounded(), -9e15), 9e15))
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}

/// The place is formatted only when a row needs it: building a string per login dominated the report.
struct LocatedLogin { var time: Timestamp; var lat: Double; var lon: Double; var radius: Double; var geo: Geo }
struct TravelState {
    var countries: [String] = []
    var last: LocatedLogin?
}

extension TravelState {
    /// Checks one successful login against the user's earlier ones (new country, impossible travel) and
    /// remembers it.
    mutating func observe(_ e: ActivityEvent, options: SuspiciousOptions, kinds: inout RiskFlags, reasons: inout [String]) {
        if let cc = e.geo?.country, !cc.isEmpty {
            if options.newCountry, !countries.isEmpty, !countries.contains(cc) {
                kinds.insert(.newCountry)
                reasons.append("new country \(cc) (seen before: \(countries.joined(separator: ", ")))")
            }
            if !countries.contains(cc) { countries.append(cc) }
        }

        if let g = e.geo, let lat = g.lat, let lon = g.lon, lat.isFinite, lon.isFinite,
           abs(lat) <= 90, abs(lon) <= 180 {
            let here = LocatedLogin(time: e.time, lat: lat, lon: lon, radius: Double(max(0, g.radiusKm ?? 0)), geo: g)
            if options.impossibleTravel, let prev = last {
                let raw = greatCircleKm(lat1: prev.lat, lon1: prev.lon, lat2: lat, lon2: lon)
                let distance = raw - prev.radius - here.radius
                let elapsed = TimeSpan.between(prev.time, e.time)
                if distance > 0 {
                    let hours = max(0, elapsed.seconds) / 3600
                    let speed: Double = hours > 0 ? distance / hours : .infinity
                    if speed > options.maxSpeedKmh {
                        kinds.insert(.impossibleTravel)
                        let speedText = speed.isFinite ? "\(formatKm(speed)) km/h" : "∞ km/h"
                        var r = "travel \(formatKm(distance)) km in \(elapsed) = \(speedText) > \(formatKm(options.maxSpeedKmh)) km/h"
                        r += " (\(Geo.shortText(prev.geo) ?? "?") → \(Geo.shortText(here.geo) ?? "?"))"
                        reasons.append(r)
                    }
                }
            }
            last = here
        }
    }
}
