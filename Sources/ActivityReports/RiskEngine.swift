import ActivityModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The verdict of the risk checks on one event: the flags that fired and one reason per check.
public struct RiskAssessment: Hashable, Sendable {
    /// The checks that fired (never ``ActivityModel/RiskFlags/assessed``).
    public var flags: RiskFlags = []
    /// One human-readable reason per check that fired, in the order of ``ActivityModel/RiskFlags/names``
    /// (a failure burst may give two: one for the user, one for the address).
    public var reasons: [String] = []

    public init(flags: RiskFlags = [], reasons: [String] = []) { self.flags = flags; self.reasons = reasons }

    /// The reasons joined with `; ` (what the daemon stores in `attrs.risk_why`).
    public var why: String { reasons.joined(separator: "; ") }
}

/// The one implementation of the risk checks: `activityctl report suspicious` folds a store's events through
/// it, and the daemon folds every event through it as it is stored, so both give the same flags for the same
/// history. A pure state machine: feed events in order with ``observe(_:)``; ``assess(_:)`` answers "what
/// would this login be flagged" without changing anything (the check API).
///
/// The checks, for a successful login (``ActivityModel/LoginEventKind/success``):
/// - **new_country**: its `geo.country` is not among the countries of the user's earlier successful logins;
///   the user's first located login is never flagged (nothing to compare with).
/// - **impossible_travel**: against the user's previous successful login with coordinates, the great-circle
///   distance minus both accuracy radii, divided by the time between, exceeds `maxSpeedKmh`; two logins at
///   the same instant with distance left are flagged too.
/// - **anonymizer**: `net` says VPN, proxy, Tor or hosting.
/// - **failed_burst**: it is the first success after a failure burst (``FailureBurstOptions``) of the same
///   user or the same address.
/// - **new_device**: its `device` is not among the devices of the user's earlier successful logins; the
///   user's first login with a device is never flagged, and terminals (``isDevice(_:)``) are not devices.
///
/// Failures (and MFA successes, which close bursts) update the burst state; nothing else changes state.
/// History is kept per user, within the event's `account` when it names one.
///
/// State and its bounds: per user the countries seen (at most ``SuspiciousOptions/maxCountriesPerUser``,
/// the oldest forgotten first), the last located login (time, coordinates, radius, place text), the
/// devices seen as 64-bit FNV-1a hashes (at most ``SuspiciousOptions/maxDevicesPerUser``, most recent kept)
/// and a failure track; per address only a failure track. A failure track keeps the last
/// `max(threshold, 2)` failure times — enough to decide every burst — and the open burst's count and times.
/// When there are more than ``SuspiciousOptions/maxUsers`` users (or ``SuspiciousOptions/maxAddresses``
/// addresses), the least recently seen eighth is forgotten: a forgotten user's next login is judged like a
/// first one. Eviction depends only on the events, so it is the same for every run over the same history.
public struct RiskEngine: Sendable {
    /// The settings in use.
    public let options: SuspiciousOptions

    struct Located: Hashable, Sendable {
        var time: Timestamp
        var lat: Double
        var lon: Double
        var radius: Double
        var place: String?
    }

    /// A failed-attempt window for one key, as `FailureBurstDetector` keeps it, cut to what decides a burst.
    struct FailureTrack: Hashable, Sendable {
        /// The last failures' times, oldest first (their ordinals end at ``ordinal``).
        var times: [Timestamp] = []
        var ordinal = 0
        var lastBurstOrdinal = -1
        /// The last burst, while no success has closed it.
        var open: OpenBurst?
    }

    struct OpenBurst: Hashable, Sendable {
        var count: Int
        var first: Timestamp
        var last: Timestamp
    }

    struct UserState: Hashable, Sendable {
        var countries: [String] = []
        var last: Located?
        var devices: [UInt64] = []
        var failures: FailureTrack?
        var touched: UInt64 = 0
    }

    struct AddressState: Hashable, Sendable {
        var failures = FailureTrack()
        var touched: UInt64 = 0
    }

    var users: [String: UserState] = [:]
    var addresses: [IPAddress: AddressState] = [:]
    /// Events that changed state: the clock eviction orders by.
    var clock: UInt64 = 0

    /// An engine with no history.
    public init(options: SuspiciousOptions = SuspiciousOptions()) { self.options = options }

    /// Gives this engine tables of its own: what it shares with a copy of it (copy-on-write) is copied now, so
    /// its next change costs no copy. The daemon calls it on a copy it is about to publish, outside the lock
    /// checks take, so that a checkpoint does not stall them (``observe(_:)`` would otherwise copy the tables,
    /// 0.6 s at a million users, on the first change after the checkpoint's copy was taken).
    public mutating func makeUnique() {
        // reserveCapacity on a dictionary whose storage is shared copies it (a no-op when it is not shared).
        users.reserveCapacity(users.count)
        addresses.reserveCapacity(addresses.count)
    }

    /// Users and addresses with state now.
    public var trackedUsers: Int { users.count }
    public var trackedAddresses: Int { addresses.count }

    /// Feeds the next event (store order) and returns its flags: non-empty only for a successful login.
    public mutating func observe(_ e: ActivityEvent) -> RiskAssessment {
        let kind = LoginEventKind(e)
        guard kind.isFailure || kind.isSuccess else { return RiskAssessment() }
        let key = Self.key(e)
        let verdict =
            kind == .success ? Self.assess(e, in: context(for: e, key: key), options: options) : RiskAssessment()
        apply(e, kind: kind, key: key)
        return verdict
    }

    /// The flags `e` would get as a successful login now, without remembering it.
    public func assess(_ e: ActivityEvent) -> RiskAssessment {
        Self.assess(e, in: context(for: e), options: options)
    }

    /// What ``assess(_:)`` reads of the state for one event: the entries of its user and of its address (copies
    /// that share their arrays with the engine). A caller that shares the engine between threads takes them under
    /// its lock and assesses outside it (``assess(_:in:options:)``), so the lock is held for two look-ups.
    public struct Context: Sendable {
        var user: UserState?
        var address: AddressState?
    }

    /// The state ``assess(_:)`` reads for `e`.
    public func context(for e: ActivityEvent) -> Context { context(for: e, key: Self.key(e)) }

    func context(for e: ActivityEvent, key: String) -> Context {
        Context(user: users[key], address: options.bursts?.byIP == true ? e.ip.flatMap { addresses[$0] } : nil)
    }

    /// The flags `e` would get as a successful login, given the state ``context(for:)`` took.
    public static func assess(_ e: ActivityEvent, in context: Context, options: SuspiciousOptions) -> RiskAssessment {
        var a = RiskAssessment()
        let user = e.user ?? ""
        let state = context.user
        var deviceReason: String?

        if let s = state {
            if options.newCountry, let cc = e.geo?.country, !cc.isEmpty, !s.countries.isEmpty, !s.countries.contains(cc)
            {
                a.flags.insert(.newCountry)
                var r = ReasonText()
                r.add("new country "); r.add(cc); r.add(" (seen before: "); r.add(s.countries); r.add(")")
                a.reasons.append(r.text)
            }
            if options.impossibleTravel, let prev = s.last, let here = Self.located(e, withPlace: false) {
                let raw = greatCircleKm(lat1: prev.lat, lon1: prev.lon, lat2: here.lat, lon2: here.lon)
                let distance = raw - prev.radius - here.radius
                let elapsed = TimeSpan.between(prev.time, e.time)
                if distance > 0 {
                    let hours = max(0, elapsed.seconds) / 3600
                    let speed: Double = hours > 0 ? distance / hours : .infinity
                    if speed > options.maxSpeedKmh {
                        a.flags.insert(.impossibleTravel)
                        var r = ReasonText()
                        r.add("travel "); r.add(formatKm(distance)); r.add(" km in "); r.add(elapsed.description)
                        r.add(" = ")
                        if speed.isFinite { r.add(formatKm(speed)); r.add(" km/h") } else { r.add("∞ km/h") }
                        r.add(" > "); r.add(formatKm(options.maxSpeedKmh)); r.add(" km/h (")
                        r.add(prev.place ?? "?"); r.add(" → "); r.add(e.geo.flatMap(Geo.shortText) ?? "?"); r.add(")")
                        a.reasons.append(r.text)
                    }
                }
            }
            if options.newDevice, let d = e.device, Self.isDevice(d), !s.devices.isEmpty,
                !s.devices.contains(Self.fnv1a(d))
            {
                var r = ReasonText()
                r.add("new device "); r.add(d); r.add(" ("); r.add(s.devices.count); r.add(" known)")
                deviceReason = r.text
            }
        }

        if options.anonymizer, let net = e.net, net.vpn || net.proxy || net.tor || net.hosting {
            a.flags.insert(.anonymizer)
            var r = ReasonText()
            r.add("via ")
            var first = true
            func name(_ on: Bool, _ name: StaticString) {
                guard on else { return }
                if !first { r.add(", ") }
                r.add(name)
                first = false
            }
            name(net.vpn, "VPN")
            name(net.proxy, "proxy")
            name(net.tor, "Tor")
            name(net.hosting, "hosting")
            if !net.lists.isEmpty { r.add(" (lists: "); r.add(net.lists); r.add(")") }
            a.reasons.append(r.text)
        }

        if let bursts = options.bursts {
            if bursts.byUser, !user.isEmpty, let t = state?.failures,
                let b = Self.closes(t, at: e.time, options: bursts)
            {
                a.flags.insert(.failedBurst)
                var r = ReasonText()
                r.add("success after "); r.add(b.count); r.add(" failures in ")
                r.add(TimeSpan.between(b.first, b.last).description); r.add(" (user "); r.add(user); r.add(")")
                a.reasons.append(r.text)
            }
            if bursts.byIP, let ip = e.ip, let t = context.address?.failures,
                let b = Self.closes(t, at: e.time, options: bursts)
            {
                a.flags.insert(.failedBurst)
                var r = ReasonText()
                r.add("success after "); r.add(b.count); r.add(" failures in ")
                r.add(TimeSpan.between(b.first, b.last).description); r.add(" (ip "); r.add(ip.description); r.add(")")
                a.reasons.append(r.text)
            }
        }
        if let deviceReason {
            a.flags.insert(.newDevice)
            a.reasons.append(deviceReason)
        }
        return a
    }

    /// A reason's text built as UTF-8 bytes and made a `String` once: string interpolation appended each piece
    /// to a `String` (~420 instructions a piece, 164,000 pieces per 100,000 events of the bench kit's mix: a
    /// quarter of the risk engine's instructions).
    struct ReasonText {
        private var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(128) }

        mutating func add(_ s: StaticString) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }
        mutating func add(_ s: String) { bytes.append(contentsOf: s.utf8) }
        mutating func add(_ n: Int) { add(String(n)) }
        /// The strings separated by `, `.
        mutating func add(_ list: [String]) {
            for (i, s) in list.enumerated() {
                if i > 0 { add(", ") }
                add(s)
            }
        }

        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Whose history an event belongs to: its user, within its account when it names one (two tenants' users
    /// of the same name are different people, and a check for one account must not read another's history).
    static func key(_ e: ActivityEvent) -> String {
        let user = e.user ?? ""
        guard let account = e.account, !account.isEmpty else { return user }
        return account + "\u{1F}" + user
    }

    /// The open burst a success at `time` would close, if any.
    static func closes(_ t: FailureTrack, at time: Timestamp, options: FailureBurstOptions) -> OpenBurst? {
        guard let b = t.open, time >= b.last else { return nil }
        if let limit = options.successWithin, TimeSpan.between(b.last, time) > limit { return nil }
        return b
    }

    /// The event's place, when it has coordinates; `withPlace: false` leaves out its text (an assessment needs
    /// it only for a reason, and making it is most of this function's cost).
    static func located(_ e: ActivityEvent, withPlace: Bool = true) -> Located? {
        guard let g = e.geo, let lat = g.lat, let lon = g.lon, lat.isFinite, lon.isFinite, abs(lat) <= 90,
            abs(lon) <= 180
        else { return nil }
        return Located(
            time: e.time, lat: lat, lon: lon, radius: Double(max(0, g.radiusKm ?? 0)),
            place: withPlace ? Geo.shortText(g) : nil)
    }

    /// Whether `device` names a device (a user agent, a device type) rather than a terminal: `pts/3`,
    /// `tty1`, `console`, `ssh`/`sshd`, and X displays (`:0`) change with every session of the same machine,
    /// so they never make a login "from a new device".
    static func isDevice(_ device: String) -> Bool {
        // ASCII (nearly every device): each byte is a character, so byte prefixes are the `String` answers.
        if let ascii = device.utf8.withContiguousStorageIfAvailable({ b -> Bool? in
            guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
            func starts(_ p: StaticString) -> Bool {
                b.count >= p.utf8CodeUnitCount && memcmp(b.baseAddress!, p.utf8Start, p.utf8CodeUnitCount) == 0
            }
            if b.isEmpty || (b.count == 7 && starts("console")) || starts(":") { return false }
            return !(starts("pts/") || starts("tty") || starts("ssh"))
        }), let answer = ascii {
            return answer
        }
        if device.isEmpty || device == "console" || device.hasPrefix(":") { return false }
        if device.hasPrefix("pts/") || device.hasPrefix("tty") || device.hasPrefix("ssh") { return false }
        return true
    }

    /// 64-bit FNV-1a of the UTF-8 bytes: a hash that is the same in every process (Swift's `Hasher` is
    /// seeded per process, and the state must give the same answers after a restart).
    static func fnv1a(_ s: String) -> UInt64 {
        func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return h
        }
        return s.utf8.withContiguousStorageIfAvailable { hash($0) } ?? hash(s.utf8)
    }

    mutating func apply(_ e: ActivityEvent, kind: LoginEventKind) { apply(e, kind: kind, key: Self.key(e)) }

    /// Changes the state for one login attempt. Entries are changed in place in their tables (one hash of the
    /// key, and no copy of their arrays: nothing else holds them while ``observe(_:)`` runs).
    mutating func apply(_ e: ActivityEvent, kind: LoginEventKind, key user: String) {
        clock &+= 1
        let now = clock
        let bursts = options.bursts
        if kind.isFailure {
            if let bursts {
                if bursts.byUser, !(e.user ?? "").isEmpty {
                    Self.failure(at: e.time, user: &users[user, default: UserState()], clock: now, options: bursts)
                }
                if bursts.byIP, let ip = e.ip {
                    Self.failure(
                        at: e.time, address: &addresses[ip, default: AddressState()], clock: now, options: bursts)
                }
            }
        } else {
            // A success (login or MFA): closes bursts; a completed login also teaches place and device.
            if let bursts, bursts.byIP, let ip = e.ip, let i = addresses.index(forKey: ip) {
                Self.success(at: e.time, track: &addresses.values[i].failures, options: bursts)
                addresses.values[i].touched = now
            }
            let isLogin = kind == .success
            let i = users.index(forKey: user)
            if let i {
                if isLogin || users.values[i].failures != nil {
                    Self.learn(e, isLogin: isLogin, into: &users.values[i], clock: now, options: options)
                }
            } else if isLogin {
                var s = UserState()
                Self.learn(e, isLogin: true, into: &s, clock: now, options: options)
                users[user] = s
            }
        }
        if users.count > options.maxUsers { Self.evict(&users, keep: options.maxUsers) }
        if addresses.count > options.maxAddresses { Self.evict(&addresses, keep: options.maxAddresses) }
    }

    /// A success's change to its user's entry: closes the user's burst; a login also adds its country, place
    /// and device.
    private static func learn(
        _ e: ActivityEvent, isLogin: Bool, into s: inout UserState, clock: UInt64, options: SuspiciousOptions
    ) {
        if let bursts = options.bursts, bursts.byUser, !(e.user ?? "").isEmpty, s.failures != nil {
            success(at: e.time, track: &s.failures!, options: bursts)
        }
        if isLogin {
            if let cc = e.geo?.country, !cc.isEmpty, !s.countries.contains(cc) {
                s.countries.append(cc)
                if s.countries.count > options.maxCountriesPerUser { s.countries.removeFirst() }
            }
            if let here = located(e) { s.last = here }
            if let d = e.device, isDevice(d) {
                let h = fnv1a(d)
                if let i = s.devices.firstIndex(of: h) { s.devices.remove(at: i) }
                s.devices.append(h)
                if s.devices.count > options.maxDevicesPerUser { s.devices.removeFirst() }
            }
        }
        s.touched = clock
    }

    static func failure(at time: Timestamp, user s: inout UserState, clock: UInt64, options: FailureBurstOptions) {
        if s.failures == nil { s.failures = FailureTrack() }
        failure(at: time, track: &s.failures!, options: options)
        s.touched = clock
    }

    static func failure(at time: Timestamp, address s: inout AddressState, clock: UInt64, options: FailureBurstOptions)
    {
        failure(at: time, track: &s.failures, options: options)
        s.touched = clock
    }

    static func failure(at time: Timestamp, track t: inout FailureTrack, options: FailureBurstOptions) {
        let threshold = max(1, options.threshold)
        let keep = max(threshold, 2)
        t.ordinal += 1
        let cutoff = time.advanced(by: TimeSpan(nanoseconds: -options.window.nanoseconds))
        var drop = 0
        while drop < t.times.count, t.times[drop] < cutoff { drop += 1 }
        if drop > 0 { t.times.removeFirst(drop) }
        t.times.append(time)
        if t.times.count > keep { t.times.removeFirst(t.times.count - keep) }
        guard t.times.count >= threshold else { return }
        let firstOrdinal = t.ordinal - (t.times.count - 1)
        if var b = t.open, firstOrdinal <= t.lastBurstOrdinal {
            // Overlaps the open burst: it gains every failure after its last one.
            b.count += min(t.times.count, t.ordinal - t.lastBurstOrdinal)
            b.last = time
            t.open = b
        } else {
            t.open = OpenBurst(count: t.times.count, first: t.times[0], last: time)
        }
        t.lastBurstOrdinal = t.ordinal
    }

    static func success(at time: Timestamp, track t: inout FailureTrack, options: FailureBurstOptions) {
        // A success resets the window: earlier failures no longer build towards a burst.
        t.times.removeAll()
        if closes(t, at: time, options: options) != nil { t.open = nil }
    }

    protocol Touched { var touched: UInt64 { get } }

    /// Forgets the least recently touched entries down to seven eighths of `keep` (ties by key order never
    /// arise: every change has its own clock value).
    static func evict<K: Hashable, V: Touched>(_ table: inout [K: V], keep: Int) {
        let target = keep - keep / 8
        let cut = table.values.map(\.touched).sorted()[table.count - target]
        table = table.filter { $0.value.touched >= cut }
    }
}

extension RiskEngine.UserState: RiskEngine.Touched {}
extension RiskEngine.AddressState: RiskEngine.Touched {}
