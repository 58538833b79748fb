import ActivityModel

/// One login, one event: the same login, logout or failed attempt reported both by the audit log and by
/// another source (sshd's or login's syslog lines, journald) is counted once.
///
/// The pipeline passes every `login`, `logout` and `login_failed` event through ``correlate(_:pid:fromAudit:)``
/// in the order it receives them. When an event matches one of the other kind of source received earlier —
/// same host, same action and outcome, times at most ``window`` apart, the same process when both know it
/// (else the same address), and the same user where both name one (`uid:N` matches any name) — it is the
/// second report of one fact: it is kept, but relabelled `duplicate_login`, `duplicate_logout` or
/// `duplicate_login_failed` (category `login`, an action no report counts, as logind's `session_started` is
/// not a second login), with `attrs.duplicate_of` naming the first report's service. Each first report
/// absorbs one duplicate at most.
///
/// Which report stays the counted one depends on which reaches the pipeline first; both carry the same
/// user, address and time, so reports read the same either way.
///
/// Limits: the memory is the pipeline's (empty after a restart: a pair split by a restart is counted twice);
/// at most ``maxTracked`` reports per (host, action, kind of source) are remembered, so a backlog read far ahead of the
/// other source's (one file read from the beginning long before the other) can miss its pairs.
public struct LoginCorrelator: Sendable {
    /// Largest distance in event time between two reports of one fact.
    public static let window = Timestamp(seconds: 5).nanoseconds
    /// Reports remembered per (host, action, kind of source); the older half is dropped when full.
    public static let maxTracked = 4096

    struct Key: Hashable {
        var host: String
        var action: String
        var fromAudit: Bool
    }

    struct Report {
        var time: Int64
        var pid: Int?
        var ip: IPAddress?
        var user: String?
        var outcome: Outcome
        var service: String
        var absorbed = false
    }

    var recent: [Key: [Report]] = [:]

    public init() {}

    /// The actions that are correlated.
    static let actions: Set<String> = ["login", "logout", "login_failed"]

    /// Checks `event` against the reports seen so far and remembers it; relabels it when it repeats one.
    ///
    /// - Parameters:
    ///   - event: a normalized event; only `login`, `logout` and `login_failed` are looked at.
    ///   - pid: the process that reported it, when the source tells (the syslog tag's or journald's pid;
    ///     for audit events their `attrs.pid` is used when this is nil).
    ///   - fromAudit: true for events of the audit log.
    /// - Returns: true when the event was relabelled as a duplicate.
    @discardableResult
    public mutating func correlate(_ event: inout ActivityEvent, pid: Int?, fromAudit: Bool) -> Bool {
        let action = event.action.rawValue
        guard LoginCorrelator.actions.contains(action) else { return false }
        let host = event.host ?? ""
        let t = event.time.nanoseconds
        let pid = pid ?? event.attrs["pid"].flatMap { Int($0) }
        // The other kind of source's reports (none at all where no audit log is read: nothing to scan).
        let other = Key(host: host, action: action, fromAudit: !fromAudit)
        if var list = recent.removeValue(forKey: other) {
            defer { recent[other] = list }
            // Newest first: the matching report is almost always among the last few.
            var i = list.count - 1
            while i >= 0 {
                let r = list[i]
                if !r.absorbed, abs(r.time - t) <= LoginCorrelator.window, r.outcome == event.outcome,
                    LoginCorrelator.sameProcess(r, pid: pid, ip: event.ip), LoginCorrelator.sameUser(r.user, event.user)
                {
                    list[i].absorbed = true
                    event.action = Action(rawValue: "duplicate_" + action)
                    event.attrs["duplicate_of"] = r.service
                    return true
                }
                i -= 1
            }
        }
        // Removed while changed, so the array is not copied on write.
        let own = Key(host: host, action: action, fromAudit: fromAudit)
        var list = recent.removeValue(forKey: own) ?? []
        if list.count >= LoginCorrelator.maxTracked {
            list.sort { $0.time < $1.time }
            list.removeFirst(list.count / 2)
        }
        list.append(
            Report(
                time: t, pid: pid, ip: event.ip, user: event.user, outcome: event.outcome,
                service: event.service ?? (fromAudit ? "audit" : "-")))
        recent[own] = list
        return false
    }

    /// Same process when both know it; otherwise the same address (both known).
    static func sameProcess(_ r: Report, pid: Int?, ip: IPAddress?) -> Bool {
        if let a = r.pid, let b = pid { return a == b && (r.ip == nil || ip == nil || r.ip == ip) }
        if let a = r.ip, let b = ip { return a == b }
        return false
    }

    /// Equal names, or one side unnamed or known only by uid (`uid:1000`).
    static func sameUser(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return true }
        if a.hasPrefix("uid:") || b.hasPrefix("uid:") { return true }
        return a == b
    }

    /// Reports remembered (for tests: bounded by ``maxTracked`` per host, action and kind of source).
    public var trackedReports: Int { recent.values.reduce(0) { $0 + $1.count } }
}
