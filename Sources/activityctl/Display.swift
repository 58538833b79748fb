import ArgumentParser
import Foundation
import ActivityModel
import ActivityReports

/// Time zone, colour and width: how results are shown. Shared by every subcommand that prints events.
struct DisplayOptions: ParsableArguments {
    @Option(help: "Show times in this IANA zone (e.g. Europe/Berlin, UTC); default: the local zone.")
    var tz: String?

    @Option(help: "Colour in tables: auto (only on a terminal, never with NO_COLOR), always, never.")
    var color: String = "auto"

    /// Pins "now" (RFC 3339) for reproducible output: golden tests and documentation examples. Hidden from help.
    @Option(name: .customLong("now"), help: .hidden)
    var nowText: String?

    var timeZone: TimeZone {
        get throws {
            guard let tz else { return TimeZone.current }
            guard let z = TimeZone(identifier: tz) else { throw ValidationError("--tz: unknown time zone \(tz)") }
            return z
        }
    }

    var formatter: TimeFormatter {
        get throws { TimeFormatter(timeZone: try timeZone) }
    }

    var useColour: Bool {
        switch color {
        case "always": return true
        case "never": return false
        default: return isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
    }

    /// The terminal's width when stdout is a terminal; nil (no limit) otherwise.
    var terminalWidth: Int? {
        guard isatty(1) == 1 else { return nil }
        var ws = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 else { return nil }
        return Int(ws.ws_col)
    }

    /// The current time: `--now` when given, else the system clock. Every "now" in activityctl (user status,
    /// `--inactive-since`, relative `--since`/`--until`) comes from here.
    func now() throws -> Timestamp {
        guard let nowText else { return SystemClock.now() }
        guard let t = Timestamp.parseRFC3339(nowText[...], defaultOffsetSeconds: 0) else {
            throw ValidationError("--now: not RFC 3339: \(nowText)")
        }
        return t
    }

    /// Resolves `--since`/`--until` text: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` (in --tz), `-7d`, `-12h`, `today`,
    /// `yesterday`, `now`.
    func time(_ text: String?, option: String) throws -> Timestamp? {
        guard let text else { return nil }
        do {
            return try TimeExpression.resolve(text, now: try now(), timeZone: try timeZone)
        } catch {
            throw ValidationError("\(option): \(error)")
        }
    }
}

extension EventField {
    static func parseList(_ text: String?) throws -> [String]? {
        guard let text else { return nil }
        let list = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for n in list where !names.contains(n) && !n.hasPrefix("attrs.") {
            throw ValidationError(
                "--output-fields: unknown field \(n); known: \(names.joined(separator: ", ")), attrs.KEY")
        }
        return list
    }
}
