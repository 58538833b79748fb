/// A point in time as nanoseconds since the Unix epoch, UTC.
///
/// Events carry nanosecond times (DESIGN.md). The type is a plain `Int64` underneath so that the segment
/// encoding and comparisons are free; formatting and parsing are RFC 3339 and live here so every part of the
/// product prints times the same way.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanoseconds: Int64

    /// From nanoseconds since 1970-01-01T00:00:00Z.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    /// From whole seconds since the epoch plus `nanos` nanoseconds (`nanos` may be negative or exceed a second).
    /// Arithmetic wraps on overflow (beyond about ±292 years from 1970) instead of trapping.
    public init(seconds: Int64, nanos: Int64 = 0) { self.nanoseconds = seconds &* 1_000_000_000 &+ nanos }

    /// Whole seconds, rounded toward negative infinity (never overflows).
    public var seconds: Int64 {
        let q = nanoseconds / 1_000_000_000
        return nanoseconds % 1_000_000_000 < 0 ? q - 1 : q
    }
    /// Nanoseconds past ``seconds``: 0 to 999 999 999, also before 1970.
    public var subsecondNanos: Int64 { nanoseconds - seconds * 1_000_000_000 }

    /// Earlier first.
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanoseconds < b.nanoseconds }

    /// RFC 3339 in UTC (``rfc3339(offsetSeconds:)``).
    public var description: String { rfc3339() }

    /// Formats as RFC 3339 with nanoseconds, `2026-11-22T10:00:00.123456789Z` (UTC), or with a fixed offset
    /// in seconds east of UTC (`+01:00`). Trailing sub-second zeros are kept to nine digits when any are set,
    /// and omitted when the time is a whole second, so the text round-trips exactly.
    public func rfc3339(offsetSeconds: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(36)
        appendRFC3339(to: &out, offsetSeconds: offsetSeconds)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``rfc3339(offsetSeconds:)`` appended to UTF-8 bytes (what the JSON writers use: no `String` per time).
    public func appendRFC3339<Sink: ByteSink & ~Copyable>(to out: inout Sink, offsetSeconds: Int = 0) {
        let local = seconds + Int64(offsetSeconds)
        let (y, mo, d) = CivilDate.fromDays(floorDiv(local, 86_400))
        let sod = local - floorDiv(local, 86_400) * 86_400
        let h = sod / 3600, mi = (sod % 3600) / 60, s = sod % 60
        appendPadded(y, 4, to: &out); out.put(UInt8(ascii: "-"))
        appendPadded(mo, 2, to: &out); out.put(UInt8(ascii: "-"))
        appendPadded(d, 2, to: &out); out.put(UInt8(ascii: "T"))
        appendPadded(h, 2, to: &out); out.put(UInt8(ascii: ":"))
        appendPadded(mi, 2, to: &out); out.put(UInt8(ascii: ":"))
        appendPadded(s, 2, to: &out)
        let ns = subsecondNanos
        if ns != 0 { out.put(UInt8(ascii: ".")); appendPadded(ns, 9, to: &out) }
        if offsetSeconds == 0 {
            out.put(UInt8(ascii: "Z"))
        } else {
            out.put(offsetSeconds < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let a = abs(offsetSeconds)
            appendPadded(Int64(a / 3600), 2, to: &out); out.put(UInt8(ascii: ":"))
            appendPadded(Int64((a % 3600) / 60), 2, to: &out)
        }
    }

    /// Parses RFC 3339 / ISO 8601 date-times: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`, a space allowed
    /// instead of `T`. Without a zone the time is read in `defaultOffsetSeconds`. Returns nil for anything else.
    public static func parseRFC3339(_ text: Substring, defaultOffsetSeconds: Int? = 0) -> Timestamp? {
        var text = text
        return text.withUTF8 { parseRFC3339(utf8: $0, defaultOffsetSeconds: defaultOffsetSeconds) }
    }

    /// ``parseRFC3339(_:defaultOffsetSeconds:)`` on UTF-8 bytes (decoders read times without making a string).
    public static func parseRFC3339(utf8: UnsafeBufferPointer<UInt8>, defaultOffsetSeconds: Int? = 0) -> Timestamp? {
        var p = ByteCursor(utf8)
        guard let y = p.digits(4), p.take(UInt8(ascii: "-")), let mo = p.digits(2), p.take(UInt8(ascii: "-")),
            let d = p.digits(2)
        else { return nil }
        guard p.take(UInt8(ascii: "T")) || p.take(UInt8(ascii: "t")) || p.take(UInt8(ascii: " ")) else { return nil }
        guard let h = p.digits(2), p.take(UInt8(ascii: ":")), let mi = p.digits(2), p.take(UInt8(ascii: ":")),
            let s = p.digits(2)
        else { return nil }
        var nanos: Int64 = 0
        if p.take(UInt8(ascii: ".")) || p.take(UInt8(ascii: ",")) {
            var n = 0
            var scale: Int64 = 100_000_000
            while let c = p.peek(), c >= 48, c <= 57 {
                p.advance()
                if n < 9 { nanos += Int64(c - 48) * scale; scale /= 10 }
                n += 1
            }
            if n == 0 { return nil }
        }
        var offset: Int
        if p.take(UInt8(ascii: "Z")) || p.take(UInt8(ascii: "z")) {
            offset = 0
        } else if let c = p.peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            p.advance()
            guard let oh = p.digits(2) else { return nil }
            _ = p.take(UInt8(ascii: ":"))
            guard let om = p.digits(2) else { return nil }
            offset = Int(oh * 3600 + om * 60) * (c == UInt8(ascii: "-") ? -1 : 1)
        } else {
            guard let def = defaultOffsetSeconds else { return nil }
            offset = def
        }
        guard p.atEnd, (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        let days = CivilDate.toDays(year: y, month: mo, day: d)
        let secs = days * 86_400 + h * 3600 + mi * 60 + s - Int64(offset)
        return Timestamp(seconds: secs, nanos: nanos)
    }
}

@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

/// Appends the decimal digits of `v`, left-padded with zeros to `width`: the one digit writer of the text
/// formats (times, addresses, JSON integers), which build bytes rather than `String`s.
/// (Digits fill a stack buffer from its end and are written in one piece: reversing a slice of `out` in place
/// measured 4 µs more CPU per event in the daemon, whose mirror writes a dozen numbers per event.)
@inline(__always) func appendDecimal<Sink: ByteSink & ~Copyable>(_ v: UInt64, width: Int = 1, to out: inout Sink) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
        let size = 20
        var i = size
        var x = v
        repeat { i -= 1; digits[i] = UInt8(truncatingIfNeeded: x % 10) &+ 0x30; x /= 10 } while x > 0
        for _ in 0..<max(0, width - (size - i)) { out.put(0x30) }
        out.put(UnsafeBufferPointer(rebasing: digits[i..<size]))
    }
}

/// ``appendDecimal(_:width:to:)`` for the signed parts of a time (a minus sign first when negative).
@inline(__always) func appendPadded<Sink: ByteSink & ~Copyable>(_ v: Int64, _ width: Int, to out: inout Sink) {
    if v < 0 { out.put(UInt8(ascii: "-")) }
    appendDecimal(v.magnitude, width: width, to: &out)
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil), exact for any year.
public enum CivilDate {
    /// Days since 1970-01-01 of a proleptic Gregorian date; negative before. Month 1...12, day 1...31: not validated.
    public static func toDays(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (the inverse of ``toDays(year:month:day:)``).
    public static func fromDays(_ z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}

/// A tiny forward cursor over bytes, used by the hand-written parsers in this module.
struct ByteCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
    var atEnd: Bool { index >= bytes.count }
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
    mutating func advance() { index += 1 }
    mutating func take(_ b: UInt8) -> Bool {
        if index < bytes.count, bytes[index] == b { index += 1; return true }
        return false
    }
    mutating func digits(_ n: Int) -> Int64? {
        guard index + n <= bytes.count else { return nil }
        var v: Int64 = 0
        for i in index..<(index + n) {
            let c = bytes[i]
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int64(c - 48)
        }
        index += n
        return v
    }
}
