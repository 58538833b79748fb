import ActivityModel
import Foundation
import Synchronization

/// Prints timestamps as wall-clock time in one IANA time zone with the offset in force at that instant:
/// `2026-03-29 01:30:00 +01:00`, then `2026-03-29 03:30:00 +02:00` an hour later, across the DST change.
///
/// The offset comes from `TimeZone.secondsFromGMT(for:)` for each instant, so every row of a report is
/// correct on its own side of a DST change. Historical offsets with seconds print as `+00:53:28`.
///
/// Looking the offset up is the slow part of formatting, so each formatter remembers the last offset together
/// with the interval up to the zone's next transition (`TimeZone.nextDaylightSavingTimeTransition(after:)`) and
/// reuses it for instants inside that interval. Copies share the cache; it is guarded by a `Mutex`, so a
/// formatter may be used from several tasks.
public struct TimeFormatter: Sendable {
    /// The zone times are shown in.
    public let timeZone: TimeZone
    /// Whether to append the sub-second part (`.123456789`) when it is not zero.
    public var showsFraction: Bool
    private let cache: OffsetCache

    /// A formatter for `timeZone`.
    public init(timeZone: TimeZone, showsFraction: Bool = false) {
        self.timeZone = timeZone
        self.showsFraction = showsFraction
        self.cache = OffsetCache()
    }

    /// A formatter for the IANA zone `identifier` (`Europe/Berlin`, `UTC`); nil when the zone is unknown.
    public init?(identifier: String, showsFraction: Bool = false) {
        guard let tz = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: tz, showsFraction: showsFraction)
    }

    /// UTC, printed with `+00:00`.
    public static let utc = TimeFormatter(timeZone: TimeZone(secondsFromGMT: 0) ?? .gmt)

    /// Seconds east of UTC in force at `ts`.
    public func offsetSeconds(at ts: Timestamp) -> Int {
        let s = ts.seconds
        if let hit = cache.lookup(s) { return hit }
        let date = Date(timeIntervalSince1970: Double(s))
        let offset = timeZone.secondsFromGMT(for: date)
        var until = Int64.max
        if let next = timeZone.nextDaylightSavingTimeTransition(after: date) {
            let t = next.timeIntervalSince1970.rounded(.down)
            until = t.isFinite && abs(t) < 9e15 ? Int64(t) : s + 1
        }
        cache.store(from: s, until: max(until, s + 1), offset: offset)
        return offset
    }

    /// `YYYY-MM-DD HH:MM:SS ±HH:MM` in the zone.
    public func string(from ts: Timestamp) -> String {
        let offset = offsetSeconds(at: ts)
        let (local, o) = ts.seconds.addingReportingOverflow(Int64(offset))
        let l = o ? ts.seconds : local
        let dayNumber = l >= 0 ? l / 86_400 : (l - 86_399) / 86_400
        let sod = l - dayNumber * 86_400
        let (y, mo, d) = CivilDate.fromDays(dayNumber)
        // Written as bytes into one buffer (this runs for every time cell of a table: building it from small
        // strings was most of `activityctl users`' formatting time). Years outside 0...9999 and the
        // sub-minute offsets of old zones take the general path below.
        guard (0...9999).contains(y), offset % 60 == 0, abs(offset) < 100 * 3600 else {
            return slowString(y: y, mo: mo, d: d, sod: sod, ts: ts, offset: offset)
        }
        let fraction = showsFraction && ts.subsecondNanos != 0
        return String(unsafeUninitializedCapacity: fraction ? 36 : 26) { buf in
            var i = 0
            @inline(__always) func digits(_ v: Int64, _ width: Int) {
                var v = v
                var k = i + width - 1
                while k >= i { buf[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10; k -= 1 }
                i += width
            }
            @inline(__always) func byte(_ c: UInt8) { buf[i] = c; i += 1 }
            digits(y, 4); byte(0x2D); digits(mo, 2); byte(0x2D); digits(d, 2); byte(0x20)
            digits(sod / 3600, 2); byte(0x3A); digits((sod % 3600) / 60, 2); byte(0x3A); digits(sod % 60, 2)
            if fraction { byte(0x2E); digits(ts.subsecondNanos, 9) }
            byte(0x20)
            let a = Int64(abs(offset))
            byte(offset < 0 ? 0x2D : 0x2B); digits(a / 3600, 2); byte(0x3A); digits((a % 3600) / 60, 2)
            return i
        }
    }

    private func slowString(y: Int64, mo: Int64, d: Int64, sod: Int64, ts: Timestamp, offset: Int) -> String {
        var out = ""
        out.reserveCapacity(36)
        out += Self.pad(y, 4); out += "-"; out += Self.pad(mo, 2); out += "-"; out += Self.pad(d, 2); out += " "
        out += Self.pad(sod / 3600, 2); out += ":"; out += Self.pad((sod % 3600) / 60, 2); out += ":"
        out += Self.pad(sod % 60, 2)
        if showsFraction, ts.subsecondNanos != 0 { out += "."; out += Self.pad(ts.subsecondNanos, 9) }
        out += " "
        out += Self.offsetText(offset)
        return out
    }

    /// `+01:00`, `-04:00`, `+05:45`, `+00:53:28`.
    public static func offsetText(_ seconds: Int) -> String {
        let a = abs(seconds)
        var s = (seconds < 0 ? "-" : "+") + pad(Int64(a / 3600), 2) + ":" + pad(Int64((a % 3600) / 60), 2)
        if a % 60 != 0 { s += ":" + pad(Int64(a % 60), 2) }
        return s
    }

    /// The local calendar day of `ts` in this zone, as days since 1970-01-01 (used to count active days).
    public func localDayNumber(_ ts: Timestamp) -> Int64 {
        let l = ts.seconds &+ Int64(offsetSeconds(at: ts))
        return l >= 0 ? l / 86_400 : (l - 86_399) / 86_400
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// The last offset looked up and the interval `[from, until)` (Unix seconds) in which it holds.
final class OffsetCache: Sendable {
    private struct Entry { var from: Int64 = 1; var until: Int64 = 0; var offset = 0 }
    private let entry = Mutex(Entry())

    func lookup(_ s: Int64) -> Int? {
        entry.withLock { e in s >= e.from && s < e.until ? e.offset : nil }
    }

    func store(from: Int64, until: Int64, offset: Int) {
        entry.withLock { $0 = Entry(from: from, until: until, offset: offset) }
    }
}
