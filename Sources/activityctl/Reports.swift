import ArgumentParser
import Foundation
import ActivityModel
import ActivityReports
import ActivityStore

/// The login attempts (successes, failures, MFA results) the reports read, lazily, in event time order
/// (`EventOrder.time`: frames merged by their time bounds, so only frames whose times overlap are held at
/// once, never the whole store; an imported old log is read where it belongs in time, not where it was
/// received). The index picks the actions, so logouts and activity are never decoded.
///
/// `withAttributes` keeps `attrs`, where the daemon stores the reasons for the risk flags it set at ingest.
func loginAttempts(
    _ reader: StoreReader, since: Timestamp? = nil, until: Timestamp? = nil,
    withAttributes: Bool = false
) throws -> EventRead {
    var q = EventQuery()
    q.terms[.action] = LoginEventKind.attemptActions
    q.omit = withAttributes ? OmittedFields.reportExtras.subtracting(.attributes) : .reportExtras
    q.since = since
    q.until = until
    q.order = .time
    return try reader.read(q, prefetch: true)
}

extension StoreReader {
    /// The events `q` matches, for printing: a long answer is read with prefetch (frames decoded on the other
    /// cores while this thread formats); a short one (a small `--limit`) is not, so nothing is decoded ahead
    /// in vain.
    func readForOutput(_ q: EventQuery) throws -> EventRead {
        try read(q, prefetch: (q.limit ?? .max) > 4096)
    }
}

/// What `users` and `report suspicious` print: a table or one JSON object per line (CSV is `export`'s).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl
}

struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Every user's last login and logout, status now, entry method, last IP and location, counts.",
        discussion: """
            Status is logged_in, logged_out, timed_out (no logout within --session-timeout, \
            or a session_timeout event), locked or disabled. --inactive-since lists accounts \
            with no successful login in that time.

            Examples:
              activityctl users                        # last login/logout, status
              activityctl users --inactive-since 30d   # accounts nobody used for 30 days
              activityctl users --format json --tz UTC
            """
    )
    @OptionGroup var data: DataOptions
    @OptionGroup var display: DisplayOptions
    @Option(help: "Only accounts with no successful login in this long (e.g. 30d).") var inactiveSince: String?
    @Option(help: "A login with no logout after this long counts as timed out.") var sessionTimeout: String = "12h"
    @Option(help: ArgumentHelp("table, json or jsonl (both print one object per line). " + terminalNote)) var format:
        ReportFormat = .table

    func run() throws {
        let reader = try data.openReader()
        guard let timeout = TimeSpan.parse(sessionTimeout) else {
            throw ValidationError("--session-timeout: not a duration")
        }
        let now = try display.now()
        // The indexes' per-user digests answer for the events they cover; only the rest is decoded.
        var users = UsersAccumulator()
        try reader.accountHistory { part in
            switch part {
            case .digests(let digests): users.add(digests: digests)
            case .events(let events): for e in events { users.add(e) }
            }
        }
        var summaries = users.summaries(now: now, sessionTimeout: timeout)
        if let inactiveSince {
            guard let span = TimeSpan.parse(inactiveSince) else {
                throw ValidationError("--inactive-since: not a duration such as 30d")
            }
            summaries = summaries.inactive(since: Timestamp(nanoseconds: now.nanoseconds - span.nanoseconds))
        }
        let formatter = try display.formatter
        var out = Output()
        if format == .json || format == .jsonl {
            for s in summaries {
                var w = JSONWriter()
                w.begin()
                w.key("user"); w.string(s.user)
                w.key("status"); w.string(s.status.rawValue)
                w.field("last_login", s.lastLogin.map(formatter.string(from:)))
                w.field("last_logout", s.lastLogout.map(formatter.string(from:)))
                w.field("entry", s.entry)
                w.field("last_ip", s.lastIP?.description)
                w.field("location", s.locationText)
                w.key("logins"); w.raw(String(s.loginCount))
                w.key("failures_since_success"); w.raw(String(s.failuresSinceLastSuccess))
                w.end()
                out.json(w.out)
            }
        } else {
            out.raw(
                Table.users(summaries, formatter: formatter).render(
                    maxWidth: display.terminalWidth, colour: display.useColour))
        }
        out.flush()
        var damage = DamageReport()
        try damage.finish(reader)
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports: logins per user, failure bursts, suspicious logins.",
        discussion: """
            Examples:
              activityctl report logins --since -30d
              activityctl report failures --threshold 5 --window 10m --since -7d
              activityctl report suspicious --since -30d --tz Europe/Berlin
            """,
        subcommands: [Logins.self, Failures.self, Suspicious.self]
    )

    struct Logins: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logins",
            abstract: "Logins per user and how often they use the service (per active day and week).",
            discussion: """
                Examples:
                  activityctl report logins --since -30d
                  activityctl report logins --since 2026-11-01 --until 2026-12-01 \\
                    --tz Europe/Berlin
                """
        )
        @OptionGroup var data: DataOptions
        @OptionGroup var display: DisplayOptions
        @Option(parsing: .unconditional, help: "From (RFC 3339, YYYY-MM-DD, -30d, today...).") var since: String?
        @Option(parsing: .unconditional, help: "Until (same forms).") var until: String?

        func run() throws {
            let reader = try data.openReader()
            let since = try display.time(since, option: "--since"), until = try display.time(until, option: "--until")
            let formatter = try display.formatter
            // The indexes' logins sections answer for the events they cover; only the rest is decoded.
            let attempts = try reader.loginAttempts(since: since, until: until)
            let report = loginReport(
                attempts: attempts, since: since, until: until, formatter: formatter)
            var out = Output()
            out.raw(
                Table.logins(report, formatter: formatter).render(
                    maxWidth: display.terminalWidth, colour: display.useColour))
            out.flush()
            var damage = DamageReport()
            try damage.finish(reader)
        }
    }

    struct Failures: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "failures",
            abstract: "Bursts of failed logins: N failures within a window, per user and per IP.",
            discussion: """
                Examples:
                  activityctl report failures --threshold 5 --window 10m --since -7d
                """
        )
        @OptionGroup var data: DataOptions
        @OptionGroup var display: DisplayOptions
        @Option(help: "Failures that make a burst.") var threshold = 5
        @Option(help: "Window the failures fall in (e.g. 10m).") var window = "10m"
        @Option(parsing: .unconditional, help: "From (RFC 3339, YYYY-MM-DD, -7d, today...).") var since: String?
        @Option(parsing: .unconditional, help: "Until (same forms).") var until: String?

        func run() throws {
            let reader = try data.openReader()
            guard let w = TimeSpan.parse(window) else { throw ValidationError("--window: not a duration") }
            let since = try display.time(since, option: "--since"), until = try display.time(until, option: "--until")
            let attempts = try reader.loginAttempts(since: since, until: until)
            let bursts = failureBursts(
                attempts: attempts,
                options: FailureBurstOptions(threshold: threshold, window: w, successWithin: .hours(1)))
            var out = Output()
            out.raw(
                Table.bursts(bursts, formatter: try display.formatter).render(
                    maxWidth: display.terminalWidth, colour: display.useColour))
            out.flush()
            var damage = DamageReport()
            try damage.finish(reader)
        }
    }

    struct Suspicious: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suspicious",
            abstract:
                "Suspicious logins, each with why: a new country for the user, impossible travel, VPN/proxy/Tor/hosting, success after a failure burst, a new device.",
            discussion: """
                Logins the daemon assessed at ingest are shown with the flags it stored \
                (its [risk] settings); older events are recomputed. --recompute \
                recomputes everything.

                Examples:
                  activityctl report suspicious --since -30d
                  activityctl report suspicious --max-speed 900 --format json
                """
        )
        @OptionGroup var data: DataOptions
        @OptionGroup var display: DisplayOptions
        @Option(help: "Travel faster than this (km/h, after subtracting accuracy radii) is impossible.") var maxSpeed =
            1000.0
        @Option(parsing: .unconditional, help: "From (RFC 3339, YYYY-MM-DD, -7d, today...).") var since: String?
        @Option(parsing: .unconditional, help: "Until (same forms).") var until: String?
        @Option(help: ArgumentHelp("table, json or jsonl (both print one object per line). " + terminalNote))
        var format: ReportFormat = .table
        @Flag(help: "Recompute every flag (with --max-speed) instead of reading those the daemon stored at ingest.")
        var recompute = false

        func run() throws {
            var reader = try data.openReader()
            let since = try display.time(since, option: "--since"), until = try display.time(until, option: "--until")
            // When every login in the range was assessed at ingest, the rows are the flagged ones alone: read
            // through the indexes' logins sections, only those events are decoded. Otherwise fold them all.
            var stored: [SuspiciousLogin]? = nil
            if !recompute {
                let r = reader
                stored = try storedSuspiciousLogins(attempts: try r.loginAttempts(since: since, until: until)) {
                    try r.events(seqs: $0, omit: OmittedFields.reportExtras.subtracting(.attributes))
                }
                // A fresh reader for the events: the damage the attempts met is met (and reported) once.
                if stored == nil { reader = try data.openReader() }
            }
            let rows =
                try stored
                ?? suspiciousLogins(
                    events: try loginAttempts(reader, since: since, until: until, withAttributes: !recompute),
                    options: SuspiciousOptions(maxSpeedKmh: maxSpeed, useStoredFlags: !recompute))
            let formatter = try display.formatter
            var out = Output()
            if format == .json || format == .jsonl {
                for r in rows {
                    var w = JSONWriter()
                    w.begin()
                    w.key("seq"); w.raw(String(r.event.seq))
                    w.key("time"); w.string(formatter.string(from: r.event.time))
                    w.field("user", r.event.user)
                    w.field("ip", r.event.ip?.description)
                    w.field("country", r.event.geo?.country)
                    w.key("kinds"); w.string(r.kindNames)
                    w.key("why"); w.string(r.why)
                    w.end()
                    out.json(w.out)
                }
            } else {
                out.raw(
                    Table.suspicious(rows, formatter: formatter).render(
                        maxWidth: display.terminalWidth, colour: display.useColour))
            }
            out.flush()
            var damage = DamageReport()
            try damage.finish(reader)
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export events as CSV with the payments report's columns.",
        discussion: """
            Columns: Date, User name, Activity, Subscription reference, Order reference, \
            Price/Amount, Currency, Billing cycles, Comment, IP, Country, City, Device. \
            Dates in --tz. Cells a spreadsheet would execute (starting with =, +, -, @, \
            tab or CR, unless a plain number) are prefixed with a single quote.

            Examples:
              activityctl export --csv --since 2026-11-01 --tz America/New_York > out.csv
              activityctl export --csv --user alice --category activity
            """
    )
    @OptionGroup var data: DataOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var display: DisplayOptions
    @Flag(help: ArgumentHelp("CSV (the only export format; the flag is for clarity). " + terminalNote)) var csv = false

    func run() throws {
        let reader = try data.openReader()
        let q = try filters.query(display: display)
        let export = CSVExport(formatter: try display.formatter)
        var out = Output()
        out.csv(CSVExport.record(CSVExport.columns))
        for e in try reader.readForOutput(q) { out.csv(export.record(for: e)) }
        out.flush()
        var damage = DamageReport()
        try damage.finish(reader)
    }
}
