import ActivityModel

/// A length of elapsed time in nanoseconds: the argument of `--inactive-since 30d`, a burst window (`10m`), a
/// session timeout (`8h`).
///
/// Units are fixed lengths: `w` = 7 × 24 h and `d` = 24 h of elapsed time, whatever the calendar or a DST change
/// says (calendar days are the business of ``TimeExpression``'s `today`/`yesterday`).
public struct TimeSpan: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds; negative for a span backwards in time.
    public var nanoseconds: Int64

    /// A span of exactly `nanoseconds`.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// A span of whole seconds (saturating at the limits of `Int64` nanoseconds).
    public init(seconds: Int64) { self.nanoseconds = TimeSpan.saturatingMultiply(seconds, 1_000_000_000) }

    /// `n` seconds.
    public static func seconds(_ n: Int64) -> TimeSpan { TimeSpan(seconds: n) }
    /// `n` minutes.
    public static func minutes(_ n: Int64) -> TimeSpan { TimeSpan(seconds: saturatingMultiply(n, 60)) }
    /// `n` hours.
    public static func hours(_ n: Int64) -> TimeSpan { TimeSpan(seconds: saturatingMultiply(n, 3600)) }
    /// `n` days of 24 hours.
    public static func days(_ n: Int64) -> TimeSpan { TimeSpan(seconds: saturatingMultiply(n, 86_400)) }
    /// `n` weeks of 7 × 24 hours.
    public static func weeks(_ n: Int64) -> TimeSpan { TimeSpan(seconds: saturatingMultiply(n, 604_800)) }

    /// The span in (possibly fractional) seconds.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Orders spans by length, shorter first.
    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The span between two instants, `to - from` (saturating).
    public static func between(_ from: Timestamp, _ to: Timestamp) -> TimeSpan {
        let (d, o) = to.nanoseconds.subtractingReportingOverflow(from.nanoseconds)
        return TimeSpan(nanoseconds: o ? (to > from ? .max : .min) : d)
    }

    /// Parses `90s`, `10m`, `12h`, `30d`, `2w`, `500ms`, several parts together (`1h30m`, `1d12h`), and the
    /// spelled-out units (`3 days`, `1 hour 30 min`).
    /// Digits are required before each unit; a single leading `+` or `-` sets the sign. Surrounding spaces
    /// are ignored. Returns nil for anything else, including a bare number (the unit is never guessed) and
    /// values beyond about 292 years.
    public static func parse(_ text: String) -> TimeSpan? {
        var bytes = Array(text.utf8)[...]
        while bytes.first == UInt8(ascii: " ") { bytes = bytes.dropFirst() }
        while bytes.last == UInt8(ascii: " ") { bytes = bytes.dropLast() }
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true; bytes = bytes.dropFirst()
        } else if bytes.first == UInt8(ascii: "+") {
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty else { return nil }
        var total: Int64 = 0
        var i = bytes.startIndex
        while i < bytes.endIndex {
            var value: Int64 = 0
            var digits = 0
            while i < bytes.endIndex, (48...57).contains(bytes[i]) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
                if o1 || o2 { return nil }
                value = a; digits += 1; i += 1
            }
            guard digits > 0 else { return nil }
            var unitEnd = i
            while unitEnd < bytes.endIndex, !(48...57).contains(bytes[unitEnd]) { unitEnd += 1 }
            let unit = String(decoding: bytes[i..<unitEnd], as: UTF8.self).lowercased().filter { $0 != " " }
            i = unitEnd
            let scale: Int64
            switch unit {
            case "ms": scale = 1_000_000
            case "s", "sec", "secs", "second", "seconds": scale = 1_000_000_000
            case "m", "min", "mins", "minute", "minutes": scale = 60_000_000_000
            case "h", "hr", "hrs", "hour", "hours": scale = 3_600_000_000_000
            case "d", "day", "days": scale = 86_400_000_000_000
            case "w", "week", "weeks": scale = 604_800_000_000_000
            default: return nil
            }
            let (p, o1) = value.multipliedReportingOverflow(by: scale)
            let (s, o2) = total.addingReportingOverflow(p)
            if o1 || o2 { return nil }
            total = s
        }
        return TimeSpan(nanoseconds: negative ? -total : total)
    }

    /// Compact text with at most two units, largest first, the second one zero-padded:
    /// `45s`, `3m12s`, `1h05m`, `2d03h`, `0s`; sub-second spans print as `850ms`. Negative spans get a `-`.
    public var description: String {
        if nanoseconds == .min { return "-" + TimeSpan(nanoseconds: .max).description }
        if nanoseconds < 0 { return "-" + TimeSpan(nanoseconds: -nanoseconds).description }
        if nanoseconds < 1_000_000_000 {
            return nanoseconds == 0 ? "0s" : "\(nanoseconds / 1_000_000)ms"
        }
        let s = nanoseconds / 1_000_000_000
        let d = s / 86_400, h = (s % 86_400) / 3600, m = (s % 3600) / 60, sec = s % 60
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        if d > 0 { return "\(d)d\(two(h))h" }
        if h > 0 { return "\(h)h\(two(m))m" }
        if m > 0 { return "\(m)m\(two(sec))s" }
        return "\(sec)s"
    }

    static func saturatingMultiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { return (a < 0) != (b < 0) ? .min : .max }
        return r
    }
}

extension Timestamp {
    /// This instant moved by `span` (saturating at the representable range).
    public func advanced(by span: TimeSpan) -> Timestamp {
        let (r, o) = nanoseconds.addingReportingOverflow(span.nanoseconds)
        return Timestamp(nanoseconds: o ? (span.nanoseconds > 0 ? .max : .min) : r)
    }
}
