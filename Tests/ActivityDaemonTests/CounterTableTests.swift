import Testing
import Foundation
import ActivityModel
@testable import ActivityDaemon

/// `/metrics`, `stats.json` and `STATUS=` against the one table of counters (``DaemonCounters/descriptions``).
@Suite("CounterTableTests: every counter is described once and shown by every output")
struct CounterTableTests {
    /// A snapshot with a different non-zero value in every property, both NATS sections on.
    static var full: DaemonCounters.Snapshot {
        var s = DaemonCounters.Snapshot()
        s.datagramsReceived = 1; s.bytesReceived = 2; s.linesReceived = 3; s.eventsAccepted = 4; s.eventsStored = 5
        s.durableSeq = 6; s.rejected = ["not_json": 7, "bad \"quoted\" \\ reason": 8]; s.dropped = ["queue_full": 9]
        s.unmatchedByProgram = ["sshd": 10]; s.checks = ["allow": 11]; s.enrichHits = 12; s.enrichMisses = 13
        s.segmentsSealed = 14; s.bytesWritten = 15; s.fsyncs = 16; s.riskCheckpoints = 17; s.fsyncSecondsTotal = 1.5
        s.fsyncSecondsMax = 0.25; s.storeErrors = ["no_space": 18]; s.queueDepth = 19; s.storePaused = true
        s.lastSeq = 20; s.reloads = 21; s.reloadErrors = 22; s.kernelDropsByPort = [5514: 23, 5515: 1];
        s.udpReadPauses = 24
        s.notifyUnsent = 25; s.forwardConfigured = true; s.forwardedSeq = 26; s.forwardPublished = 27;
        s.forwardErrors = 28
        s.forwardLagEvents = 29; s.forwardLagSeconds = 3.25; s.collectConfigured = true; s.collectedStreamSeq = 30
        s.collectedEvents = 31; s.collectSkipped = 32; s.collectErrors = 33
        return s
    }

    @Test("every Snapshot property has exactly one description (or switches a section on)")
    func everyPropertyDescribed() {
        let properties = Mirror(reflecting: DaemonCounters.Snapshot()).children.compactMap(\.label)
        let described = DaemonCounters.descriptions.map(\.property)
        #expect(Set(described).count == described.count, "a property described twice")
        #expect(Set(properties) == Set(described).union(DaemonCounters.sectionSwitches))
        let metrics = DaemonCounters.descriptions.map(\.metric)
        #expect(Set(metrics).count == metrics.count)
        let keys = DaemonCounters.descriptions.map { "\($0.section).\($0.statsKey)" }
        #expect(Set(keys).count == keys.count)
        for d in DaemonCounters.descriptions {
            #expect(d.metric.hasPrefix("activityd_"), "\(d.metric)")
            #expect(d.kind == .gauge || d.metric.hasSuffix("_total"), "\(d.metric): a counter's name ends in _total")
        }
        // Sections are contiguous: stats.json nests them.
        var seen: [CounterDescription.Section] = []
        for d in DaemonCounters.descriptions where seen.last != d.section {
            #expect(!seen.contains(d.section), "section \(d.section) split")
            seen.append(d.section)
        }
    }

    /// The metric names and values of a Prometheus text: `name` or `name{label="v"}` → value text, and each name's type.
    static func parsePrometheus(_ text: String) -> (samples: [String: String], types: [String: String]) {
        var samples: [String: String] = [:], types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                types[String(parts[2])] = String(parts[3])
            } else if !line.hasPrefix("#") {
                let cut = line.lastIndex(of: " ")!
                samples[String(line[..<cut])] = String(line[line.index(after: cut)...])
            }
        }
        return (samples, types)
    }

    @Test("/metrics, stats.json and STATUS= show the same counters with the same values")
    func outputsAgree() throws {
        let s = Self.full
        let (samples, types) = Self.parsePrometheus(s.prometheusText())
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(s.json(pid: 1, started: .init(seconds: 0), now: .init(seconds: 1)).utf8)) as? [String: Any])
        // Every metric in the text is described, and every description is in the text.
        #expect(Set(types.keys) == Set(DaemonCounters.descriptions.map(\.metric)))
        let sampleNames = Set(samples.keys.map { $0.split(separator: "{").first.map(String.init) ?? $0 })
        #expect(sampleNames == Set(types.keys))
        // Every key of stats.json is described, and every description is in stats.json.
        var jsonKeys = Set<String>()
        for (k, v) in json where !["pid", "started", "updated"].contains(k) {
            if ["forward", "collect"].contains(k), let inner = v as? [String: Any] {
                for ik in inner.keys { jsonKeys.insert(k + "." + ik) }
            } else {
                jsonKeys.insert(k)
            }
        }
        #expect(
            jsonKeys
                == Set(DaemonCounters.descriptions.map { ($0.section.statsKey.map { $0 + "." } ?? "") + $0.statsKey }))
        for d in DaemonCounters.descriptions {
            #expect(types[d.metric] == d.kind.rawValue, "\(d.metric)")
            let inJSON = d.section.statsKey.map { (json[$0] as? [String: Any])?[d.statsKey] } ?? json[d.statsKey]
            switch s.value(d) {
            case .byLabel(let values):
                #expect(d.label != nil, "\(d.metric) counts by label and names none")
                #expect((inJSON as? [String: Int]) == values, "\(d.metric)")
                for (k, v) in values {
                    #expect(
                        samples["\(d.metric){\(d.label!)=\"\(CounterDescription.escapeLabel(k))\"}"] == String(v),
                        "\(d.metric) \(k)")
                }
            case .flag(let on):
                #expect(samples[d.metric] == (on ? "1" : "0"))
                #expect((inJSON as? Bool) == on, "\(d.metric)")
            case .seconds(let v):
                #expect(samples[d.metric].flatMap(Double.init) == v, "\(d.metric)")
                #expect((inJSON as? Double) == v, "\(d.metric)")
            case let v:
                #expect(samples[d.metric] == v.prometheusText, "\(d.metric)")
                #expect((inJSON as? NSNumber)?.stringValue == v.prometheusText, "\(d.metric)")
            }
        }
        // STATUS= holds each described phrase with its value.
        #expect(s.statusLine == "stored 5 events, seq 20, rejected 15, dropped 9, STORE PAUSED (write errors)")
        for d in DaemonCounters.descriptions where d.status != nil {
            if case .flag = s.value(d) {
                #expect(s.statusLine.contains(d.status!))
            } else {
                #expect(
                    s.statusLine.contains(d.status!.replacingOccurrences(of: "#", with: s.value(d).statusText)),
                    "\(d.metric)")
            }
        }
    }

    @Test("the NATS sections are left out of every output when not configured")
    func sectionsOff() throws {
        var s = Self.full
        s.forwardConfigured = false
        s.collectConfigured = false
        s.storePaused = false
        let text = s.prometheusText()
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(s.json(pid: 1, started: .init(seconds: 0), now: .init(seconds: 1)).utf8)) as? [String: Any])
        #expect(json["forward"] == nil && json["collect"] == nil)
        for d in DaemonCounters.descriptions where d.section != .main { #expect(!text.contains(d.metric)) }
        #expect(s.statusLine == "stored 5 events, seq 20, rejected 15, dropped 9")
    }
}
