import ActivityModel
import ActivityReports
import Foundation
import Testing

/// Compares `actual` with `Fixtures/<name>.expected`. A missing file is written (and the test passes);
/// `ACTIVITYD_UPDATE_GOLDEN=1` rewrites every file so the diff can be reviewed in git.
func assertGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    let url = dir.appendingPathComponent(name + ".expected")
    let update = ProcessInfo.processInfo.environment["ACTIVITYD_UPDATE_GOLDEN"] == "1"
    if update || !FileManager.default.fileExists(atPath: url.path) {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(actual.utf8).write(to: url)
        return
    }
    let expected = String(decoding: try Data(contentsOf: url), as: UTF8.self)
    #expect(
        actual == expected, "golden \(name).expected differs; rerun with ACTIVITYD_UPDATE_GOLDEN=1 to accept",
        sourceLocation: sourceLocation)
}

/// About 40 events over a week around the spring-forward change in Europe/Berlin (2026-03-29), covering
/// logins, logouts, failures and a burst, spraying, VPN, new countries, impossible travel, lock, deactivation,
/// timeout and commerce.
enum GoldenEvents {
    static let london = (51.5074, -0.1278), paris = (48.8566, 2.3522), berlin = (52.52, 13.405)
    static let newYork = (40.7128, -74.0060), sydney = (-33.8688, 151.2093), boston = (42.3601, -71.0589)

    static let all: [ActivityEvent] = numbered([
        // alice: web user in London, a subscription, a trip to Paris.
        ev(
            "2026-03-24T08:00:00Z", "login", user: "alice", ip: "198.51.100.10", entry: "web", device: "Firefox/128",
            country: "GB", city: "London", lat: london.0, lon: london.1, radius: 20),
        ev(
            "2026-03-24T08:05:00Z", "subscription_started", user: "alice", ip: "198.51.100.10",
            commerce: commerce(sub: "SUB-1001", amount: "19.99", currency: "EUR", cycles: 12), comment: "annual plan"),
        ev("2026-03-24T09:00:00Z", "logout", user: "alice"),
        ev(
            "2026-03-26T07:30:00Z", "login", user: "alice", ip: "198.51.100.10", entry: "web", device: "Firefox/128",
            country: "GB", city: "London", lat: london.0, lon: london.1, radius: 20),
        ev("2026-03-26T08:00:00Z", "logout", user: "alice"),
        ev(
            "2026-03-28T18:00:00Z", "login", user: "alice", ip: "192.0.2.44", entry: "mobile", device: "iPhone",
            country: "FR", city: "Paris", lat: paris.0, lon: paris.1, radius: 10),
        ev("2026-03-29T00:30:00Z", "logout", user: "alice"),
        ev(
            "2026-03-29T09:00:00Z", "refund_issued", user: "alice", ip: "10.0.0.5",
            commerce: commerce(sub: "SUB-1001", order: "ORD-77", amount: "-5.00", currency: "EUR"),
            comment: "goodwill, partial"),

        // bob: ssh from New York; a burst of failures from one address, then a success from it.
        ev(
            "2026-03-25T13:00:00Z", "login", user: "bob", ip: "203.0.113.50", entry: "ssh", device: "pts/0",
            country: "US", city: "New York", lat: newYork.0, lon: newYork.1, radius: 50),
        ev("2026-03-25T17:00:00Z", "logout", user: "bob"),
        ev(
            "2026-03-29T01:10:00Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:10:20Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:10:40Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:11:00Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:11:20Z", "login_failed", user: "bob", outcome: .failure, reason: "invalid_password",
            ip: "203.0.113.77"),
        ev(
            "2026-03-29T01:12:00Z", "login", user: "bob", ip: "203.0.113.77", entry: "ssh", device: "pts/1",
            country: "US", city: "Boston", lat: boston.0, lon: boston.1, radius: 50, hosting: true,
            lists: ["cloud-ranges"]),

        // carol: mobile in Berlin, then Sydney 40 minutes later through a VPN.
        ev(
            "2026-03-27T06:00:00Z", "login", user: "carol", ip: "198.51.100.80", entry: "mobile", device: "Android",
            country: "DE", city: "Berlin", lat: berlin.0, lon: berlin.1, radius: 5),
        ev(
            "2026-03-27T06:40:00Z", "login", user: "carol", ip: "192.0.2.200", entry: "web", device: "Chrome",
            country: "AU", city: "Sydney", lat: sydney.0, lon: sydney.1, radius: 100, vpn: true, lists: ["vpn-ranges"]),
        ev(
            "2026-03-27T07:00:00Z", "order_placed", user: "carol", ip: "192.0.2.200",
            commerce: commerce(order: "ORD-88", amount: "120.00", currency: "AUD")),

        // dave: locked after MFA failures.
        ev(
            "2026-03-26T10:00:00Z", "login", user: "dave", ip: "198.51.100.90", entry: "web", country: "GB",
            city: "Leeds"),
        ev("2026-03-26T10:30:00Z", "logout", user: "dave"),
        ev(
            "2026-03-30T08:00:00Z", "mfa_failure", user: "dave", outcome: .failure, reason: "invalid_mfa",
            ip: "198.51.100.90"),
        ev(
            "2026-03-30T08:00:30Z", "mfa_failure", user: "dave", outcome: .failure, reason: "invalid_mfa",
            ip: "198.51.100.90"),
        ev("2026-03-30T08:01:00Z", "account_locked", user: "dave", reason: "mfa_failures"),

        // erin: deactivated by an admin.
        ev(
            "2026-03-23T09:00:00Z", "login", user: "erin", ip: "198.51.100.120", entry: "desktop", country: "IE",
            city: "Dublin"),
        ev("2026-03-27T12:00:00Z", "user_deactivated", user: "erin", comment: "left the company"),
        ev(
            "2026-03-28T12:00:00Z", "login_failed", user: "erin", outcome: .failure, reason: "account_disabled",
            ip: "198.51.100.120"),

        // frank: an idle timeout, then a login still open and one long ago.
        ev("2026-03-29T20:00:00Z", "login", user: "frank", ip: "198.51.100.130", entry: "api", device: "curl/8.5"),
        ev("2026-03-29T21:00:00Z", "session_timeout", user: "frank", reason: "idle_timeout"),
        ev("2026-03-30T11:00:00Z", "login", user: "frank", ip: "198.51.100.130", entry: "api", device: "curl/8.5"),

        // grace: created, never logged in; a hostile order comment placed on her behalf.
        ev("2026-03-23T08:00:00Z", "user_created", user: "grace"),
        ev(
            "2026-03-25T10:00:00Z", "order_placed_on_behalf", user: "grace",
            commerce: commerce(order: "ORD-90", amount: "15", currency: "USD", cycles: 1),
            comment: "=HYPERLINK(\"http://evil.example\",\"click\")"),

        // heidi: logged in days ago with no logout: timed out by the session timeout.
        ev(
            "2026-03-24T15:00:00Z", "login", user: "heidi", ip: "2001:db8::15", entry: "web", country: "NL",
            city: "Amsterdam"),

        // spraying from one address across accounts (no single account reaches the threshold).
        ev(
            "2026-03-28T03:00:00Z", "login_failed", user: "root", outcome: .failure, reason: "invalid_user",
            ip: "192.0.2.66"),
        ev(
            "2026-03-28T03:00:02Z", "login_failed", user: "admin", outcome: .failure, reason: "invalid_user",
            ip: "192.0.2.66"),
        ev(
            "2026-03-28T03:00:04Z", "login_failed", user: "oracle", outcome: .failure, reason: "invalid_user",
            ip: "192.0.2.66"),
        ev(
            "2026-03-28T03:00:06Z", "login_failed", user: "test", outcome: .failure, reason: "invalid_user",
            ip: "192.0.2.66"),
        ev(
            "2026-03-28T03:00:08Z", "login_failed", user: "ubuntu\u{1B}[31m", outcome: .failure, reason: "invalid_user",
            ip: "192.0.2.66"),

        // ivan: a new country without coordinates.
        ev(
            "2026-03-25T09:00:00Z", "login", user: "ivan", ip: "198.51.100.140", entry: "web", country: "PL",
            city: "Warsaw"),
        ev(
            "2026-03-28T09:00:00Z", "login", user: "ivan", ip: "198.51.100.141", entry: "web", country: "CZ",
            city: "Prague"),
    ])

    static let now = ts("2026-03-30T12:00:00Z")
    static let formatter = TimeFormatter(identifier: "Europe/Berlin") ?? .utc
}

@Suite("Golden outputs")
struct GoldenTests {
    @Test("the golden event set has about 40 events in time order")
    func eventSet() {
        #expect((35...45).contains(GoldenEvents.all.count))
    }

    func sorted() -> [ActivityEvent] {
        GoldenEvents.all.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
    }

    @Test("users report")
    func users() throws {
        let users = usersReport(events: sorted(), now: GoldenEvents.now, sessionTimeout: .hours(8))
        var text = Table.users(users, formatter: GoldenEvents.formatter).render()
        text += "\ninactive since 2026-03-27:\n"
        let since = try TimeExpression.resolve(
            "2026-03-27", now: GoldenEvents.now, timeZone: GoldenEvents.formatter.timeZone)
        text += users.inactive(since: since).map { TerminalText.escaped($0.user) }.joined(separator: "\n") + "\n"
        try assertGolden(text, "users")
    }

    @Test("login report")
    func logins() throws {
        let r = loginReport(events: sorted(), formatter: GoldenEvents.formatter)
        try assertGolden(Table.logins(r, formatter: GoldenEvents.formatter).render(), "logins")
    }

    @Test("failure bursts")
    func bursts() throws {
        let b = failureBursts(events: sorted(), options: FailureBurstOptions(threshold: 5, window: .minutes(5)))
        try assertGolden(Table.bursts(b, formatter: GoldenEvents.formatter).render(), "bursts")
    }

    @Test("suspicious logins")
    func suspicious() throws {
        let rows = suspiciousLogins(events: sorted())
        try assertGolden(Table.suspicious(rows, formatter: GoldenEvents.formatter).render(), "suspicious")
    }

    @Test("CSV export")
    func csv() throws {
        let doc = CSVExport(formatter: GoldenEvents.formatter).document(events: sorted())
        try assertGolden(doc, "export.csv")
    }

    @Test("users table fitted to 100 columns")
    func narrow() throws {
        let users = usersReport(events: sorted(), now: GoldenEvents.now, sessionTimeout: .hours(8))
        try assertGolden(Table.users(users, formatter: GoldenEvents.formatter).render(maxWidth: 100), "users-100cols")
    }
}
