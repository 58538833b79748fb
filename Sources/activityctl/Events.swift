import ArgumentParser
import ActivityModel
import ActivityStore

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List events, filtered through the index.",
        discussion: """
        Examples:
          activityctl events --user alice --format jsonl
          activityctl events --category login --action login_failed --since 2026-11-01T00:00:00Z
          activityctl --data-dir ./data events --limit 20 --reverse
        """
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Only this user (repeatable).") var user: [String] = []
    @Option(help: "Only this remote address (repeatable).") var ip: [String] = []
    @Option(help: "login, activity or admin (repeatable).") var category: [String] = []
    @Option(help: "Only this action (repeatable).") var action: [String] = []
    @Option(help: "success, failure or unknown.") var outcome: [String] = []
    @Option(help: "Entry method (ssh, web, api...).") var entry: [String] = []
    @Option(help: "ISO country code from GeoIP.") var country: [String] = []
    @Flag(help: "Only events from VPN, proxy or Tor addresses.") var vpn = false
    @Option(help: "Events at or after this time (RFC 3339).") var since: String?
    @Option(help: "Events before this time (RFC 3339).") var until: String?
    @Option(help: "At most this many events.") var limit: Int?
    @Flag(help: "Newest first.") var reverse = false
    @Option(help: "table, json or jsonl.") var format: OutputFormat = .table

    func query() throws -> EventQuery {
        var q = EventQuery()
        if !user.isEmpty { q.terms[.user] = Set(user) }
        if !ip.isEmpty {
            q.terms[.ip] = Set(try ip.map {
                guard let a = IPAddress($0) else { throw ValidationError("--ip \($0) is not an address") }
                return a.description
            })
        }
        if !category.isEmpty { q.terms[.category] = Set(category.map { $0.lowercased() }) }
        if !action.isEmpty { q.terms[.action] = Set(action) }
        if !outcome.isEmpty { q.terms[.outcome] = Set(outcome) }
        if !entry.isEmpty { q.terms[.entry] = Set(entry) }
        if !country.isEmpty { q.terms[.country] = Set(country.map { $0.uppercased() }) }
        if vpn { q.terms[.net] = ["vpn", "proxy", "tor"] }
        if let since {
            guard let t = Timestamp.parseRFC3339(since[...], defaultOffsetSeconds: 0) else { throw ValidationError("--since: not a time: \(since)") }
            q.since = t
        }
        if let until {
            guard let t = Timestamp.parseRFC3339(until[...], defaultOffsetSeconds: 0) else { throw ValidationError("--until: not a time: \(until)") }
            q.until = t
        }
        q.limit = limit
        q.reverse = reverse
        return q
    }

    func run() throws {
        let reader = try data.openReader()
        let q = try query()
        var out = Output()
        switch format {
        case .jsonl:
            try reader.query(q) { out.line($0.exportJSON()); return true }
        case .json:
            var first = true
            out.line("[")
            try reader.query(q) { e in
                out.line((first ? "" : ",") + e.exportJSON())
                first = false
                return true
            }
            out.line("]")
        case .table:
            var rows: [[String]] = []
            try reader.query(q) { rows.append(TableFormat.row($0)); return true }
            for l in TableFormat.render(header: TableFormat.header, rows: rows) { out.line(l) }
        }
        out.flush()
        for d in reader.damage { printError("activityctl: warning: \(d)") }
    }
}

enum TableFormat {
    static let header = ["SEQ", "TIME", "CATEGORY", "ACTION", "OUTCOME", "USER", "IP", "DEVICE", "LOCATION"]

    static func row(_ e: ActivityEvent) -> [String] {
        let loc = [e.geo?.city, e.geo?.country].compactMap { $0 }.joined(separator: ", ")
        return [String(e.seq), e.time.rfc3339(), e.category.rawValue, e.action.rawValue, e.outcome.rawValue,
                e.user ?? "", e.ip?.description ?? "", e.device ?? "", loc].map(safe)
    }

    /// Control characters and escape sequences are shown escaped, never sent raw to the terminal.
    static func safe(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u.value {
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0..<0x20, 0x7F, 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069:
                out += u.value < 0x100 ? "\\x" + hex(u.value, 2) : "\\u" + hex(u.value, 4)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func hex(_ v: UInt32, _ w: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, w - s.count)) + s
    }

    static func render(header: [String], rows: [[String]]) -> [String] {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ")
        }
        return [line(header)] + rows.map(line)
    }
}
