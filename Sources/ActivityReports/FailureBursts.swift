import ActivityModel

/// What a failure burst is counted by: one account, or one remote address (password spraying across accounts).
public enum BurstKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Failures of one account, from anywhere.
    case user(String)
    /// Failures from one remote address, for any account.
    case ip(IPAddress)

    /// `user alice`, `ip 203.0.113.9`.
    public var description: String {
        switch self {
        case .user(let u): return "user \(u)"
        case .ip(let ip): return "ip \(ip)"
        }
    }

    /// Users before addresses, then by name or address.
    public static func < (a: BurstKey, b: BurstKey) -> Bool {
        switch (a, b) {
        case let (.user(x), .user(y)): return x < y
        case let (.ip(x), .ip(y)): return x < y
        case (.user, .ip): return true
        case (.ip, .user): return false
        }
    }
}

/// Settings for failure-burst detection: `threshold` failures within `window` make a burst.
public struct FailureBurstOptions: Hashable, Sendable {
    /// Failures needed inside one window (at least 1; smaller values are treated as 1).
    public var threshold: Int
    /// The sliding window length.
    public var window: TimeSpan
    /// How soon after a burst's last failure a success must come to count as "followed by a success";
    /// nil means any later success before the next burst of the same key.
    public var successWithin: TimeSpan?
    /// Count bursts per user.
    public var byUser: Bool
    /// Count bursts per remote address.
    public var byIP: Bool

    /// Defaults: 5 failures in 10 minutes, a success at any time after, per user and per address.
    public init(
        threshold: Int = 5, window: TimeSpan = .minutes(10), successWithin: TimeSpan? = nil,
        byUser: Bool = true, byIP: Bool = true
    ) {
        self.threshold = threshold; self.window = window; self.successWithin = successWithin
        self.byUser = byUser; self.byIP = byIP
    }
}

/// A run of failed attempts (`login_failed`, `mfa_failure`, failed `login`) for one key: the union of all
/// windows of length `window` holding at least `threshold` failures that overlap one another.
public struct FailureBurst: Hashable, Sendable {
    /// The user or address the failures share.
    public var key: BurstKey
    /// Time of the first failure in the burst.
    public var first: Timestamp
    /// Time of the last failure in the burst.
    public var last: Timestamp
    /// Failures in the burst.
    public var count: Int
    /// `seq` of the first and last failure.
    public var firstSeq: UInt64
    /// `seq` of the last failure.
    public var lastSeq: UInt64
    /// Distinct accounts tried (in first-seen order, at most ``maxListedUsers``); for a user key, that user.
    public var users: [String]
    /// Number of distinct accounts tried (may exceed `users.count`).
    public var distinctUsers: Int
    /// Time of the success that followed, if one did.
    public var successTime: Timestamp?
    /// `seq` of the success that followed.
    public var successSeq: UInt64?

    /// How many account names a burst lists.
    public static let maxListedUsers = 10

    /// True when a successful login (or MFA success) for the same key followed the burst.
    public var isFollowedBySuccess: Bool { successTime != nil }
    /// `last - first`.
    public var duration: TimeSpan { TimeSpan.between(first, last) }
}

/// Sliding-window failure-burst detection as a state machine: feed events in time order with ``observe(_:)``,
/// then take every burst with ``finish()``. Memory per key is the failures inside one window.
public struct FailureBurstDetector: Sendable {
    /// The settings in use.
    public let options: FailureBurstOptions

    private struct Failure { var time: Timestamp; var ordinal: Int; var seq: UInt64; var user: String? }
    private struct KeyState {
        var recent: [Failure] = []
        var head = 0
        var ordinal = 0
        var lastBurst: Int?
        var lastBurstOrdinal = -1
        var users: Set<String> = []
        /// Whether `recent` holds anything: kept here so that a success, most attempts, does not touch the
        /// array's storage (a cache miss per key) to learn there is nothing to reset.
        var hasRecent = false

        var window: ArraySlice<Failure> { recent[head...] }

        mutating func trim(before cutoff: Timestamp) {
            while head < recent.count, recent[head].time < cutoff { head += 1 }
            if head > 64, head * 2 > recent.count { recent.removeFirst(head); head = 0 }
        }
    }

    /// State slots by key, one dictionary per kind of key (hashing the enum cost more than the lookup).
    private var userIndex: [String: Int] = [:]
    private var ipIndex = AddressSlots()
    /// State slots of users fed as attempts, by user id (−1: none yet).
    private var userSlots: [Int] = []
    private var states: [KeyState] = []
    private var bursts: [FailureBurst] = []

    /// A detector with `options`.
    public init(options: FailureBurstOptions = FailureBurstOptions()) { self.options = options }

    /// Feeds one event (events must come in time order). Returns the bursts this event is the first success
    /// after; empty for everything else.
    public mutating func observe(_ event: ActivityEvent) -> [FailureBurst] {
        observe(event, kind: LoginEventKind(event))
    }

    /// ``observe(_:)`` for an event already classified as `kind` (a caller that needs the kind too).
    public mutating func observe(_ event: ActivityEvent, kind: LoginEventKind) -> [FailureBurst] {
        observe(time: event.time, seq: event.seq, user: event.user, userID: -1, ip: event.ip, kind: kind)
    }

    /// ``observe(_:)`` for a login attempt whose user is `name(attempt.user)`. Feed one detector either
    /// events or attempts, not both (attempts find their users' state by id).
    public mutating func observe(_ attempt: LoginAttempt, name: (Int32) -> String) -> [FailureBurst] {
        let id = attempt.user
        guard attempt.kind.isFailure || attempt.kind.isSuccess else { return [] }
        return observe(
            time: attempt.time, seq: attempt.seq, user: id >= 0 ? name(id) : nil, userID: id, ip: attempt.ip,
            kind: attempt.kind)
    }

    private mutating func observe(
        time: Timestamp, seq: UInt64, user: String?, userID: Int32, ip: IPAddress?, kind: LoginEventKind
    ) -> [FailureBurst] {
        guard kind.isFailure || kind.isSuccess else { return [] }
        // At most two keys; no per-event arrays (this runs for millions of events).
        var followed: [FailureBurst] = []
        let f = Failure(time: time, ordinal: 0, seq: seq, user: user)
        if options.byUser, let u = user, !u.isEmpty {
            observe(f, kind: kind, key: .user(u), userID: userID, followed: &followed)
        }
        if options.byIP, let ip { observe(f, kind: kind, key: .ip(ip), userID: -1, followed: &followed) }
        return followed
    }

    private mutating func observe(
        _ event: Failure, kind: LoginEventKind, key: BurstKey, userID: Int32, followed: inout [FailureBurst]
    ) {
        var found: Int?
        switch key {
        case .user(let u):
            if userID >= 0 {
                if Int(userID) < userSlots.count, userSlots[Int(userID)] >= 0 { found = userSlots[Int(userID)] }
            } else {
                found = userIndex[u]
            }
        case .ip(let ip): found = ipIndex.slot(of: ip)
        }
        let i: Int
        if let found {
            i = found
        } else if !kind.isFailure {
            return  // a success for a key with no failures has nothing to close
        } else {
            i = states.count
            switch key {
            case .user(let u):
                if userID >= 0 {
                    let k = Int(userID)
                    if k >= userSlots.count {
                        userSlots.append(contentsOf: repeatElement(-1, count: k + 1 - userSlots.count))
                    }
                    userSlots[k] = i
                } else {
                    userIndex[u] = i
                }
            case .ip(let ip): ipIndex.insert(ip, slot: i)
            }
            states.append(KeyState())
        }
        if kind.isFailure {
            Self.failure(event, key: key, options: options, state: &states[i], bursts: &bursts)
        } else if let idx = Self.success(event, options: options, state: &states[i], bursts: &bursts) {
            followed.append(bursts[idx])
        }
    }

    private static func failure(
        _ e: Failure, key: BurstKey, options: FailureBurstOptions, state st: inout KeyState,
        bursts: inout [FailureBurst]
    ) {
        st.ordinal += 1
        st.trim(before: e.time.advanced(by: TimeSpan(nanoseconds: -options.window.nanoseconds)))
        st.recent.append(Failure(time: e.time, ordinal: st.ordinal, seq: e.seq, user: e.user))
        st.hasRecent = true
        let w = st.window
        guard w.count >= max(1, options.threshold), let firstInWindow = w.first else { return }
        if let idx = st.lastBurst, firstInWindow.ordinal <= st.lastBurstOrdinal {
            // Overlaps the open burst: add every failure after its last one.
            for f in w where f.ordinal > st.lastBurstOrdinal { add(f, to: &bursts[idx], state: &st) }
        } else {
            st.users = []
            bursts.append(
                FailureBurst(
                    key: key, first: firstInWindow.time, last: firstInWindow.time, count: 0,
                    firstSeq: firstInWindow.seq, lastSeq: firstInWindow.seq, users: [], distinctUsers: 0))
            let idx = bursts.count - 1
            st.lastBurst = idx
            for f in w { add(f, to: &bursts[idx], state: &st) }
        }
        st.lastBurstOrdinal = st.ordinal
    }

    private static func add(_ f: Failure, to burst: inout FailureBurst, state st: inout KeyState) {
        burst.count += 1
        burst.last = f.time
        burst.lastSeq = f.seq
        if let u = f.user, !u.isEmpty, st.users.insert(u).inserted {
            burst.distinctUsers += 1
            if burst.users.count < FailureBurst.maxListedUsers { burst.users.append(u) }
        }
    }

    private static func success(
        _ e: Failure, options: FailureBurstOptions, state st: inout KeyState, bursts: inout [FailureBurst]
    ) -> Int? {
        // A success resets the window: earlier failures no longer build towards a burst.
        if st.hasRecent {
            st.recent.removeAll(keepingCapacity: true)
            st.head = 0
            st.hasRecent = false
        }
        guard let idx = st.lastBurst, bursts[idx].successTime == nil, e.time >= bursts[idx].last else { return nil }
        if let limit = options.successWithin, TimeSpan.between(bursts[idx].last, e.time) > limit { return nil }
        bursts[idx].successTime = e.time
        bursts[idx].successSeq = e.seq
        return idx
    }

    /// Every burst found so far, ordered by first failure, then key.
    public func finish() -> [FailureBurst] {
        bursts.sorted { a, b in
            if a.first != b.first { return a.first < b.first }
            if a.key != b.key { return a.key < b.key }
            return a.firstSeq < b.firstSeq
        }
    }
}

/// All failure bursts in `events` (time order), per user and per address as `options` say.
public func failureBursts(
    events: some Sequence<ActivityEvent>, options: FailureBurstOptions = FailureBurstOptions()
) -> [FailureBurst] {
    var d = FailureBurstDetector(options: options)
    for e in events { _ = d.observe(e) }
    return d.finish()
}

/// ``failureBursts(events:options:)`` over login attempts in time order: the same bursts, without the events.
public func failureBursts(
    attempts: some LoginAttemptSequence, options: FailureBurstOptions = FailureBurstOptions()
) -> [FailureBurst] {
    var d = FailureBurstDetector(options: options)
    for a in attempts { _ = d.observe(a, name: attempts.userName) }
    return d.finish()
}

/// Addresses → state slots: an open-addressing table with a seeded multiply-mix of the address bits (the
/// dictionary's `Hasher` was a quarter of `report failures` over millions of attempts).
struct AddressSlots {
    private var keys: [IPAddress] = []
    private var values: [Int] = []
    private var slots = [Int32](repeating: -1, count: 1024)
    private let seed: (UInt64, UInt64) = {
        var g = SystemRandomNumberGenerator()
        return (g.next(), g.next())
    }()

    @inline(__always) private func hash(_ ip: IPAddress) -> Int { ip.mixedHash(seed: seed) }

    /// The slot stored for `ip`, if any.
    @inline(__always) func slot(of ip: IPAddress) -> Int? {
        let mask = slots.count - 1
        var i = hash(ip) & mask
        while true {
            let k = slots[i]
            if k < 0 { return nil }
            if keys[Int(k)] == ip { return values[Int(k)] }
            i = (i + 1) & mask
        }
    }

    /// Stores `slot` for `ip`, which has none yet.
    mutating func insert(_ ip: IPAddress, slot: Int) {
        keys.append(ip)
        values.append(slot)
        if keys.count * 2 > slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            for id in keys.indices { place(Int32(id)) }
        } else {
            place(Int32(keys.count - 1))
        }
    }

    private mutating func place(_ id: Int32) {
        let mask = slots.count - 1
        var i = hash(keys[Int(id)]) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = id
    }
}
