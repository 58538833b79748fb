import ActivityModel

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
            if event.outcome == .failure { self = .failure }
            else if event.reason == "mfa_required" { self = .other }
            else { self = .success }
        case "login_failed", "mfa_failure": self = .failure
        case "mfa_success": self = event.outcome == .failure ? .failure : .mfaSuccess
        case "logout": self = .logout
        case "session_timeout": self = .timeout
        case "account_locked": self = .locked
        case "user_deactivated", "user_deleted": self = event.outcome == .failure ? .other : .disabled
        default: self = LoginEventKind.isDisabledReason(event.reason) && event.outcome != .failure ? .disabled : .other
        }
    }

    static func isDisabledReason(_ reason: String?) -> Bool {
        switch reason {
        case "account_disabled", "user_disabled", "merchant_account_disabled": return true
        default: return false
        }
    }

    /// True for ``failure``: the events failure bursts count.
    public var isFailure: Bool { self == .failure }
    /// True for ``success`` and ``mfaSuccess``: the events that close a failure burst.
    public var isSuccess: Bool { self == .success || self == .mfaSuccess }
}

/// `events` sorted by `time`, ties kept in `seq` order: the order every report here expects.
///
/// The store hands events out in `seq` (arrival) order, which can differ from event time when sources lag or
/// clocks are skewed; sort first when a report needs true time order. O(n log n) time, one copy of the array.
public func timeOrdered(_ events: some Sequence<ActivityEvent>) -> [ActivityEvent] {
    events.sorted { a, b in a.time != b.time ? a.time < b.time : a.seq < b.seq }
}
