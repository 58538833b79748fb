import ActivityModel

/// Where a user stands now, as `activityctl users` shows it.
public enum UserStatus: String, Hashable, Sendable, CaseIterable {
    /// The last login succeeded and no logout, timeout, lock or deactivation came after it.
    case loggedIn = "logged_in"
    /// The last session ended with a logout.
    case loggedOut = "logged_out"
    /// A `session_timeout` ended the last session, or the last login is older than the session timeout and
    /// no logout followed.
    case timedOut = "timed_out"
    /// `account_locked` came after the last successful login.
    case locked
    /// The account was deactivated or deleted, or a login failed with reason `account_disabled`, after the last
    /// successful login.
    case disabled
    /// The account appears in events but never logged in successfully.
    case neverLoggedIn = "never_logged_in"
}

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
    static func shortText(_ g: Geo) -> String? {
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
    var index: [String: Int] = [:]
    var summaries: [UserSummary] = []
    var isRealAccount: [Bool] = []
    for e in events {
        guard let user = e.user, !user.isEmpty else { continue }
        let kind = LoginEventKind(e)
        let i: Int
        if let found = index[user] {
            i = found
        } else {
            i = summaries.count
            index[user] = i
            summaries.append(UserSummary(user: user, seen: e.time))
            isRealAccount.append(false)
        }
        if !isRealAccount[i], !(kind == .failure && e.reason == "invalid_user") { isRealAccount[i] = true }
        summaries[i].apply(e, kind: kind)
    }
    var out = includeInvalidUsers ? summaries : summaries.indices.filter { isRealAccount[$0] }.map { summaries[$0] }
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

extension UserSummary {
    /// Updates the summary with the user's next event.
    mutating func apply(_ e: ActivityEvent, kind: LoginEventKind) {
        if e.time > lastSeen { lastSeen = e.time }
        switch kind {
        case .success:
            lastLogin = e.time
            loginCount += 1
            failuresSinceLastSuccess = 0
            status = .loggedIn
            statusSince = e.time
            entry = e.entry ?? entry
            device = e.device
            lastIP = e.ip
            lastGeo = e.geo
        case .mfaSuccess:
            failuresSinceLastSuccess = 0
        case .failure:
            failuresSinceLastSuccess += 1
            lastFailure = e.time
            if LoginEventKind.isDisabledReason(e.reason) {
                setStatus(.disabled, at: e.time)
            } else if e.reason == "account_locked" {
                setStatus(.locked, at: e.time)
            }
        case .logout:
            lastLogout = e.time
            if status == .loggedIn || status == .timedOut { setStatus(.loggedOut, at: e.time) }
        case .timeout:
            lastLogout = e.time
            if status == .loggedIn { setStatus(.timedOut, at: e.time) }
        case .locked:
            setStatus(.locked, at: e.time)
        case .disabled:
            setStatus(.disabled, at: e.time)
        case .other:
            break
        }
    }

    mutating func setStatus(_ status: UserStatus, at time: Timestamp) {
        // Disabled is not undone by a failure, logout or lock, only by a successful login.
        if (self.status == .disabled) && status != .disabled { return }
        if self.status != status { statusSince = time }
        self.status = status
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
