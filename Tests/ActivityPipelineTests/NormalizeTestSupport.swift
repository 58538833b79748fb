import ActivityModel
import ActivityPipeline
import Foundation
import Testing

/// A fixed "now" for the tests: 2026-11-22T12:00:00Z.
let testNow = Timestamp(seconds: 1_795_348_800)

let utcParser = SyslogParser(timeZone: TimeZone(identifier: "UTC") ?? .current)

/// One event as a compact line: `category action outcome` then the set fields in a fixed order, then
/// attrs sorted by key. Time, host and service are checked by their own tests.
func render(_ e: ActivityEvent) -> String {
    var s = "\(e.category.rawValue) \(e.action.rawValue) \(e.outcome.rawValue)"
    func add(_ k: String, _ v: String?) { if let v { s += " \(k)=\(v)" } }
    add("reason", e.reason)
    add("user", e.user)
    add("actor", e.actor)
    add("role", e.actorRole)
    add("session", e.session)
    add("entry", e.entry)
    add("device", e.device)
    add("ip", e.ip?.description)
    add("port", e.port.map { String($0) })
    for k in e.attrs.keys.sorted() { s += " \(k)=\(e.attrs[k] ?? "")" }
    return s
}

/// Parses and normalizes `lines` in order with one normalizer; returns every event rendered.
func normalizeLines(_ lines: [String], parser: SyslogParser = utcParser) -> [String] {
    var n = Normalizer()
    var out: [String] = []
    for l in lines {
        guard let r = parser.parse(l[...], now: testNow) else {
            out.append("NOT SYSLOG: \(l)")
            continue
        }
        if case .events(let es) = n.normalize(r) {
            // The journald input reads cursors only for records this predicate accepts: it must accept every
            // record that makes an event.
            if !es.isEmpty {
                #expect(Normalizer.mayMakeEvents(program: r.program, message: r.message), "\(l)")
            }
            out += es.map(render)
        }
    }
    return out
}

/// One table row: input lines (a story of one process or a single line) and the events expected.
struct NormalizeCase: CustomTestStringConvertible, Sendable {
    var name: String
    var lines: [String]
    var expected: [String]
    var testDescription: String { name }

    init(_ name: String, _ lines: [String], _ expected: [String]) {
        self.name = name; self.lines = lines; self.expected = expected
    }
}
