import ActivityModel
import ActivityReports
import Foundation
import Testing

@Suite("TimeSpan")
struct TimeSpanTests {
    @Test(
        "parses single and combined units",
        arguments: [
            ("90s", Int64(90)), ("10m", 600), ("12h", 43_200), ("30d", 2_592_000), ("2w", 1_209_600),
            ("1h30m", 5400), ("1d12h", 129_600), (" 45s ", 45), ("-7d", -604_800), ("+2h", 7200), ("0s", 0),
            ("3 days", 259_200), ("5min", 300),
        ])
    func parses(text: String, seconds: Int64) {
        #expect(TimeSpan.parse(text) == TimeSpan(seconds: seconds))
    }

    @Test(
        "rejects bare numbers, unknown units and overflow",
        arguments: [
            "", "30", "d", "10x", "1h30", "-", "--5m", "99999999999999999999d", "300000w", "1.5h", "h5",
        ])
    func rejects(text: String) {
        #expect(TimeSpan.parse(text) == nil)
    }

    @Test("500ms parses to milliseconds")
    func milliseconds() {
        #expect(TimeSpan.parse("500ms")?.nanoseconds == 500_000_000)
    }

    @Test(
        "prints compactly with two units",
        arguments: [
            (Int64(0), "0s"), (45, "45s"), (192, "3m12s"), (3900, "1h05m"), (183_600, "2d03h"), (-90, "-1m30s"),
        ])
    func prints(seconds: Int64, text: String) {
        #expect(TimeSpan(seconds: seconds).description == text)
    }

    @Test("between and advanced saturate instead of trapping")
    func saturation() {
        let a = Timestamp(nanoseconds: .min), b = Timestamp(nanoseconds: .max)
        #expect(TimeSpan.between(a, b).nanoseconds == .max)
        #expect(b.advanced(by: .days(1)).nanoseconds == .max)
        #expect(TimeSpan.days(.max).nanoseconds == .max)
    }
}

@Suite("TimeExpression")
struct TimeExpressionTests {
    let berlin = zone("Europe/Berlin")
    let newYork = zone("America/New_York")
    let now = ts("2026-03-30T10:00:00Z")

    func resolve(_ text: String, _ tz: TimeZone, now: Timestamp? = nil) throws -> Timestamp {
        try TimeExpression.resolve(text, now: now ?? self.now, timeZone: tz)
    }

    @Test("RFC 3339 with a zone ignores the given zone")
    func rfc3339() throws {
        #expect(try resolve("2026-03-29T01:30:00Z", berlin) == ts("2026-03-29T01:30:00Z"))
        #expect(try resolve("2026-03-29 03:30:00+02:00", newYork) == ts("2026-03-29T01:30:00Z"))
        #expect(
            try resolve("2026-03-29T01:30:00.25Z", berlin).nanoseconds == ts("2026-03-29T01:30:00Z").nanoseconds
                + 250_000_000)
    }

    @Test("dates and wall-clock times are read in the given zone")
    func local() throws {
        #expect(try resolve("2026-03-28", berlin) == ts("2026-03-27T23:00:00Z"))
        #expect(try resolve("2026-03-30", berlin) == ts("2026-03-29T22:00:00Z"))
        #expect(try resolve("2026-07-01 14:05", newYork) == ts("2026-07-01T18:05:00Z"))
        #expect(try resolve("2026-01-15T14:05:09", newYork) == ts("2026-01-15T19:05:09Z"))
        #expect(try resolve("2026-01-15 14:05:09", zone("UTC")) == ts("2026-01-15T14:05:09Z"))
    }

    @Test("a wall-clock time in the spring-forward gap moves past the gap")
    func gap() throws {
        // 02:30 does not exist in Berlin on 2026-03-29; the calendar answers 03:30 CEST.
        #expect(try resolve("2026-03-29 02:30", berlin) == ts("2026-03-29T01:30:00Z"))
    }

    @Test("an ambiguous wall-clock time in the repeated hour takes its first occurrence")
    func ambiguous() throws {
        #expect(try resolve("2026-10-25 02:30", berlin) == ts("2026-10-25T00:30:00Z"))
        #expect(try resolve("2026-11-01 01:30", newYork) == ts("2026-11-01T05:30:00Z"))
    }

    @Test("relative times count elapsed time back from now")
    func relative() throws {
        #expect(try resolve("-7d", berlin) == ts("2026-03-23T10:00:00Z"))
        #expect(try resolve("-12h", berlin) == ts("2026-03-29T22:00:00Z"))
        #expect(try resolve("-30m", berlin) == ts("2026-03-30T09:30:00Z"))
        #expect(try resolve("-2w", berlin) == ts("2026-03-16T10:00:00Z"))
        #expect(try resolve("+1h", berlin) == ts("2026-03-30T11:00:00Z"))
        #expect(try resolve("now", berlin) == now)
        #expect(try resolve(" NOW ", berlin) == now)
        #expect(try resolve("@1774747800", berlin) == Timestamp(seconds: 1_774_747_800))
    }

    @Test("today and yesterday are local midnights, also around the spring-forward day in Berlin")
    func todayBerlin() throws {
        // On the day after the change: today starts at CEST midnight, yesterday (23 h long) at CET midnight.
        #expect(try resolve("today", berlin) == ts("2026-03-29T22:00:00Z"))
        #expect(try resolve("yesterday", berlin) == ts("2026-03-28T23:00:00Z"))
        // On the change day itself.
        let onChange = ts("2026-03-29T12:00:00Z")
        #expect(try resolve("today", berlin, now: onChange) == ts("2026-03-28T23:00:00Z"))
        #expect(try resolve("yesterday", berlin, now: onChange) == ts("2026-03-27T23:00:00Z"))
        // Just after local midnight, before UTC midnight.
        #expect(try resolve("today", berlin, now: ts("2026-03-29T22:30:00Z")) == ts("2026-03-29T22:00:00Z"))
    }

    @Test("today and yesterday around the fall-back day in New York")
    func todayNewYork() throws {
        let n = ts("2026-11-02T12:00:00Z")
        #expect(try resolve("today", newYork, now: n) == ts("2026-11-02T05:00:00Z"))
        #expect(try resolve("yesterday", newYork, now: n) == ts("2026-11-01T04:00:00Z"))  // a 25 h day
    }

    @Test(
        "rejects malformed input with an operator-readable message",
        arguments: [
            "", "yesterdy", "2026-02-30", "2026-13-01", "2026-03-29 25:00", "2026-03-29 12", "-7x", "7d", "@abc",
            "2026-03-29T12:00:00+2", "tomorrow",
        ])
    func rejects(text: String) {
        #expect(throws: TimeExpressionError.self) { try TimeExpression(parsing: text) }
    }

    @Test("a bare duration suggests the relative form")
    func bareDurationHint() {
        do {
            _ = try TimeExpression(parsing: "7d")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("-7d"))
        }
    }
}

@Suite("TimeFormatter")
struct TimeFormatterTests {
    @Test(
        "Europe/Berlin across the spring-forward change",
        arguments: [
            ("2026-03-29T00:30:00Z", "2026-03-29 01:30:00 +01:00"),
            ("2026-03-29T00:59:59Z", "2026-03-29 01:59:59 +01:00"),
            ("2026-03-29T01:00:00Z", "2026-03-29 03:00:00 +02:00"),
            ("2026-03-29T01:30:00Z", "2026-03-29 03:30:00 +02:00"),
            ("2026-10-25T00:30:00Z", "2026-10-25 02:30:00 +02:00"),
            ("2026-10-25T01:30:00Z", "2026-10-25 02:30:00 +01:00"),
            ("2026-12-31T23:30:00Z", "2027-01-01 00:30:00 +01:00"),
        ])
    func berlin(utc: String, expected: String) throws {
        let f = try #require(TimeFormatter(identifier: "Europe/Berlin"))
        #expect(f.string(from: ts(utc)) == expected)
    }

    @Test(
        "America/New_York across both changes",
        arguments: [
            ("2026-03-08T06:59:59Z", "2026-03-08 01:59:59 -05:00"),
            ("2026-03-08T07:00:00Z", "2026-03-08 03:00:00 -04:00"),
            ("2026-11-01T05:30:00Z", "2026-11-01 01:30:00 -04:00"),
            ("2026-11-01T06:30:00Z", "2026-11-01 01:30:00 -05:00"),
            ("2026-01-01T04:59:59Z", "2025-12-31 23:59:59 -05:00"),
        ])
    func newYork(utc: String, expected: String) throws {
        let f = try #require(TimeFormatter(identifier: "America/New_York"))
        #expect(f.string(from: ts(utc)) == expected)
    }

    @Test("UTC, fractions, odd offsets and unknown zones")
    func misc() throws {
        #expect(TimeFormatter.utc.string(from: ts("1969-12-31T23:59:59Z")) == "1969-12-31 23:59:59 +00:00")
        var f = TimeFormatter.utc
        f.showsFraction = true
        #expect(f.string(from: Timestamp(seconds: 0, nanos: 5)) == "1970-01-01 00:00:00.000000005 +00:00")
        let kathmandu = try #require(TimeFormatter(identifier: "Asia/Kathmandu"))
        #expect(kathmandu.string(from: ts("2026-01-01T00:00:00Z")) == "2026-01-01 05:45:00 +05:45")
        #expect(TimeFormatter(identifier: "Mars/Olympus_Mons") == nil)
        #expect(TimeFormatter.offsetText(-(4 * 3600 + 56 * 60 + 2)) == "-04:56:02")
        // Outside the byte-written fast path: offsets with seconds (local mean time before 1883).
        let lmt = try #require(TimeFormatter(identifier: "America/New_York"))
        #expect(lmt.string(from: ts("1880-01-01T12:00:00Z")) == "1880-01-01 07:03:58 -04:56:02")
        let negative = try #require(TimeFormatter(identifier: "America/St_Johns"))
        #expect(negative.string(from: ts("2026-01-01T12:00:00Z")) == "2026-01-01 08:30:00 -03:30")
    }

    @Test("local day numbers follow the zone's midnight")
    func dayNumbers() throws {
        let f = try #require(TimeFormatter(identifier: "Europe/Berlin"))
        #expect(f.localDayNumber(ts("2026-03-28T22:59:59Z")) + 1 == f.localDayNumber(ts("2026-03-28T23:00:00Z")))
        #expect(f.localDayNumber(ts("2026-03-29T21:59:59Z")) + 1 == f.localDayNumber(ts("2026-03-29T22:00:00Z")))
    }
}

@Suite("TimeFormatter offset cache")
struct OffsetCacheTests {
    @Test(
        "cached offsets equal Foundation's for every 15 minutes around tricky transitions",
        arguments: [
            ("Europe/Berlin", "2025-01-01T00:00:00Z", 800),
            ("America/New_York", "2025-01-01T00:00:00Z", 800),
            ("Australia/Lord_Howe", "2025-01-01T00:00:00Z", 800),  // 30-minute DST
            ("Asia/Kathmandu", "1985-06-01T00:00:00Z", 800),  // +05:30 → +05:45 in 1986, no DST
            ("America/Caracas", "2015-06-01T00:00:00Z", 800),  // -04:30 → -04:00 in 2016
            ("Pacific/Apia", "2011-06-01T00:00:00Z", 400),  // skipped 2011-12-30
            ("Europe/Moscow", "2010-06-01T00:00:00Z", 1700),  // permanent +04 in 2011, back to +03 in 2014
        ])
    func matchesFoundation(id: String, start: String, days: Int) throws {
        let f = try #require(TimeFormatter(identifier: id))
        var t = ts(start)
        var mismatches = 0
        for _ in 0..<(days * 96) {
            if f.offsetSeconds(at: t) != f.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t.seconds)))
            {
                mismatches += 1
            }
            t = t.advanced(by: .minutes(15))
        }
        #expect(mismatches == 0)
    }

    @Test("going back in time misses the cache instead of answering wrongly")
    func backwards() throws {
        let f = try #require(TimeFormatter(identifier: "Europe/Berlin"))
        #expect(f.offsetSeconds(at: ts("2026-07-01T00:00:00Z")) == 7200)
        #expect(f.offsetSeconds(at: ts("2026-01-01T00:00:00Z")) == 3600)
        #expect(f.offsetSeconds(at: ts("2026-10-25T00:59:59Z")) == 7200)
        #expect(f.offsetSeconds(at: ts("2026-10-25T01:00:00Z")) == 3600)
    }
}
