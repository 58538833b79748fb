import ActivityModel
import ActivityReports
import Testing

@Suite("usersReport")
struct UsersReportTests {
    let now = ts("2026-03-10T12:00:00Z")

    func summary(_ events: [ActivityEvent], timeout: TimeSpan? = .hours(8), user: String) throws -> UserSummary {
        let all = usersReport(events: numbered(events), now: now, sessionTimeout: timeout)
        return try #require(all.first { $0.user == user })
    }

    @Test("a login then a logout leaves the user logged out, with both times, entry, IP and location")
    func loginLogout() throws {
        let s = try summary(
            [
                ev("2026-03-10T08:00:00Z", "login_failed", user: "ann", outcome: .failure, ip: "198.51.100.7"),
                ev(
                    "2026-03-10T08:01:00Z", "login", user: "ann", ip: "198.51.100.7", entry: "web", device: "Firefox",
                    country: "GB", city: "London"),
                ev("2026-03-10T09:00:00Z", "logout", user: "ann"),
            ], user: "ann")
        #expect(s.status == .loggedOut)
        #expect(s.lastLogin == ts("2026-03-10T08:01:00Z"))
        #expect(s.lastLogout == ts("2026-03-10T09:00:00Z"))
        #expect(s.statusSince == ts("2026-03-10T09:00:00Z"))
        #expect(s.entry == "web")
        #expect(s.device == "Firefox")
        #expect(s.lastIP == IPAddress("198.51.100.7"))
        #expect(s.locationText == "London, GB")
        #expect(s.loginCount == 1)
        #expect(s.failuresSinceLastSuccess == 0)
        #expect(s.lastFailure == ts("2026-03-10T08:00:00Z"))
    }

    @Test("logged in now, or timed out once the last login is older than the session timeout")
    func derivedTimeout() throws {
        let recent = [ev("2026-03-10T10:00:00Z", "login", user: "bob", entry: "ssh")]
        #expect(try summary(recent, user: "bob").status == .loggedIn)
        let old = [ev("2026-03-09T10:00:00Z", "login", user: "bob", entry: "ssh")]
        let s = try summary(old, user: "bob")
        #expect(s.status == .timedOut)
        #expect(s.statusSince == ts("2026-03-09T18:00:00Z"))
        #expect(try summary(old, timeout: nil, user: "bob").status == .loggedIn)
    }

    @Test("a session_timeout event times the session out and counts as the last logout")
    func explicitTimeout() throws {
        let s = try summary(
            [
                ev("2026-03-10T10:00:00Z", "login", user: "cy"),
                ev("2026-03-10T10:30:00Z", "session_timeout", user: "cy", reason: "idle_timeout"),
            ], user: "cy")
        #expect(s.status == .timedOut)
        #expect(s.lastLogout == ts("2026-03-10T10:30:00Z"))
    }

    @Test("account_locked after the last success locks; a later success unlocks")
    func locked() throws {
        var events = [
            ev("2026-03-10T10:00:00Z", "login", user: "dee"),
            ev("2026-03-10T10:05:00Z", "logout", user: "dee"),
            ev("2026-03-10T11:00:00Z", "login_failed", user: "dee", outcome: .failure, reason: "invalid_password"),
            ev("2026-03-10T11:00:05Z", "mfa_failure", user: "dee", outcome: .failure),
            ev("2026-03-10T11:00:06Z", "account_locked", user: "dee", reason: "mfa_failures"),
            ev("2026-03-10T11:00:07Z", "login_failed", user: "dee", outcome: .failure),
        ]
        var s = try summary(events, user: "dee")
        #expect(s.status == .locked)
        #expect(s.statusSince == ts("2026-03-10T11:00:06Z"))
        #expect(s.failuresSinceLastSuccess == 3)
        events.append(ev("2026-03-10T11:30:00Z", "login", user: "dee"))
        s = try summary(events, user: "dee")
        #expect(s.status == .loggedIn)
        #expect(s.failuresSinceLastSuccess == 0)
        #expect(s.loginCount == 2)
    }

    @Test(
        "deactivation and account_disabled failures disable; a logout does not undo it",
        arguments: [
            ev("2026-03-10T11:00:00Z", "user_deactivated", user: "eve"),
            ev("2026-03-10T11:00:00Z", "login_failed", user: "eve", outcome: .failure, reason: "account_disabled"),
            ev("2026-03-10T11:00:00Z", "user_deleted", user: "eve"),
        ])
    func disabled(trigger: ActivityEvent) throws {
        let s = try summary(
            [
                ev("2026-03-10T10:00:00Z", "login", user: "eve"),
                trigger,
                ev("2026-03-10T11:10:00Z", "logout", user: "eve"),
                ev("2026-03-10T11:20:00Z", "account_locked", user: "eve"),
            ], user: "eve")
        #expect(s.status == .disabled)
        #expect(s.statusSince == ts("2026-03-10T11:00:00Z"))
    }

    @Test("accounts known only from other events are listed as never logged in; events without user are skipped")
    func neverLoggedIn() {
        let all = usersReport(
            events: numbered([
                ev("2026-03-01T10:00:00Z", "user_created", user: "fay"),
                ev("2026-03-01T10:00:00Z", "login_failed", outcome: .failure, ip: "203.0.113.1"),
                ev("2026-03-02T10:00:00Z", "login", user: "gus"),
                ev("2026-03-09T10:00:00Z", "login", user: "ann"),
            ]), now: now)
        #expect(all.map(\.user) == ["ann", "fay", "gus"])
        #expect(all[1].status == .neverLoggedIn)
        #expect(all[1].lastLogin == nil)
        #expect(all[1].lastSeen == ts("2026-03-01T10:00:00Z"))
    }

    @Test("names seen only as invalid_user failures are not accounts unless asked for")
    func invalidUsers() {
        let events = numbered([
            ev("2026-03-01T10:00:00Z", "login_failed", user: "oracle", outcome: .failure, reason: "invalid_user"),
            ev("2026-03-01T10:00:01Z", "login_failed", user: "ann", outcome: .failure, reason: "invalid_password"),
        ])
        #expect(usersReport(events: events, now: now).map(\.user) == ["ann"])
        #expect(usersReport(events: events, now: now, includeInvalidUsers: true).map(\.user) == ["ann", "oracle"])
    }

    @Test("inactive(since:) lists accounts without a successful login since the time")
    func inactive() {
        let all = usersReport(
            events: numbered([
                ev("2026-03-01T10:00:00Z", "user_created", user: "fay"),
                ev("2026-02-01T10:00:00Z", "login", user: "gus"),
                ev("2026-03-09T10:00:00Z", "login_failed", user: "gus", outcome: .failure),
                ev("2026-03-09T10:00:00Z", "login", user: "ann"),
            ]), now: now)
        #expect(all.inactive(since: ts("2026-03-01T00:00:00Z")).map(\.user) == ["fay", "gus"])
        #expect(all.inactive(since: ts("2026-01-01T00:00:00Z")).map(\.user) == ["fay"])
    }

    @Test("a login that still needs MFA is not a login; mfa_success clears the failure count")
    func mfaFlow() throws {
        let s = try summary(
            [
                ev("2026-03-10T10:00:00Z", "login", user: "hal", reason: "mfa_required"),
                ev("2026-03-10T10:00:10Z", "mfa_failure", user: "hal", outcome: .failure),
                ev("2026-03-10T10:00:20Z", "mfa_success", user: "hal"),
            ], user: "hal")
        #expect(s.loginCount == 0)
        #expect(s.status == .neverLoggedIn)
        #expect(s.failuresSinceLastSuccess == 0)
    }
}

@Suite("timeOrdered")
struct TimeOrderedTests {
    @Test("sorts by time with ties in seq order")
    func order() {
        var a = ev("2026-03-01T10:00:00Z", "login", user: "x"); a.seq = 3
        var b = ev("2026-03-01T09:00:00Z", "logout", user: "x"); b.seq = 5
        var c = ev("2026-03-01T10:00:00Z", "logout", user: "x"); c.seq = 1
        #expect(timeOrdered([a, b, c]).map(\.seq) == [5, 1, 3])
    }

    @Test("a late-arriving logout applied in time order gives the right status")
    func lateArrival() {
        var login = ev("2026-03-01T10:00:00Z", "login", user: "x"); login.seq = 2
        var logout = ev("2026-03-01T11:00:00Z", "logout", user: "x"); logout.seq = 1
        let now = ts("2026-03-01T12:00:00Z")
        #expect(usersReport(events: timeOrdered([logout, login]), now: now).first?.status == .loggedOut)
    }
}
