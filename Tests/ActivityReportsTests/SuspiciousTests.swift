import ActivityModel
import ActivityReports
import Testing

@Suite("suspiciousLogins")
struct SuspiciousTests {
    func login(
        _ t: String, _ user: String = "ann", cc: String? = nil, city: String? = nil, lat: Double? = nil,
        lon: Double? = nil, radius: Int? = nil, vpn: Bool = false, tor: Bool = false, hosting: Bool = false,
        lists: [String] = [], ip: String = "198.51.100.1"
    ) -> ActivityEvent {
        ev(
            t, "login", user: user, ip: ip, country: cc, city: city, lat: lat, lon: lon, radius: radius, vpn: vpn,
            tor: tor, hosting: hosting, lists: lists)
    }

    @Test("haversine distances match known city pairs")
    func haversine() {
        let londonNY = greatCircleKm(lat1: 51.5074, lon1: -0.1278, lat2: 40.7128, lon2: -74.0060)
        #expect(abs(londonNY - 5570) < 10)
        let londonParis = greatCircleKm(lat1: 51.5074, lon1: -0.1278, lat2: 48.8566, lon2: 2.3522)
        #expect(abs(londonParis - 344) < 3)
        #expect(greatCircleKm(lat1: 10, lon1: 20, lat2: 10, lon2: 20) == 0)
        let antipodes = greatCircleKm(lat1: 0, lon1: 0, lat2: 0, lon2: 180)
        #expect(abs(antipodes - 20_015) < 2)
    }

    @Test("a new country is flagged with the countries seen before; the first login is not")
    func newCountry() throws {
        let rows = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", cc: "GB"),
                login("2026-03-02T10:00:00Z", cc: "FR"),
                login("2026-03-03T10:00:00Z", cc: "GB"),
                login("2026-03-04T10:00:00Z", cc: "DE"),
                login("2026-03-04T11:00:00Z", "bob", cc: "DE"),
            ]))
        #expect(rows.map(\.event.seq) == [2, 4])
        #expect(rows[1].reasons == ["new country DE (seen before: GB, FR)"])
        #expect(rows[1].kinds == .newCountry)
        #expect(rows[1].kindNames == "new_country")
    }

    @Test("failed logins do not teach a country")
    func failuresDoNotCount() {
        let rows = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", cc: "GB"),
                ev("2026-03-02T10:00:00Z", "login_failed", user: "ann", outcome: .failure, country: "DE"),
                login("2026-03-03T10:00:00Z", cc: "DE"),
            ]))
        #expect(rows.map(\.event.seq) == [3])
    }

    @Test("impossible travel: London to New York in 1h05m")
    func travel() throws {
        let rows = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", cc: "GB", city: "London", lat: 51.5074, lon: -0.1278),
                login("2026-03-01T11:05:00Z", cc: "US", city: "New York", lat: 40.7128, lon: -74.0060),
            ]), options: SuspiciousOptions(newCountry: false))
        let row = try #require(rows.first)
        #expect(row.kinds == .impossibleTravel)
        #expect(row.why == "travel 5,570 km in 1h05m = 5,142 km/h > 1,000 km/h (London, GB → New York, US)")
    }

    @Test("plausible travel and travel within the accuracy radii are not flagged")
    func plausible() {
        // London → Paris in 1 h: 344 km/h.
        let rows = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", cc: "GB", lat: 51.5074, lon: -0.1278),
                login("2026-03-01T11:00:00Z", cc: "GB", lat: 48.8566, lon: 2.3522),
            ]))
        #expect(rows.isEmpty)
        // 344 km in one minute, but each fix is only good to 200 km: 344 - 400 < 0.
        let fuzzy = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", cc: "GB", lat: 51.5074, lon: -0.1278, radius: 200),
                login("2026-03-01T10:01:00Z", cc: "GB", lat: 48.8566, lon: 2.3522, radius: 200),
            ]))
        #expect(fuzzy.isEmpty)
        // With radii of 100 km, 144 km remain in a minute: 8,640 km/h.
        let tight = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", cc: "GB", lat: 51.5074, lon: -0.1278, radius: 100),
                login("2026-03-01T10:01:00Z", cc: "GB", lat: 48.8566, lon: 2.3522, radius: 100),
            ]))
        #expect(tight.first?.kinds == .impossibleTravel)
    }

    @Test("the speed limit is configurable and simultaneous distant logins are flagged")
    func speedAndZeroTime() {
        let events = numbered([
            login("2026-03-01T10:00:00Z", cc: "GB", lat: 51.5074, lon: -0.1278),
            login("2026-03-01T11:00:00Z", cc: "GB", lat: 48.8566, lon: 2.3522),
        ])
        #expect(suspiciousLogins(events: events, options: SuspiciousOptions(maxSpeedKmh: 300)).count == 1)
        let same = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", cc: "GB", lat: 51.5074, lon: -0.1278),
                login("2026-03-01T10:00:00Z", cc: "GB", lat: 48.8566, lon: 2.3522),
            ]))
        #expect(same.first?.why.contains("in 0s = ∞ km/h") == true)
    }

    @Test("invalid coordinates are ignored instead of trapping")
    func badCoordinates() {
        let rows = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", lat: .nan, lon: 0),
                login("2026-03-01T10:00:01Z", lat: 95, lon: 0),
                login("2026-03-01T10:00:02Z", lat: 0, lon: .infinity, radius: -5),
            ]))
        #expect(rows.isEmpty)
    }

    @Test("anonymizers are flagged with the lists that matched")
    func anonymizer() {
        let rows = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", vpn: true, lists: ["vpn-ranges"]),
                login("2026-03-01T11:00:00Z", tor: true, hosting: true),
                login("2026-03-01T12:00:00Z"),
            ]))
        #expect(rows.map(\.why) == ["via VPN (lists: vpn-ranges)", "via Tor, hosting"])
        #expect(rows.allSatisfy { $0.kinds == .anonymizer })
    }

    @Test("a success right after a failure burst is flagged, per user and per address")
    func burstThenSuccess() throws {
        var events: [ActivityEvent] = []
        for i in 0..<5 {
            events.append(
                ev("2026-03-01T10:00:0\(i)Z", "login_failed", user: "ann", outcome: .failure, ip: "192.0.2.66"))
        }
        events.append(login("2026-03-01T10:01:00Z", ip: "192.0.2.66"))
        let rows = suspiciousLogins(events: numbered(events))
        let row = try #require(rows.first)
        #expect(row.kinds == .failedBurst)
        #expect(
            row.reasons == [
                "success after 5 failures in 4s (user ann)", "success after 5 failures in 4s (ip 192.0.2.66)",
            ])
        #expect(suspiciousLogins(events: numbered(events), options: SuspiciousOptions(bursts: nil)).isEmpty)
    }

    @Test("one login can carry several kinds; reasons come in flag order")
    func combined() throws {
        let rows = suspiciousLogins(
            events: numbered([
                login("2026-03-01T10:00:00Z", cc: "GB", city: "London", lat: 51.5074, lon: -0.1278),
                login("2026-03-01T10:30:00Z", cc: "AU", city: "Sydney", lat: -33.8688, lon: 151.2093, vpn: true),
            ]))
        let row = try #require(rows.first)
        #expect(row.kinds == [.newCountry, .impossibleTravel, .anonymizer])
        #expect(row.reasons.count == 3)
        #expect(row.reasons[0].hasPrefix("new country AU"))
        #expect(row.reasons[1].hasPrefix("travel 16,9"))
        #expect(row.kindNames == "new_country,impossible_travel,anonymizer")
    }
}
