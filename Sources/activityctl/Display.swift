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
        guard let nowText else { return nowTimestamp() }
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

func nowTimestamp() -> Timestamp {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Timestamp(seconds: Int64(ts.tv_sec), nanos: Int64(ts.tv_nsec))
}

/// Named event fields for `--output-fields` and table columns.
enum EventField {
    static let names = ["seq", "time", "ingested", "category", "action", "outcome", "reason", "user", "actor", "actor_role",
                        "account", "session", "entry", "device", "ip", "port", "host", "service", "country", "country_name",
                        "region", "city", "location", "asn", "as_org", "vpn", "proxy", "tor", "hosting", "lists",
                        "subscription", "order", "amount", "currency", "billing_cycles", "comment", "input", "source", "risk"]

    /// Fields whose ``value(_:_:formatter:)`` is a JSON number or boolean literal.
    static let jsonLiterals: Set<String> = ["seq", "port", "asn", "billing_cycles", "vpn", "proxy", "tor", "hosting"]

    static func value(_ e: ActivityEvent, _ name: String, formatter: TimeFormatter) -> String? {
        switch name {
        case "seq": return String(e.seq)
        case "time": return formatter.string(from: e.time)
        case "ingested": return e.ingested.map(formatter.string(from:))
        case "category": return e.category.rawValue
        case "action": return e.action.rawValue
        case "outcome": return e.outcome.rawValue
        case "reason": return e.reason
        case "user": return e.user
        case "actor": return e.actor
        case "actor_role": return e.actorRole
        case "account": return e.account
        case "session": return e.session
        case "entry": return e.entry
        case "device": return e.device
        case "ip": return e.ip?.description
        case "port": return e.port.map(String.init)
        case "host": return e.host
        case "service": return e.service
        case "country": return e.geo?.country
        case "country_name": return e.geo?.countryName
        case "region": return e.geo?.region
        case "city": return e.geo?.city
        case "location":
            let parts = [e.geo?.city, e.geo?.country].compactMap { $0 }
            return parts.isEmpty ? nil : parts.joined(separator: ", ")
        case "asn": return e.geo?.asn.map(String.init)
        case "as_org": return e.geo?.asOrg
        case "vpn": return e.net.map { $0.vpn ? "true" : "false" }
        case "proxy": return e.net.map { $0.proxy ? "true" : "false" }
        case "tor": return e.net.map { $0.tor ? "true" : "false" }
        case "hosting": return e.net.map { $0.hosting ? "true" : "false" }
        case "lists": return e.net.map { $0.lists.joined(separator: ",") }
        case "subscription": return e.commerce?.subscription
        case "order": return e.commerce?.order
        case "amount": return e.commerce?.amount
        case "currency": return e.commerce?.currency
        case "billing_cycles": return e.commerce?.billingCycles.map(String.init)
        case "comment": return e.comment
        case "input": return e.origin?.input
        case "source": return e.origin?.source
        case "risk": return RiskFlags.names.filter { e.risk.contains($0.0) }.map(\.1).joined(separator: ",")
        default:
            if name.hasPrefix("attrs.") { return e.attrs[String(name.dropFirst(6))] }
            return nil
        }
    }

    static func parseList(_ text: String?) throws -> [String]? {
        guard let text else { return nil }
        let list = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for n in list where !names.contains(n) && !n.hasPrefix("attrs.") {
            throw ValidationError("--output-fields: unknown field \(n); known: \(names.joined(separator: ", ")), attrs.KEY")
        }
        return list
    }
}
