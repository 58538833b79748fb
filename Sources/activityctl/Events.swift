import ArgumentParser
import Foundation
import ActivityModel
import ActivityReports
import ActivityStore

extension EventOrder: ExpressibleByArgument {}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv
}

/// The event filters shared by `events` and `export`; term filters are answered through the index.
struct FilterOptions: ParsableArguments {
    @Option(help: "Only this user (repeatable).") var user: [String] = []
    @Option(help: "Only this remote address (repeatable).") var ip: [String] = []
    @Option(help: "login, activity or admin (repeatable).") var category: [String] = []
    @Option(help: "Only this action (repeatable).") var action: [String] = []
    @Option(help: "success, failure or unknown (repeatable).") var outcome: [String] = []
    @Option(help: "Entry method: ssh, web, mobile, api... (repeatable).") var entry: [String] = []
    @Option(help: "ISO country code from GeoIP (repeatable).") var country: [String] = []
    @Flag(help: "Only events from VPN, proxy or Tor addresses.") var vpn = false
    @Option(help: "Only events of this host (repeatable; a collector's store holds many).") var host: [String] = []
    @Option(
        parsing: .unconditional,
        help: "From this time: RFC 3339, 'YYYY-MM-DD [HH:MM]' (in --tz), -7d, -12h, today, yesterday.") var since:
        String?
    @Option(parsing: .unconditional, help: "Before this time (same forms as --since).") var until: String?
    @Option(
        help:
            "time: by event time, the default (an imported old log shows where it belongs); seq: storage order, as received."
    )
    var order: EventOrder = .time

    func query(display: DisplayOptions) throws -> EventQuery {
        var f = EventFilter()
        f.users = user
        f.ips = ip
        f.categories = category
        f.actions = action
        f.outcomes = outcome
        f.entries = entry
        f.countries = country
        f.vpn = vpn
        f.hosts = host
        do {
            return try f.query(
                since: try display.time(since, option: "--since"), until: try display.time(until, option: "--until"),
                order: order)
        } catch let e as EventFilter.Invalid {
            throw ValidationError("--\(e.field) \(e.value) is not an address")
        }
    }
}

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List events, filtered through the index.",
        discussion: """
            Events are listed by event time (ties in storage order), like journalctl interleaving journal \
            files; --order seq lists them as stored (received), which differs where an old log was imported \
            or a sender's clock was off. --limit with --reverse gives the newest by time.

            Examples:
              activityctl events --user alice         # history: date, device, IP, location
              activityctl events --user alice --format jsonl
              activityctl events --category login --outcome failure --since -24h
              activityctl events --vpn --since yesterday --tz Europe/Berlin
              activityctl events --limit 20 --reverse --output-fields time,user,ip,location
            """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var display: DisplayOptions
    @Option(help: "At most this many events.") var limit: Int?
    @Flag(help: "Newest first (in the --order chosen).") var reverse = false
    @Option(help: ArgumentHelp("table, json, jsonl or csv (the payments export's columns). " + terminalNote))
    var format: OutputFormat = .table
    @Option(help: "Comma-separated fields for table and jsonl output (see the README for names).") var outputFields:
        String?

    static let defaultColumns = ["time", "category", "action", "outcome", "user", "entry", "device", "ip", "location"]

    func run() throws {
        let reader = try data.openReader()
        var q = try filters.query(display: display)
        q.limit = limit
        q.reverse = reverse
        let formatter = try display.formatter
        let fields = try EventField.parseList(outputFields)
        var out = Output()
        switch format {
        case .jsonl, .json:
            if format == .json { out.line("[") }
            var first = true
            for e in try reader.readForOutput(q) {
                let text: String
                if let fields {
                    var w = JSONWriter()
                    w.begin()
                    for f in fields {
                        guard let v = EventField.value(e, f, formatter: formatter) else { continue }
                        w.key(f)
                        // Numbers and flags as JSON numbers and booleans, as in the export form.
                        if EventField.jsonLiterals.contains(f) { w.raw(v) } else { w.string(v) }
                    }
                    w.end()
                    text = w.out
                } else {
                    text = e.exportJSON()
                }
                out.json(format == .json ? (first ? "" : ",") + text : text)
                first = false
            }
            if format == .json { out.line("]") }
        case .csv:
            let csv = CSVExport(formatter: formatter)
            out.csv(CSVExport.record(CSVExport.columns))
            for e in try reader.readForOutput(q) { out.csv(csv.record(for: e)) }
        case .table:
            let columns = fields ?? Events.defaultColumns
            var table = Table(
                columns: columns.map { Table.Column($0.uppercased(), alignment: $0 == "seq" ? .right : .left) })
            for e in try reader.readForOutput(q) {
                table.append(columns.map { EventField.value(e, $0, formatter: formatter) ?? "" })
            }
            out.raw(table.render(maxWidth: display.terminalWidth, colour: display.useColour))
        }
        out.flush()
        var damage = DamageReport()
        try damage.finish(reader)
    }
}
