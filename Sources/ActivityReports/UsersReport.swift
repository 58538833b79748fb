import ActivityModel

/// One row of `activityctl users`: a user's last login and logout, status now, how and from where they came in.
public struct UserSummary: Hashable, Sendable {
    /// The account (the events' `user`).
    public var user: String
    /// Time of the last successful login.
    public var lastLogin: Timestamp?
    /// Time of the last logout or session timeout.
    public var lastLogout: Timestamp?
    /// Status at the report's `now`.
    public var status: UserStatus
    /// When the status began (the event that set it; for a derived timeout, the last login plus the timeout).
    public var statusSince: Timestamp?
    /// Entry method of the last successful login (`ssh`, `web`, `mobile`...).
    public var entry: String?
    /// Device of the last successful login.
    public var device: String?
    /// Remote address of the last successful login.
    public var lastIP: IPAddress?
    /// Location of the last successful login.
    public var lastGeo: Geo?
    /// Successful logins seen.
    public var loginCount: Int
    /// Failed attempts (`login_failed`, `mfa_failure`) since the last successful login (or ever, if none).
    public var failuresSinceLastSuccess: Int
    /// Time of the last failed attempt.
    public var lastFailure: Timestamp?
    /// Time of the last event about this user of any kind.
    public var lastSeen: Timestamp

    /// An empty summary for `user`, first seen at `seen`.
    public init(user: String, seen: Timestamp) {
        self.user = user
        self.status = .neverLoggedIn
        self.loginCount = 0
        self.failuresSinceLastSuccess = 0
        self.lastSeen = seen
    }

    /// `City, CC`, `CC` or nil: the location of the last login in short text.
    public var locationText: String? { lastGeo.flatMap(Geo.shortText) }
}

extension Geo {
    /// `City, CC`, the city or the country alone, or nil when neither is known.
    public static func shortText(_ g: Geo) -> String? {
        switch (g.city, g.country) {
        case let (c?, cc?): return "\(c), \(cc)"
        case let (c?, nil): return c
        case let (nil, cc?): return cc
        default: return nil
        }
    }
}

/// Builds one ``UserSummary`` per user found in `events` (the events' `user` field; events without one are
/// skipped), sorted by user name.
///
/// `events` must be in time order (ties in `seq` order), as the segment reader yields them: each event
/// updates the user's state in turn. The status at `now`: ``UserStatus/loggedIn`` becomes
/// ``UserStatus/timedOut`` when `sessionTimeout` is given and the last login is more than that before `now`.
/// A successful login clears a lock or deactivation seen before it. Runs in one pass with one dictionary entry
/// per user.
///
/// Names seen only in failed logins with reason `invalid_user` (sshd's "Invalid user admin": the account does
/// not exist) are left out unless `includeInvalidUsers` is true, so a password spray does not fill the list
/// with accounts nobody has; the failure-burst report still shows them.
public func usersReport(
    events: some Sequence<ActivityEvent>, now: Timestamp, sessionTimeout: TimeSpan? = nil,
    includeInvalidUsers: Bool = false
) -> [UserSummary] {
    var users = UsersAccumulator()
    for e in events { users.add(e) }
    return users.summaries(now: now, sessionTimeout: sessionTimeout, includeInvalidUsers: includeInvalidUsers)
}

/// The state behind ``usersReport(events:now:sessionTimeout:includeInvalidUsers:)``, fed in store order with
/// events, or with the per-user ``AccountDigest``s a segment index holds for the events it covers (the two
/// give the same answer; the digests spare decoding the events).
public struct UsersAccumulator: Sendable {
    var index: [String: Int] = [:]
    var rows: [UserSummary] = []
    var isRealAccount: [Bool] = []
    /// The slots of the last ``add(digests:)`` in its order, and per slot its place there (-1: not in it):
    /// consecutive segments list mostly the same users in the same (byte) order, so the next user is
    /// usually the one after the last user found, which one string comparison confirms without hashing.
    var lastOrder: [Int] = []
    var placeInLastOrder: [Int] = []

    public init() {}

    mutating func slot(_ user: String, seen: Timestamp) -> Int {
        if let found = index[user] { return found }
        let i = rows.count
        index[user] = i
        rows.append(UserSummary(user: user, seen: seen))
        isRealAccount.append(false)
        placeInLastOrder.append(-1)
        return i
    }

    /// Adds the next event (events without a user are skipped).
    public mutating func add(_ e: ActivityEvent) {
        guard let user = e.user, !user.isEmpty else { return }
        var d = AccountDigest(seen: e.time)
        d.apply(e)
        add(user: user, digest: d)
    }

    /// Adds what the next run of events did to `user`.
    public mutating func add(user: String, digest d: AccountDigest) {
        guard !user.isEmpty else { return }
        let i = slot(user, seen: d.lastSeen)
        if d.isRealAccount { isRealAccount[i] = true }
        rows[i].apply(d)
    }

    /// The rows sorted by user name, with the status at `now` (see ``usersReport(events:now:sessionTimeout:includeInvalidUsers:)``).
    /// Folds one index's account digests, exactly as ``add(user:digest:)`` for each in order.
    ///
    /// - Parameter digests: The digests of one segment (``ActivityStore/AccountHistoryPart/digests(_:)``).
    public mutating func add(digests: [(user: String, digest: AccountDigest)]) {
        var order: [Int] = []
        order.reserveCapacity(digests.count)
        // A run of segments comes as one part: most of its users may be new (no regrowing on the way).
        index.reserveCapacity(rows.count + digests.count)
        rows.reserveCapacity(rows.count + digests.count)
        var guess = 0
        for (user, digest) in digests {
            guard !user.isEmpty else { continue }
            let i: Int
            if guess < lastOrder.count, rows[lastOrder[guess]].user == user {
                i = lastOrder[guess]
                guess += 1
            } else {
                i = slot(user, seen: digest.lastSeen)
                if placeInLastOrder[i] >= 0 { guess = placeInLastOrder[i] + 1 }
            }
            if digest.isRealAccount { isRealAccount[i] = true }
            rows[i].apply(digest)
            order.append(i)
        }
        for slot in lastOrder { placeInLastOrder[slot] = -1 }
        lastOrder = order
        for (place, slot) in order.enumerated() { placeInLastOrder[slot] = place }
    }

    public func summaries(now: Timestamp, sessionTimeout: TimeSpan? = nil, includeInvalidUsers: Bool = false)
        -> [UserSummary]
    {
        var out = includeInvalidUsers ? rows : rows.indices.filter { isRealAccount[$0] }.map { rows[$0] }
        if let timeout = sessionTimeout {
            for i in out.indices where out[i].status == .loggedIn {
                if let last = out[i].lastLogin, TimeSpan.between(last, now) > timeout {
                    out[i].status = .timedOut
                    out[i].statusSince = last.advanced(by: timeout)
                }
            }
        }
        out.sort { $0.user < $1.user }
        return out
    }
}

extension UserSummary {
    /// Updates the summary with what a run of the user's events did (their ``AccountDigest``).
    mutating func apply(_ d: AccountDigest) {
        if d.lastSeen > lastSeen { lastSeen = d.lastSeen }
        if d.loginCount > 0 {
            lastLogin = d.lastLogin
            loginCount += d.loginCount
            entry = d.entry ?? entry
            device = d.device
            lastIP = d.ip
            lastGeo = d.geo
        }
        failuresSinceLastSuccess = d.resetsFailures ? d.failures : failuresSinceLastSuccess + d.failures
        lastFailure = d.lastFailure ?? lastFailure
        lastLogout = d.lastLogout ?? lastLogout
        let c = Int(status.code)
        status = d.statusAfter[c]
        if let since = d.statusSince[c] { statusSince = since }  // nil: the status did not change
    }
}

extension Collection where Element == UserSummary {
    /// The accounts with no successful login at or after `since` (including accounts that never logged in),
    /// in the collection's order: the answer to `activityctl users --inactive-since 30d`.
    public func inactive(since: Timestamp) -> [UserSummary] {
        filter { s in
            guard let last = s.lastLogin else { return true }
            return last < since
        }
    }
}
