import ActivityModel
import ActivityReports
import Testing

@Suite("loginReport")
struct LoginReportTests {
    @Test("counts logins, failures, active days and weeks per user in the zone's calendar")
    func perUser() throws {
        let berlin = try #require(TimeFormatter(identifier: "Europe/Berlin"))
        let events = numbered([
            // Mon 2026-03-02 (two logins), Sun 2026-03-08 23:30 Berlin (= 22:30Z, still Sunday), Mon 03-09.
            ev("2026-03-02T08:00:00Z", "login", user: "ann"),
            ev("2026-03-02T17:00:00Z", "login", user: "ann"),
            ev("2026-03-08T22:30:00Z", "login", user: "ann"),
            ev("2026-03-08T23:30:00Z", "login", user: "ann"),  // 00:30 Monday 03-09 in Berlin
            ev("2026-03-03T08:00:00Z", "login_failed", user: "ann", outcome: .failure),
            ev("2026-03-04T08:00:00Z", "login", user: "bob"),
            ev("2026-03-04T09:00:00Z", "logout", user: "bob"),
            ev("2026-03-04T09:00:00Z", "page_viewed", user: "cy"),
        ])
        let r = loginReport(events: events, formatter: berlin)
        #expect(r.users.map(\.user) == ["ann", "bob"])
        let ann = r.users[0]
        #expect(ann.logins == 4)
        #expect(ann.failures == 1)
        #expect(ann.activeDays == 3)
        #expect(ann.activeWeeks == 2)
        #expect(ann.loginsPerActiveDay == 4.0 / 3.0)
        #expect(ann.loginsPerActiveWeek == 2)
        #expect(ann.firstLogin == ts("2026-03-02T08:00:00Z"))
        #expect(ann.lastLogin == ts("2026-03-08T23:30:00Z"))
        #expect(r.total.logins == 5)
        #expect(r.total.failures == 1)
        #expect(r.total.activeDays == 4)
        // In UTC the two late logins fall on the same Sunday.
        #expect(loginReport(events: events).users[0].activeDays == 2)
    }

    @Test("the range is since-inclusive and until-exclusive")
    func range() {
        let events = numbered([
            ev("2026-03-01T00:00:00Z", "login", user: "ann"),
            ev("2026-03-02T00:00:00Z", "login", user: "ann"),
            ev("2026-03-03T00:00:00Z", "login", user: "ann"),
        ])
        let r = loginReport(events: events, since: ts("2026-03-02T00:00:00Z"), until: ts("2026-03-03T00:00:00Z"))
        #expect(r.users.first?.logins == 1)
        #expect(r.since == ts("2026-03-02T00:00:00Z"))
        #expect(r.rangeDays == 1)
        #expect(loginReport(events: events).rangeDays == nil)
    }

    @Test("usage frequency over a range counts the zone's calendar days, including a 23-hour DST day")
    func frequency() throws {
        let berlin = try #require(TimeFormatter(identifier: "Europe/Berlin"))
        let events = numbered([
            ev("2026-03-28T10:00:00Z", "login", user: "ann"),
            ev("2026-03-29T10:00:00Z", "login", user: "ann"),
            ev("2026-03-29T11:00:00Z", "login", user: "ann"),
        ])
        // Berlin midnights: 03-27 23:00Z … 03-30 22:00Z covers 03-28, 03-29 (23 h), 03-30.
        let r = loginReport(
            events: events, since: ts("2026-03-27T23:00:00Z"), until: ts("2026-03-30T22:00:00Z"),
            formatter: berlin)
        let days = try #require(r.rangeDays)
        #expect(days == 3)
        let ann = try #require(r.users.first)
        #expect(ann.loginsPerDay(over: days) == 1)
        #expect(ann.activeDayShare(over: days) == 2.0 / 3.0)
        #expect(ann.loginsPerDay(over: 0) == 0)
    }

    @Test("no events gives an empty report with zero rates")
    func empty() {
        let r = loginReport(events: [ActivityEvent]())
        #expect(r.users.isEmpty)
        #expect(r.total.loginsPerActiveDay == 0)
    }
}
