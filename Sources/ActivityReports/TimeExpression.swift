import ActivityModel
import Foundation

/// Why a `--since`/`--until` value could not be read. The description is written for the operator.
public struct TimeExpressionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text as given.
    public var text: String
    /// What is wrong with it.
    public var problem: String

    /// An error for `text` with a human-readable `problem`.
    public init(text: String, problem: String) { self.text = text; self.problem = problem }

    /// `invalid time "yesterdy": expected RFC 3339, YYYY-MM-DD[ HH:MM[:SS]], -7d/-12h/-30m/-2w, now, today or yesterday`
    public var description: String { "invalid time \"\(text)\": \(problem)" }
}

/// A wall-clock date and time without a zone, as written on the command line (`2026-03-29 02:30`).
public struct LocalDateTime: Hashable, Sendable {
    /// Gregorian year.
    public var year: Int
    /// 1...12.
    public var month: Int
    /// 1...31 (checked against the month).
    public var day: Int
    /// 0...23.
    public var hour: Int
    /// 0...59.
    public var minute: Int
    /// 0...59.
    public var second: Int

    /// A wall-clock time; the fields are validated by ``TimeExpression/init(parsing:)``, not here.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute;
        self.second = second
    }
}

/// A point in time as the operator writes it for `--since`/`--until`, resolved against "now" and a time zone.
///
/// Accepted forms:
/// - RFC 3339 with a zone: `2026-03-29T01:30:00Z`, `2026-03-29 03:30:00+02:00` (fraction allowed).
/// - Wall-clock in the given zone: `2026-03-29` (midnight), `2026-03-29 14:05`, `2026-03-29T14:05:09`.
///   A time inside a DST gap (`02:30` on the spring-forward day) resolves to the instant Foundation's
///   `Calendar` picks, which is the same distance after the gap (`03:30` local); an ambiguous time in the
///   repeated hour resolves to its first occurrence.
/// - Relative to now: `-7d`, `-12h`, `-30m`, `-90s`, `-2w`, `-1h30m`, also forwards (`+1h`). Days and weeks
///   are 24 h and 168 h of elapsed time (as `journalctl` counts).
/// - `now`; `today` and `yesterday` are local midnight in the zone (DST-correct through `Calendar`).
/// - `@1774747800`: seconds since the Unix epoch.
public enum TimeExpression: Hashable, Sendable {
    /// An absolute instant (RFC 3339 with a zone, or `@epoch`).
    case instant(Timestamp)
    /// A wall-clock time, read in the zone given at resolution.
    case local(LocalDateTime)
    /// Now plus this (usually negative) span.
    case relative(TimeSpan)
    /// The moment of resolution.
    case now
    /// Midnight at the start of the current day in the zone.
    case today
    /// Midnight at the start of the previous day in the zone.
    case yesterday

    static let expected = "expected RFC 3339, YYYY-MM-DD[ HH:MM[:SS]], -7d/-12h/-30m/-2w, now, today or yesterday"

    /// Parses one of the forms listed on the type. Leading and trailing spaces are ignored; keywords are
    /// case-insensitive.
    public init(parsing text: String) throws(TimeExpressionError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "now": self = .now; return
        case "today": self = .today; return
        case "yesterday": self = .yesterday; return
        case "": throw TimeExpressionError(text: text, problem: "empty; " + TimeExpression.expected)
        default: break
        }
        if let first = trimmed.first, first == "-" || first == "+" {
            guard let span = TimeSpan.parse(trimmed) else {
                throw TimeExpressionError(
                    text: text, problem: "bad relative time; use a number and a unit s, m, h, d or w, e.g. -7d")
            }
            self = .relative(span); return
        }
        if trimmed.hasPrefix("@") {
            guard let secs = Int64(trimmed.dropFirst()), let ts = Self.epoch(secs) else {
                throw TimeExpressionError(text: text, problem: "expected @ followed by seconds since 1970")
            }
            self = .instant(ts); return
        }
        if let ts = Timestamp.parseRFC3339(Substring(trimmed), defaultOffsetSeconds: nil) {
            self = .instant(ts); return
        }
        if let local = Self.parseLocal(trimmed) {
            self = .local(local); return
        }
        if TimeSpan.parse(trimmed) != nil {
            throw TimeExpressionError(
                text: text, problem: "a bare duration is ambiguous; write -\(trimmed) for \(trimmed) ago")
        }
        throw TimeExpressionError(text: text, problem: TimeExpression.expected)
    }

    /// Parses `text` and resolves it at once: the usual call for `--since`/`--until`.
    public static func resolve(_ text: String, now: Timestamp, timeZone: TimeZone) throws(TimeExpressionError)
        -> Timestamp
    {
        let e = try TimeExpression(parsing: text)
        guard let ts = e.resolve(now: now, timeZone: timeZone) else {
            throw TimeExpressionError(text: text, problem: "not representable in time zone \(timeZone.identifier)")
        }
        return ts
    }

    /// The instant this expression names, given the current time and the zone for wall-clock forms.
    /// Nil only when Foundation cannot represent the date (years far outside the calendar's range).
    public func resolve(now: Timestamp, timeZone: TimeZone) -> Timestamp? {
        switch self {
        case .instant(let ts): return ts
        case .now: return now
        case .relative(let span): return now.advanced(by: span)
        case .local(let l):
            var c = DateComponents()
            c.year = l.year; c.month = l.month; c.day = l.day; c.hour = l.hour; c.minute = l.minute; c.second = l.second
            guard let d = Self.calendar(timeZone).date(from: c) else { return nil }
            return Self.timestamp(d)
        case .today, .yesterday:
            let cal = Self.calendar(timeZone)
            var start = cal.startOfDay(for: Self.date(now))
            if self == .yesterday {
                // Noon of today minus one day is safely inside yesterday, whatever DST does at midnight.
                guard let noon = cal.date(byAdding: .hour, value: 12, to: start),
                    let prev = cal.date(byAdding: .day, value: -1, to: noon)
                else { return nil }
                start = cal.startOfDay(for: prev)
            }
            return Self.timestamp(start)
        }
    }

    static func calendar(_ tz: TimeZone) -> Calendar {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        return cal
    }

    static func date(_ ts: Timestamp) -> Date {
        Date(timeIntervalSince1970: Double(ts.seconds) + Double(ts.subsecondNanos) / 1e9)
    }

    static func timestamp(_ d: Date) -> Timestamp? {
        let t = d.timeIntervalSince1970
        guard t.isFinite, abs(t) < 9.0e9 else { return nil }
        let whole = t.rounded(.down)
        var nanos = Int64(((t - whole) * 1e9).rounded())
        var secs = Int64(whole)
        if nanos >= 1_000_000_000 { secs += 1; nanos -= 1_000_000_000 }
        // Foundation answers in Double seconds; times we build are whole seconds, so drop float noise.
        if nanos < 1000 || nanos > 999_999_000 { if nanos > 999_999_000 { secs += 1 }; nanos = 0 }
        return Timestamp(seconds: secs, nanos: nanos)
    }

    static func epoch(_ secs: Int64) -> Timestamp? {
        guard abs(secs) < 9_000_000_000 else { return nil }
        return Timestamp(seconds: secs)
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DD[ T]HH:MM`, `YYYY-MM-DD[ T]HH:MM:SS` with the date checked against its month.
    static func parseLocal(_ text: String) -> LocalDateTime? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ n: Int) -> Int? {
            guard from + n <= b.count else { return nil }
            var v = 0
            for i in from..<(from + n) {
                guard (48...57).contains(b[i]) else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 10, let y = num(0, 4), b[4] == UInt8(ascii: "-"), let mo = num(5, 2),
            b[7] == UInt8(ascii: "-"), let d = num(8, 2)
        else { return nil }
        var l = LocalDateTime(year: y, month: mo, day: d)
        if b.count > 10 {
            guard b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
                b.count == 16 || b.count == 19, let h = num(11, 2), b[13] == UInt8(ascii: ":"),
                let mi = num(14, 2)
            else { return nil }
            l.hour = h; l.minute = mi
            if b.count == 19 {
                guard b[16] == UInt8(ascii: ":"), let s = num(17, 2) else { return nil }
                l.second = s
            }
        }
        guard (1...12).contains(mo), (1...31).contains(d), l.hour < 24, l.minute < 60, l.second < 60 else { return nil }
        // Reject 2026-02-30 and friends instead of letting the calendar roll over into March.
        let days = CivilDate.toDays(year: Int64(y), month: Int64(mo), day: Int64(d))
        let back = CivilDate.fromDays(days)
        guard back.year == Int64(y), back.month == Int64(mo), back.day == Int64(d) else { return nil }
        return l
    }
}
