import ActivityModel

/// Ready-made tables for each report, so `activityctl` and the golden tests print them the same way.
extension Table {
    /// `activityctl users`: USER, STATUS, SINCE, LAST LOGIN, LAST LOGOUT, ENTRY, IP, LOCATION, LOGINS, FAILS.
    public static func users(_ summaries: [UserSummary], formatter: TimeFormatter) -> Table {
        var t = Table(columns: [
            Column("USER"), Column("STATUS"), Column("SINCE"), Column("LAST LOGIN"), Column("LAST LOGOUT"),
            Column("ENTRY"), Column("IP"), Column("LOCATION"), Column("LOGINS", alignment: .right),
            Column("FAILS", alignment: .right),
        ])
        for s in summaries {
            t.append([
                s.user, s.status.rawValue, s.statusSince.map(formatter.string) ?? "-",
                s.lastLogin.map(formatter.string) ?? "-", s.lastLogout.map(formatter.string) ?? "-",
                s.entry ?? "-", s.lastIP?.description ?? "-", s.locationText ?? "-", String(s.loginCount),
                String(s.failuresSinceLastSuccess),
            ])
        }
        return t
    }

    /// The login report: USER, LOGINS, FAILED, DAYS, WEEKS, PER DAY, PER WEEK, FIRST, LAST, and a `*` total row.
    public static func logins(_ report: LoginReport, formatter: TimeFormatter) -> Table {
        var t = Table(columns: [
            Column("USER"), Column("LOGINS", alignment: .right), Column("FAILED", alignment: .right),
            Column("DAYS", alignment: .right), Column("WEEKS", alignment: .right),
            Column("PER DAY", alignment: .right), Column("PER WEEK", alignment: .right), Column("FIRST"),
            Column("LAST"),
        ])
        for s in report.users + [report.total] {
            t.append([
                s.user, String(s.logins), String(s.failures), String(s.activeDays), String(s.activeWeeks),
                fixed2(s.loginsPerActiveDay), fixed2(s.loginsPerActiveWeek),
                s.firstLogin.map(formatter.string) ?? "-", s.lastLogin.map(formatter.string) ?? "-",
            ])
        }
        return t
    }

    /// Failure bursts: KEY, FIRST, LAST, COUNT, USERS, SUCCESS AFTER.
    public static func bursts(_ bursts: [FailureBurst], formatter: TimeFormatter) -> Table {
        var t = Table(columns: [
            Column("KEY"), Column("FIRST"), Column("LAST"), Column("COUNT", alignment: .right), Column("USERS"),
            Column("SUCCESS AFTER"),
        ])
        for b in bursts {
            var users = b.users.joined(separator: ",")
            if b.distinctUsers > b.users.count { users += ",+\(b.distinctUsers - b.users.count)" }
            t.append([
                b.key.description, formatter.string(from: b.first), formatter.string(from: b.last), String(b.count),
                users, b.successTime.map(formatter.string) ?? "-",
            ])
        }
        return t
    }

    /// Suspicious logins: TIME, USER, IP, LOCATION, KINDS, WHY.
    public static func suspicious(_ rows: [SuspiciousLogin], formatter: TimeFormatter) -> Table {
        var t = Table(columns: [
            Column("TIME"), Column("USER"), Column("IP"), Column("LOCATION"), Column("KINDS"), Column("WHY"),
        ])
        for r in rows {
            t.append([
                formatter.string(from: r.event.time), r.event.user ?? "-", r.event.ip?.description ?? "-",
                r.event.geo.flatMap(Geo.shortText) ?? "-", r.kindNames, r.why,
            ])
        }
        return t
    }
}

/// Two decimals, rounded half away from zero, without Foundation's locale-dependent formatting.
func fixed2(_ x: Double) -> String {
    guard x.isFinite else { return "-" }
    let cents = Int64((abs(x) * 100).rounded())
    let frac = cents % 100
    return (x < 0 && cents != 0 ? "-" : "") + "\(cents / 100)." + (frac < 10 ? "0\(frac)" : "\(frac)")
}
