import ActivityModel

/// Logins per user and how often the user comes back, over a time range: the "total number of logins per user"
/// and "frequency of application usage" reports.
public struct LoginStats: Hashable, Sendable {
    /// The account.
    public var user: String
    /// Successful logins in the range.
    public var logins: Int
    /// Failed attempts in the range.
    public var failures: Int
    /// Distinct local calendar days (in the report's zone) with at least one successful login.
    public var activeDays: Int
    /// Distinct local weeks (Monday to Sunday) with at least one successful login.
    public var activeWeeks: Int
    /// First successful login in the range.
    public var firstLogin: Timestamp?
    /// Last successful login in the range.
    public var lastLogin: Timestamp?

    /// Zeroed stats for `user`.
    public init(user: String) {
        self.user = user; logins = 0; failures = 0; activeDays = 0; activeWeeks = 0
    }

    /// Logins per active day (0 when the user had none).
    public var loginsPerActiveDay: Double { activeDays == 0 ? 0 : Double(logins) / Double(activeDays) }
    /// Logins per active week (0 when the user had none).
    public var loginsPerActiveWeek: Double { activeWeeks == 0 ? 0 : Double(logins) / Double(activeWeeks) }
    /// Logins per calendar day over a range of `days` days (see ``LoginReport/rangeDays``); 0 for no days.
    public func loginsPerDay(over days: Int) -> Double { days <= 0 ? 0 : Double(logins) / Double(days) }
    /// Share of the range's `days` on which the user logged in, 0...1; 0 for no days.
    public func activeDayShare(over days: Int) -> Double { days <= 0 ? 0 : min(1, Double(activeDays) / Double(days)) }
}

/// The login report: one ``LoginStats`` per user with any login or failure in the range, plus the totals.
public struct LoginReport: Hashable, Sendable {
    /// Per user, sorted by user name.
    public var users: [LoginStats]
    /// Sums over all users; its `user` is `"*"`, and its active days and weeks count days on which anyone
    /// logged in.
    public var total: LoginStats
    /// Start of the range (inclusive), if bounded.
    public var since: Timestamp?
    /// End of the range (exclusive), if bounded.
    public var until: Timestamp?
    /// Local calendar days the range touches (both ends counted), when both bounds are given and
    /// `since < until`; the divisor for ``LoginStats/loginsPerDay(over:)``.
    public var rangeDays: Int?
}

/// Counts logins and failures per user for events with `since <= time < until` (either bound may be nil), with
/// days and weeks taken in `formatter`'s zone. Events need not be sorted. One pass; memory is one set of day
/// numbers per user.
public func loginReport(
    events: some Sequence<ActivityEvent>, since: Timestamp? = nil, until: Timestamp? = nil,
    formatter: TimeFormatter = .utc
) -> LoginReport {
    var acc: [String: LoginAccumulator] = [:]
    var total = LoginAccumulator(stats: LoginStats(user: "*"))
    for e in events {
        if let s = since, e.time < s { continue }
        if let u = until, e.time >= u { continue }
        guard let user = e.user, !user.isEmpty else { continue }
        let kind = LoginEventKind(e)
        guard kind == .success || kind == .failure else { continue }
        var a = acc.removeValue(forKey: user) ?? LoginAccumulator(stats: LoginStats(user: user))
        if kind == .failure {
            a.stats.failures += 1
            total.stats.failures += 1
        } else {
            let day = formatter.localDayNumber(e.time)
            // 1970-01-01 was a Thursday: shifting by 3 makes weeks start on Monday.
            let week = (day + 3) >= 0 ? (day + 3) / 7 : (day + 3 - 6) / 7
            a.add(login: e.time, day: day, week: week)
            total.add(login: e.time, day: day, week: week)
        }
        acc[user] = a
    }
    func finish(_ a: LoginAccumulator) -> LoginStats {
        var s = a.stats
        s.activeDays = a.days.count
        s.activeWeeks = a.weeks.count
        return s
    }
    let users = acc.values.map(finish).sorted { $0.user < $1.user }
    var rangeDays: Int? = nil
    if let s = since, let u = until, s < u {
        let last = formatter.localDayNumber(u.advanced(by: TimeSpan(nanoseconds: -1)))
        rangeDays = Int(clamping: last - formatter.localDayNumber(s) + 1)
    }
    return LoginReport(users: users, total: finish(total), since: since, until: until, rangeDays: rangeDays)
}

/// Per-user accumulator of ``loginReport(events:since:until:formatter:)``.
private struct LoginAccumulator {
    var stats: LoginStats
    var days: Set<Int64> = []
    var weeks: Set<Int64> = []
    mutating func add(login time: Timestamp, day: Int64, week: Int64) {
        stats.logins += 1
        days.insert(day)
        weeks.insert(week)
        if stats.firstLogin.map({ time < $0 }) ?? true { stats.firstLogin = time }
        if stats.lastLogin.map({ time > $0 }) ?? true { stats.lastLogin = time }
    }
}
