/// How the reports read one event with respect to logins. Every report uses this one reading, so "a login"
/// means the same thing in `users`, `report` and the suspicious-login checks.
public enum LoginEventKind: Hashable, Sendable {
    /// A completed login: action `login` whose outcome is not `failure` and whose reason is not
    /// `mfa_required` (credentials accepted but the second factor still pending).
    case success
    /// `mfa_success`: the second factor passed. Clears failure counts; not counted as another login.
    case mfaSuccess
    /// `login_failed`, `mfa_failure`, or action `login` with outcome `failure`.
    case failure
    /// `logout`.
    case logout
    /// `session_timeout`.
    case timeout
    /// `account_locked`.
    case locked
    /// `user_deactivated`, `user_deleted`, or any event whose reason is `account_disabled`
    /// (also `user_disabled`, `merchant_account_disabled`) that is not a successful login.
    case disabled
    /// Anything else (activity, admin actions, MFA enrolment...).
    case other

    /// Classifies `event`.
    public init(_ event: ActivityEvent) {
        switch KnownAction(event.action.rawValue) {
        case .login:
            if event.outcome == .failure {
                self = .failure
            } else if let r = event.reason, r.utf8.count == 12, r == "mfa_required" {
                self = .other
            } else {
                self = .success
            }
        case .loginFailed, .mfaFailure: self = .failure
        case .mfaSuccess: self = event.outcome == .failure ? .failure : .mfaSuccess
        case .logout: self = .logout
        case .sessionTimeout: self = .timeout
        case .accountLocked: self = .locked
        case .userDeactivated, .userDeleted: self = event.outcome == .failure ? .other : .disabled
        case .other:
            self = LoginEventKind.isDisabledReason(event.reason) && event.outcome != .failure ? .disabled : .other
        }
    }

    /// The actions this reading names. Every report, the index and the risk engine classify each event, so the
    /// action is matched by its length first and then compared with the one or two words of that length
    /// (a `switch` over ten string patterns compared up to ten strings, ~10 % of the index thread's
    /// instructions). The same matches as `==`: the words are lowercase ASCII letters and `_`, which no other
    /// Unicode text is canonically equivalent to.
    private enum KnownAction {
        case login, loginFailed, mfaFailure, mfaSuccess, logout, sessionTimeout, accountLocked
        case userDeactivated, userDeleted, other

        @inline(__always) init(_ a: String) {
            switch a.utf8.count {
            case 5: self = a == "login" ? .login : .other
            case 6: self = a == "logout" ? .logout : .other
            case 11: self = a == "mfa_failure" ? .mfaFailure : a == "mfa_success" ? .mfaSuccess : .other
            case 12: self = a == "login_failed" ? .loginFailed : a == "user_deleted" ? .userDeleted : .other
            case 14: self = a == "account_locked" ? .accountLocked : .other
            case 15: self = a == "session_timeout" ? .sessionTimeout : .other
            case 16: self = a == "user_deactivated" ? .userDeactivated : .other
            default: self = .other
            }
        }
    }

    /// Whether `reason` says the account is disabled: `account_disabled`, `user_disabled` or
    /// `merchant_account_disabled` (matched by length first, as ``KnownAction``).
    public static func isDisabledReason(_ reason: String?) -> Bool {
        guard let r = reason else { return false }
        switch r.utf8.count {
        case 16: return r == "account_disabled"
        case 13: return r == "user_disabled"
        case 25: return r == "merchant_account_disabled"
        default: return false
        }
    }

    /// The actions that can classify as ``success``, ``failure`` or ``mfaSuccess``: what a report about login
    /// attempts (logins per user, failure bursts, suspicious logins) needs to read, and all it needs.
    public static let attemptActions: Set<String> = ["login", "login_failed", "mfa_failure", "mfa_success"]

    /// True for ``failure``: the events failure bursts count.
    public var isFailure: Bool { self == .failure }
    /// True for ``success`` and ``mfaSuccess``: the events that close a failure burst.
    public var isSuccess: Bool { self == .success || self == .mfaSuccess }
}

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

    /// The status after one event of the account, and the time it began: `since` changes only when the status
    /// does (a successful login always restarts it). Deactivation is undone only by a successful login.
    public static func step(
        _ status: inout UserStatus, since: inout Timestamp?, kind: LoginEventKind, event e: ActivityEvent
    ) {
        step(&status, since: &since, kind: kind, failureSets: failureStatus(kind, reason: e.reason), time: e.time)
    }

    /// The status a failed attempt with `reason` sets: `disabled` for a disabled account, `locked` for
    /// `account_locked`, else none (nil also for every other kind).
    @inline(__always) static func failureStatus(_ kind: LoginEventKind, reason: String?) -> UserStatus? {
        guard kind == .failure, let r = reason else { return nil }
        if LoginEventKind.isDisabledReason(r) { return .disabled }
        return r.utf8.count == 14 && r == "account_locked" ? .locked : nil
    }

    /// ``step(_:since:kind:event:)`` with the event's reason already read into `failureSets`
    /// (``failureStatus(_:reason:)``): a digest steps six statuses with one event.
    @inline(__always) static func step(
        _ status: inout UserStatus, since: inout Timestamp?, kind: LoginEventKind, failureSets: UserStatus?,
        time: Timestamp
    ) {
        @inline(__always) func set(_ new: UserStatus) {
            if status == .disabled && new != .disabled { return }
            if status != new { since = time }
            status = new
        }
        switch kind {
        case .success:
            status = .loggedIn
            since = time
        case .failure:
            if let new = failureSets { set(new) }
        case .logout:
            if status == .loggedIn || status == .timedOut { set(.loggedOut) }
        case .timeout:
            if status == .loggedIn { set(.timedOut) }
        case .locked: set(.locked)
        case .disabled: set(.disabled)
        case .mfaSuccess, .other: break
        }
    }

    /// The status's number in segment indexes (`docs/segment-format.md`, the accounts section).
    public var code: UInt8 {
        switch self {
        case .loggedIn: 0
        case .loggedOut: 1
        case .timedOut: 2
        case .locked: 3
        case .disabled: 4
        case .neverLoggedIn: 5
        }
    }

    /// The status with number `code`; nil for an unknown number.
    public init?(code: UInt8) {
        switch code {
        case 0: self = .loggedIn
        case 1: self = .loggedOut
        case 2: self = .timedOut
        case 3: self = .locked
        case 4: self = .disabled
        case 5: self = .neverLoggedIn
        default: return nil
        }
    }
}

/// What a run of login and admin events did to one account, in a form that composes: applying the digest of
/// events A and then the digest of events B to an account's state gives the state that applying every event
/// of A and then of B would. Segment indexes keep one digest per user of the events they cover, so
/// `activityctl users` reads a few kilobytes per segment instead of decoding millions of events.
///
/// The status is kept as a transition table: for each status the account could have had before the run,
/// the status after it and when that began (nil: unchanged, so the time from before stands).
public struct AccountDigest: Hashable, Sendable {
    /// A name not seen only in failures with reason `invalid_user` (an account that exists).
    public var isRealAccount = false
    /// The latest event time.
    public var lastSeen: Timestamp
    /// Successful logins.
    public var loginCount = 0
    /// Time, entry method (last one given), device, address and place of the last successful login.
    public var lastLogin: Timestamp?
    /// Entry method of the last successful login that gave one (a later login without one keeps it).
    public var entry: String?
    /// Device of the last successful login; nil when it gave none.
    public var device: String?
    /// Address of the last successful login; nil when it gave none.
    public var ip: IPAddress?
    /// Location of the last successful login's address; nil when it was not enriched.
    public var geo: Geo?
    /// True when a successful login or MFA success reset the failure count: ``failures`` then replaces the
    /// count from before instead of adding to it.
    public var resetsFailures = false
    /// Failed attempts after the last reset (or all of them, without one).
    public var failures = 0
    /// Time of the last failed attempt.
    public var lastFailure: Timestamp?
    /// Time of the last logout or session timeout.
    public var lastLogout: Timestamp?
    /// Indexed by ``UserStatus/code``: the status after the run, given the status before it.
    public var statusAfter: PerStatus<UserStatus>
    /// Indexed by ``UserStatus/code``: when that status began, or nil when the time from before stands.
    public var statusSince: PerStatus<Timestamp?>

    /// The digest of no events, with `lastSeen` at `seen`.
    public init(seen: Timestamp) {
        lastSeen = seen
        statusAfter = PerStatus(.loggedIn, .loggedOut, .timedOut, .locked, .disabled, .neverLoggedIn)
        statusSince = PerStatus(repeating: nil)
    }

    /// Adds the account's next event (in store order).
    public mutating func apply(_ e: ActivityEvent) { apply(e, kind: LoginEventKind(e)) }

    /// ``apply(_:)`` for a caller that already classified `e` (`kind` is `LoginEventKind(e)`).
    public mutating func apply(_ e: ActivityEvent, kind: LoginEventKind) {
        let time = e.time
        if time > lastSeen { lastSeen = time }
        if !isRealAccount, !(kind == .failure && e.reason == "invalid_user") { isRealAccount = true }
        switch kind {
        case .success:
            lastLogin = time
            loginCount += 1
            resetsFailures = true
            failures = 0
            entry = e.entry ?? entry
            device = e.device
            ip = e.ip
            geo = e.geo
        case .mfaSuccess:
            resetsFailures = true
            failures = 0
        case .failure:
            failures += 1
            lastFailure = time
        case .logout, .timeout:
            lastLogout = time
        case .locked, .disabled, .other:
            break
        }
        if kind != .other && kind != .mfaSuccess {
            let failureSets = UserStatus.failureStatus(kind, reason: e.reason)
            if kind == .failure && failureSets == nil { return }  // a plain failed attempt changes no status
            for i in statusAfter.indices {
                UserStatus.step(
                    &statusAfter[i], since: &statusSince[i], kind: kind, failureSets: failureSets, time: time)
            }
        }
    }
}

/// One value per ``UserStatus``, indexed by its ``UserStatus/code`` (0..<6), stored inline: an
/// ``AccountDigest`` holds two of these, and `activityctl users` makes one digest per user and segment, so
/// two heap arrays per digest were a large part of its time.
public struct PerStatus<Element>: RandomAccessCollection, MutableCollection {
    @usableFromInline var storage: (Element, Element, Element, Element, Element, Element)

    /// Six values in ``UserStatus/code`` order.
    @inlinable public init(_ a: Element, _ b: Element, _ c: Element, _ d: Element, _ e: Element, _ f: Element) {
        storage = (a, b, c, d, e, f)
    }

    /// The same value for every status.
    @inlinable public init(repeating value: Element) { self.init(value, value, value, value, value, value) }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { 6 }

    @inlinable public subscript(position: Int) -> Element {
        get {
            switch position {
            case 0: storage.0
            case 1: storage.1
            case 2: storage.2
            case 3: storage.3
            case 4: storage.4
            case 5: storage.5
            default: preconditionFailure("PerStatus index \(position) out of range")
            }
        }
        set {
            switch position {
            case 0: storage.0 = newValue
            case 1: storage.1 = newValue
            case 2: storage.2 = newValue
            case 3: storage.3 = newValue
            case 4: storage.4 = newValue
            case 5: storage.5 = newValue
            default: preconditionFailure("PerStatus index \(position) out of range")
            }
        }
    }
}

extension PerStatus: Equatable where Element: Equatable {
    @inlinable public static func == (a: PerStatus, b: PerStatus) -> Bool { a.elementsEqual(b) }
}

extension PerStatus: Hashable where Element: Hashable {
    @inlinable public func hash(into hasher: inout Hasher) { for v in self { hasher.combine(v) } }
}

extension PerStatus: Sendable where Element: Sendable {}

extension UserStatus {
    /// Every status in ``code`` order.
    public static let byCode: [UserStatus] = [.loggedIn, .loggedOut, .timedOut, .locked, .disabled, .neverLoggedIn]
}
