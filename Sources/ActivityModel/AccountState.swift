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
        switch event.action.rawValue {
        case "login":
            if event.outcome == .failure {
                self = .failure
            } else if event.reason == "mfa_required" {
                self = .other
            } else {
                self = .success
            }
        case "login_failed", "mfa_failure": self = .failure
        case "mfa_success": self = event.outcome == .failure ? .failure : .mfaSuccess
        case "logout": self = .logout
        case "session_timeout": self = .timeout
        case "account_locked": self = .locked
        case "user_deactivated", "user_deleted": self = event.outcome == .failure ? .other : .disabled
        default: self = LoginEventKind.isDisabledReason(event.reason) && event.outcome != .failure ? .disabled : .other
        }
    }

    /// Whether `reason` says the account is disabled: `account_disabled`, `user_disabled` or
    /// `merchant_account_disabled`.
    public static func isDisabledReason(_ reason: String?) -> Bool {
        switch reason {
        case "account_disabled", "user_disabled", "merchant_account_disabled": return true
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
        func set(_ new: UserStatus) {
            if status == .disabled && new != .disabled { return }
            if status != new { since = e.time }
            status = new
        }
        switch kind {
        case .success:
            status = .loggedIn
            since = e.time
        case .failure:
            if LoginEventKind.isDisabledReason(e.reason) {
                set(.disabled)
            } else if e.reason == "account_locked" {
                set(.locked)
            }
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
    public mutating func apply(_ e: ActivityEvent) {
        let kind = LoginEventKind(e)
        if e.time > lastSeen { lastSeen = e.time }
        if !isRealAccount, !(kind == .failure && e.reason == "invalid_user") { isRealAccount = true }
        switch kind {
        case .success:
            lastLogin = e.time
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
            lastFailure = e.time
        case .logout, .timeout:
            lastLogout = e.time
        case .locked, .disabled, .other:
            break
        }
        if kind != .other && kind != .mfaSuccess {
            for i in statusAfter.indices {
                UserStatus.step(&statusAfter[i], since: &statusSince[i], kind: kind, event: e)
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
