import ActivityModel

/// CSV export with the payments seed's columns in its order, then the location columns:
/// `Date, User name, Activity, Subscription reference, Order reference, Price/Amount, Currency, Billing cycles,
/// Comment, IP, Country, City, Device`.
///
/// - Dates are printed by a ``TimeFormatter`` (`2026-03-29 01:30:00 +01:00`), so the file says its zone.
/// - Activity is the normalized action (`refund_issued`), never translated, so files from any locale compare.
/// - Quoting follows RFC 4180: a cell containing `,`, `"`, CR or LF is wrapped in `"` with inner quotes
///   doubled; records end with CRLF.
/// - **Formula neutralization.** A cell a spreadsheet would execute as a formula (its first character is `=`,
///   `+`, `-`, `@`, a tab or a CR) gets a single quote `'` in front, so `=HYPERLINK(...)` in a user name shows
///   as text. A plain decimal number such as `-5.00` or `+3` is not executable and stays as it is, so refund
///   amounts remain numbers. The quote is data: a consumer that needs the original must strip one leading `'`
///   from cells that start with `'` followed by one of those characters.
public struct CSVExport: Sendable {
    /// How the Date column is printed.
    public var formatter: TimeFormatter

    /// An exporter printing dates with `formatter`.
    public init(formatter: TimeFormatter = .utc) { self.formatter = formatter }

    /// Each column and the event field it shows (a path of ``ActivityEvent/Field/allPaths``), in column order.
    public static let layout: [(column: String, field: String)] = [
        ("Date", "time"), ("User name", "user"), ("Activity", "action"),
        ("Subscription reference", "commerce.subscription"),
        ("Order reference", "commerce.order"), ("Price/Amount", "commerce.amount"), ("Currency", "commerce.currency"),
        ("Billing cycles", "commerce.billing_cycles"), ("Comment", "comment"), ("IP", "ip"), ("Country", "geo.country"),
        ("City", "geo.city"), ("Device", "device"),
    ]

    /// The fields the CSV leaves out, and why: its columns are the payments seed's, fixed so that files from
    /// every version compare. A field neither in ``layout`` nor here fails `EventFieldCoverageTests`.
    public static let omitted: [String: String] = {
        var out: [String: String] = [:]
        let seedHasNoColumn = "the payments seed has no such column (use `events --format jsonl` for every field)"
        for path in [
            "seq", "ingested", "category", "outcome", "reason", "actor", "actor_role", "account", "session",
            "entry", "port", "host", "service", "attrs",
        ] { out[path] = seedHasNoColumn }
        for m in ActivityEvent.Field.geo.members where m != "country" && m != "city" {
            out["geo." + m] = "the location is Country and City; the rest of geo is in the JSON export"
        }
        for p in ActivityEvent.Field.net.paths { out[p] = "enrichment flags: in the JSON export and `events --vpn`" }
        for p in ActivityEvent.Field.origin.paths { out[p] = "where the daemon read the event, not a payments fact" }
        for p in ActivityEvent.Field.risk.paths { out[p] = "risk verdicts: `report --kind suspicious`" }
        return out
    }()

    /// The header row.
    public static let columns = layout.map(\.column)

    /// The cells of one event, unquoted and not yet neutralized (in ``columns`` order).
    public func cells(for e: ActivityEvent) -> [String] {
        let c = e.commerce
        return [
            formatter.string(from: e.time), e.user ?? "", e.action.rawValue, c?.subscription ?? "", c?.order ?? "",
            c?.amount ?? "", c?.currency ?? "", c?.billingCycles.map(String.init) ?? "", e.comment ?? "",
            e.ip?.description ?? "", e.geo?.country ?? "", e.geo?.city ?? "", e.device ?? "",
        ]
    }

    /// One CSV record (neutralized, quoted, ending in CRLF) for `e`.
    public func record(for e: ActivityEvent) -> String { CSVExport.record(cells(for: e)) }

    /// The header followed by one record per event.
    public func document(events: some Sequence<ActivityEvent>) -> String {
        var out = CSVExport.record(CSVExport.columns)
        for e in events { out += record(for: e) }
        return out
    }

    /// Neutralizes and quotes each cell, joins them with `,` and ends the record with CRLF.
    public static func record(_ cells: [String]) -> String {
        var out = ""
        for (i, cell) in cells.enumerated() {
            if i > 0 { out += "," }
            out += quote(neutralize(cell))
        }
        out += "\r\n"
        return out
    }

    /// RFC 4180 quoting: wraps the cell in `"` (doubling inner quotes) when it holds `,`, `"`, CR or LF.
    public static func quote(_ cell: String) -> String {
        var needs = false
        for b in cell.utf8 where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 10 || b == 13 {
            needs = true; break
        }
        guard needs else { return cell }
        return "\"" + cell.replacingAll("\"", with: "\"\"") + "\""
    }

    /// Prefixes `'` to a cell that a spreadsheet would run as a formula: one starting with `=`, `+`, `-`, `@`,
    /// tab or CR, unless the whole cell is a plain decimal number (`-5.00`, `+12`, `-0.5`).
    public static func neutralize(_ cell: String) -> String {
        guard let first = cell.utf8.first else { return cell }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "@"), 9, 13: return "'" + cell
        case UInt8(ascii: "+"), UInt8(ascii: "-"): return isPlainDecimal(cell) ? cell : "'" + cell
        default: return cell
        }
    }

    /// `[+-]?digits[.digits]`: nothing a spreadsheet could evaluate beyond a number.
    static func isPlainDecimal(_ s: String) -> Bool {
        var bytes = s.utf8[...]
        if let f = bytes.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        var intDigits = 0, fracDigits = 0, seenDot = false
        for b in bytes {
            if (48...57).contains(b) {
                if seenDot { fracDigits += 1 } else { intDigits += 1 }
            } else if b == UInt8(ascii: "."), !seenDot {
                seenDot = true
            } else {
                return false
            }
        }
        return intDigits > 0 && (!seenDot || fracDigits > 0)
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count + 2)
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
