import Testing
import Foundation
import ActivityModel
@testable import ActivityStore

/// A small store written by format version 1 is committed under Fixtures/v1 and must stay readable by every
/// later version (docs/segment-format.md §9). `ACTIVITYD_UPDATE_GOLDEN=1` rewrites it (only when the format
/// version changes: then add a new Fixtures/vN beside it).
@Suite("format fixtures")
struct FormatFixtureTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v1")
        .path

    static func fixtureEvents() -> [ActivityEvent] {
        var a = ActivityEvent(
            time: Timestamp(seconds: 1_795_341_600), category: .login, action: .login, outcome: .success, user: "alice")
        a.ingested = Timestamp(nanoseconds: 1_795_341_600_123_000_000)
        a.ip = IPAddress("81.2.69.160"); a.port = 51000; a.device = "iPhone"; a.entry = "mobile"; a.session = "s-1"
        var g = Geo(); g.country = "GB"; g.countryName = "United Kingdom"; g.city = "London"; g.lat = 51.5142;
        g.lon = -0.0931
        g.radiusKm = 10; g.tz = "Europe/London"; g.asn = 20712; g.asOrg = "Andrews & Arnold"
        a.geo = g
        a.origin = Origin(input: "udp", source: "127.0.0.1:40000")
        var b = ActivityEvent(
            time: Timestamp(seconds: 1_795_341_700), category: .activity,
            action: Action(rawValue: "subscription_started"), outcome: .success, user: "alice")
        var c = Commerce(); c.subscription = "SUB-9"; c.amount = "19.99"; c.currency = "EUR"; c.billingCycles = 12
        b.commerce = c; b.comment = "annual"; b.attrs = ["plan": "gold"]
        var d = ActivityEvent(
            time: Timestamp(seconds: 1_795_341_800), category: .admin, action: Action(rawValue: "plan_extended"),
            outcome: .success, user: "alice")
        d.actor = "admin.bob"; d.actorRole = "admin"; d.reason = "goodwill"
        d.net = NetFlags(vpn: true, lists: ["corp-vpn"]); d.ip = IPAddress("2001:db8::7"); d.risk = [.anonymizer]
        d.origin = Origin(input: "file", position: "v1:1:2:3:00", source: "/var/log/auth.log", raw: "raw line")
        return [a, b, d]
    }

    @Test("the committed version-1 store reads back exactly, indexed and verified")
    func v1StaysReadable() throws {
        let fm = FileManager.default
        if ProcessInfo.processInfo.environment["ACTIVITYD_UPDATE_GOLDEN"] == "1"
            || !fm.fileExists(atPath: Self.dir + "/segments")
        {
            try? fm.removeItem(atPath: Self.dir)
            let w = try SegmentWriter(
                dataDirectory: Self.dir, options: StoreOptions(), host: "fixture",
                now: Timestamp(seconds: 1_795_341_600))
            let e = Self.fixtureEvents()
            try w.append(
                Array(e[0..<2]),
                positions: [InputPosition(input: .file(path: "/var/log/auth.log"), value: "v1:1:2:3:00")],
                now: Timestamp(seconds: 1_795_341_650))
            try w.rotate(now: Timestamp(seconds: 1_795_341_750))
            try w.append([e[2]], now: Timestamp(seconds: 1_795_341_850))
            try w.close()
            try? fm.removeItem(atPath: Self.dir + "/LOCK")
        }
        let r = try StoreReader(dataDirectory: Self.dir)
        let back = try r.events(EventQuery())
        let expected = Self.fixtureEvents().enumerated().map { i, e in
            var e = e; e.seq = UInt64(i + 1); return e
        }
        #expect(back == expected)
        var q = EventQuery()
        q.terms[.net] = ["corp-vpn"]
        #expect(try r.events(q).map(\.seq) == [3])
        #expect(try r.verify(repair: false).isClean)
    }
}
