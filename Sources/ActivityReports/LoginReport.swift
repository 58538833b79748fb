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
    var table = LoginAttempts()
    var acc = LoginReportAccumulator(since: since, until: until, formatter: formatter)
    for e in events { if let a = table.attempt(e) { acc.add(a) } }
    return acc.finish(name: { table.users[Int($0)] })
}

/// ``loginReport(events:since:until:formatter:)`` over login attempts: the same report, without the events.
/// Attempts need not be sorted.
public func loginReport(
    attempts: some LoginAttemptSequence, since: Timestamp? = nil, until: Timestamp? = nil,
    formatter: TimeFormatter = .utc
) -> LoginReport {
    var acc = LoginReportAccumulator(since: since, until: until, formatter: formatter)
    for a in attempts { acc.add(a) }
    return acc.finish(name: attempts.userName)
}

/// The login report's state: per user id, its counts and the set of its active days and weeks. The day and
/// week sets are skipped when a login falls on the user's last day (logins come mostly in time order, so
/// this is most of them); the sets are what count, so the order does not change the answer.
struct LoginReportAccumulator {
    let since: Timestamp?
    let until: Timestamp?
    let formatter: TimeFormatter
    var acc: [LoginAccumulator?] = []
    var total = LoginAccumulator(stats: LoginStats(user: "*"))
    /// The last time a day number was computed for, and the day and week: equal times share them.
    var lastTime = Int64.min
    var lastDay: Int64 = 0
    var lastWeek: Int64 = 0

    init(since: Timestamp?, until: Timestamp?, formatter: TimeFormatter) {
        self.since = since; self.until = until; self.formatter = formatter
    }

    mutating func add(_ a: LoginAttempt) {
        if let s = since, a.time < s { return }
        if let u = until, a.time >= u { return }
        guard a.user >= 0 else { return }
        guard a.kind == .success || a.kind == .failure else { return }
        let i = Int(a.user)
        if i >= acc.count { acc.append(contentsOf: repeatElement(nil, count: i + 1 - acc.count)) }
        if acc[i] == nil { acc[i] = LoginAccumulator(stats: LoginStats(user: "")) }
        if a.kind == .failure {
            acc[i]!.stats.failures += 1
            total.stats.failures += 1
        } else {
            let t = a.time.nanoseconds
            if t != lastTime {
                let day = formatter.localDayNumber(a.time)
                // 1970-01-01 was a Thursday: shifting by 3 makes weeks start on Monday.
                lastWeek = (day + 3) >= 0 ? (day + 3) / 7 : (day + 3 - 6) / 7
                lastDay = day
                lastTime = t
            }
            acc[i]!.add(login: a.time, day: lastDay, week: lastWeek)
            total.add(login: a.time, day: lastDay, week: lastWeek)
        }
    }

    func finish(name: (Int32) -> String) -> LoginReport {
        func finish(_ a: LoginAccumulator) -> LoginStats {
            var s = a.stats
            s.activeDays = a.days.count
            s.activeWeeks = a.weeks.count
            return s
        }
        var users: [LoginStats] = []
        for (i, a) in acc.enumerated() {
            guard let a else { continue }
            var s = finish(a)
            s.user = name(Int32(i))
            users.append(s)
        }
        users.sort { $0.user < $1.user }
        var rangeDays: Int? = nil
        if let s = since, let u = until, s < u {
            let last = formatter.localDayNumber(u.advanced(by: TimeSpan(nanoseconds: -1)))
            rangeDays = Int(clamping: last - formatter.localDayNumber(s) + 1)
        }
        return LoginReport(users: users, total: finish(total), since: since, until: until, rangeDays: rangeDays)
    }
}

/// Per-user accumulator of ``loginReport(events:since:until:formatter:)``.
struct LoginAccumulator {
    var stats: LoginStats
    var days: Set<Int64> = []
    var weeks: Set<Int64> = []
    /// The day and week inserted last (a set insert of the same again changes nothing).
    var lastDay = Int64.min
    var lastWeek = Int64.min
    mutating func add(login time: Timestamp, day: Int64, week: Int64) {
        stats.logins += 1
        if day != lastDay { days.insert(day); lastDay = day }
        if week != lastWeek { weeks.insert(week); lastWeek = week }
        if stats.firstLogin.map({ time < $0 }) ?? true { stats.firstLogin = time }
        if stats.lastLogin.map({ time > $0 }) ?? true { stats.lastLogin = time }
    }
}
