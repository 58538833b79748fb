import ActivityModel
import Foundation

/// Settings for ``suspiciousLogins(events:options:)`` and the ``RiskEngine`` (the daemon's `[risk]` table).
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
    /// Flag a login from a device the user has not logged in from before.
    public var newDevice: Bool
    /// Read the flags the daemon stored at ingest (``ActivityModel/RiskFlags/assessed``) instead of
    /// recomputing them; events stored without them are always recomputed.
    public var useStoredFlags: Bool
    /// Bounds of the ``RiskEngine``'s state (see there).
    public var maxCountriesPerUser = 32
    public var maxDevicesPerUser = 16
    public var maxUsers = 2_000_000
    public var maxAddresses = 1_000_000

    /// Everything on, 1000 km/h, default burst settings, stored flags read.
    public init(
        maxSpeedKmh: Double = 1000, newCountry: Bool = true, impossibleTravel: Bool = true,
        anonymizer: Bool = true, bursts: FailureBurstOptions? = FailureBurstOptions(), newDevice: Bool = true,
        useStoredFlags: Bool = true
    ) {
        self.maxSpeedKmh = maxSpeedKmh; self.newCountry = newCountry; self.impossibleTravel = impossibleTravel
        self.anonymizer = anonymizer; self.bursts = bursts; self.newDevice = newDevice
        self.useStoredFlags = useStoredFlags
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
    public var kindNames: String { kinds.nameList }
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

/// Finds suspicious successful logins in `events`, in the order the daemon stored them (store order; the
/// checks compare each login with the same user's earlier ones). One pass through a ``RiskEngine``, whose
/// documentation defines the checks; linear in the number of events, memory bounded as the engine's.
///
/// Events that are not successful logins are only used for the burst detection; they are never rows.
/// A login the daemon assessed at ingest (``ActivityModel/RiskFlags/assessed``) is reported with its stored
/// flags and `attrs.risk_why` when ``SuspiciousOptions/useStoredFlags`` is set (other options then do not
/// change it); anything else is recomputed, so stores written before risk at ingest read as they always did.
public func suspiciousLogins(
    events: some Sequence<ActivityEvent>, options: SuspiciousOptions = SuspiciousOptions()
) -> [SuspiciousLogin] {
    var engine = RiskEngine(options: options)
    var rows: [SuspiciousLogin] = []
    for e in events {
        let verdict = engine.observe(e)
        if options.useStoredFlags, e.risk.contains(.assessed) {
            guard LoginEventKind(e) == .success, !e.risk.flagsOnly.isEmpty else { continue }
            rows.append(SuspiciousLogin(stored: e))
            continue
        }
        if !verdict.flags.isEmpty {
            rows.append(SuspiciousLogin(event: e, kinds: verdict.flags, reasons: verdict.reasons))
        }
    }
    return rows
}

extension SuspiciousLogin {
    /// The row of a login the daemon assessed and flagged at ingest: its stored flags and `attrs.risk_why`.
    public init(stored e: ActivityEvent) {
        let why = e.attrs["risk_why"] ?? ""
        self.init(event: e, kinds: e.risk.flagsOnly, reasons: why.isEmpty ? [] : why.components(separatedBy: "; "))
    }
}

/// The rows of ``suspiciousLogins(events:options:)`` with stored flags read (``SuspiciousOptions/useStoredFlags``)
/// when every successful login among `attempts` (all the login attempts of the range, in time order) was assessed
/// at ingest: then no recomputed verdict can become a row, and the rows are the flagged successes alone, whose
/// events `fetch` reads (by seq, with their attributes). Nil when some success was not assessed: the events must
/// then be folded through the ``RiskEngine`` (``suspiciousLogins(events:options:)``).
public func storedSuspiciousLogins(
    attempts: some Sequence<LoginAttempt>, fetch: ([UInt64]) throws -> [UInt64: ActivityEvent]
) rethrows -> [SuspiciousLogin]? {
    var flagged: [UInt64] = []
    for a in attempts where a.kind == .success {
        guard a.risk.contains(.assessed) else { return nil }
        if !a.risk.flagsOnly.isEmpty { flagged.append(a.seq) }
    }
    let events = try fetch(flagged)
    // An event that cannot be read (damage, retention since) is left out, as a read of the events would.
    return flagged.compactMap { seq in
        events[seq].flatMap { e in LoginEventKind(e) == .success ? SuspiciousLogin(stored: e) : nil }
    }
}

/// A whole number of kilometres with `,` thousands separators (`9,100`), independent of the locale.
func formatKm(_ value: Double) -> String {
    guard value.isFinite else { return "∞" }
    let n = Int64(min(max(value.rounded(), -9e15), 9e15))
    // Digits right to left, a comma after every third, then reversed (at most 16 digits, 5 commas, a sign).
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { out in
        var m = n.magnitude
        var k = 0
        repeat {
            if k % 4 == 3 { out[k] = UInt8(ascii: ","); k += 1 }
            out[k] = UInt8(ascii: "0") + UInt8(m % 10)
            k += 1
            m /= 10
        } while m > 0
        if n < 0 { out[k] = UInt8(ascii: "-"); k += 1 }
        var text = UnsafeMutableBufferPointer(rebasing: out[0..<k])
        text.reverse()
        return String(decoding: text, as: UTF8.self)
    }
}
