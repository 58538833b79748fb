import Foundation
import Synchronization
import ActivityModel

/// Every counter the daemon keeps (names follow `activityd_<noun>_<unit>_total`). Stages add their local
/// counts once per batch, so the lock is taken rarely. Each value of ``Snapshot`` is described once, in
/// ``DaemonCounters/descriptions`` (CounterDescriptions.swift), from which `/metrics`, `stats.json` and the
/// `STATUS=` line are all written.
public final class DaemonCounters: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var datagramsReceived = 0
        public var bytesReceived = 0
        public var linesReceived = 0
        public var eventsAccepted = 0
        public var eventsStored = 0
        public var durableSeq = 0
        public var rejected: [String: Int] = [:]
        public var dropped: [String: Int] = [:]
        public var unmatchedByProgram: [String: Int] = [:]
        /// Check API requests by result: `allow`, `challenge`, `block`, or the refusal (`unauthorized`,
        /// `forbidden_account`, `bad_request`, `too_large`, `not_found`, `method_not_allowed`).
        public var checks: [String: Int] = [:]
        public var enrichHits = 0
        public var enrichMisses = 0
        public var segmentsSealed = 0
        public var bytesWritten = 0
        public var fsyncs = 0
        /// Risk checkpoints written (`risk.checkpoint`).
        public var riskCheckpoints = 0
        public var fsyncSecondsTotal = 0.0
        public var fsyncSecondsMax = 0.0
        public var storeErrors: [String: Int] = [:]
        public var queueDepth = 0
        public var storePaused = false
        public var lastSeq: UInt64 = 0
        public var reloads = 0
        public var reloadErrors = 0
        /// Kernel socket drops per bound UDP port (cumulative, as the kernel reports them).
        public var kernelDropsByPort: [Int: Int] = [:]
        public var kernelDrops: Int { kernelDropsByPort.values.reduce(0, +) }
        /// Times a UDP socket stopped being read because the pipeline queue was full (back-pressure).
        public var udpReadPauses = 0
        /// systemd notifications (READY, STATUS, WATCHDOG...) that could not be sent at once and were given up.
        public var notifyUnsent = 0
        /// `[forward.nats]`: the last store seq the stream acknowledged, events published, publish failures
        /// (timeouts, lost connections, refused expectations), and how far behind the store it is.
        public var forwardConfigured = false
        public var forwardedSeq: UInt64 = 0
        public var forwardPublished = 0
        public var forwardErrors = 0
        public var forwardLagEvents = 0
        public var forwardLagSeconds = 0.0
        /// `[input.nats]`: the last stream sequence handed to the store, messages stored as events,
        /// redeliveries skipped (already stored), consumer restarts.
        public var collectConfigured = false
        public var collectedStreamSeq: UInt64 = 0
        public var collectedEvents = 0
        public var collectSkipped = 0
        public var collectErrors = 0

        public init() {}
        public var rejectedTotal: Int { rejected.values.reduce(0, +) }
        public var droppedTotal: Int { dropped.values.reduce(0, +) }
    }

    private let state = Mutex(Snapshot())
    /// Check API results, kept apart: one atomic add per check instead of the lock every stage takes.
    /// ``snapshot`` shows them in ``Snapshot/checks``.
    let checkResults = CheckResultCounters()

    public init() {}

    public func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }

    public var snapshot: Snapshot {
        var s = state.withLock { $0 }
        for r in CheckResult.allCases {
            let n = checkResults.count(r)
            if n > 0 { s.checks[r.rawValue, default: 0] += n }
        }
        return s
    }
}

/// What a check API request came to: a verdict or a refusal (the `result` label of `activityd_checks_total`).
enum CheckResult: String, CaseIterable, Sendable {
    case allow, challenge, block
    case unauthorized
    case forbiddenAccount = "forbidden_account"
    case badRequest = "bad_request"
    case tooLarge = "too_large"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
}

/// One atomic counter per ``CheckResult``.
final class CheckResultCounters: Sendable {
    private let allow = Atomic<Int>(0), challenge = Atomic<Int>(0), block = Atomic<Int>(0)
    private let unauthorized = Atomic<Int>(0), forbiddenAccount = Atomic<Int>(0), badRequest = Atomic<Int>(0)
    private let tooLarge = Atomic<Int>(0), notFound = Atomic<Int>(0), methodNotAllowed = Atomic<Int>(0)

    private func with<R>(_ r: CheckResult, _ body: (borrowing Atomic<Int>) -> R) -> R {
        switch r {
        case .allow: body(allow)
        case .challenge: body(challenge)
        case .block: body(block)
        case .unauthorized: body(unauthorized)
        case .forbiddenAccount: body(forbiddenAccount)
        case .badRequest: body(badRequest)
        case .tooLarge: body(tooLarge)
        case .notFound: body(notFound)
        case .methodNotAllowed: body(methodNotAllowed)
        }
    }

    func add(_ r: CheckResult) { with(r) { _ = $0.add(1, ordering: .relaxed) } }
    func count(_ r: CheckResult) -> Int { with(r) { $0.load(ordering: .relaxed) } }
}

extension DaemonCounters.Snapshot {
    /// The value `d` describes, read from this snapshot.
    public func value(_ d: CounterDescription) -> CounterValue { d.read(self) }

    /// Whether `section`'s counters are shown (the NATS sections only when configured).
    func shows(_ section: CounterDescription.Section) -> Bool {
        switch section {
        case .main: true
        case .forward: forwardConfigured
        case .collect: collectConfigured
        }
    }

    /// Prometheus text exposition (format 0.0.4): every description in table order, `# HELP` and `# TYPE` first.
    public func prometheusText() -> String {
        var out = ""
        for d in DaemonCounters.descriptions where shows(d.section) {
            out += "# HELP \(d.metric) \(d.help)\n# TYPE \(d.metric) \(d.kind.rawValue)\n"
            switch value(d) {
            case .byLabel(let values):
                for (k, v) in values.sorted(by: { $0.key < $1.key }) {
                    out += "\(d.metric){\(d.label ?? "label")=\"\(CounterDescription.escapeLabel(k))\"} \(v)\n"
                }
            case let v:
                out += "\(d.metric) \(v.prometheusText)\n"
            }
        }
        return out
    }

    /// One line for systemd's STATUS= and logs: the descriptions with a ``CounterDescription/status`` phrase,
    /// in table order (`stored 30 events, seq 30, rejected 1, dropped 0`, then `STORE PAUSED (write errors)` while
    /// writes fail).
    public var statusLine: String {
        DaemonCounters.descriptions.compactMap { d -> String? in
            guard let phrase = d.status, shows(d.section) else { return nil }
            switch value(d) {
            case .flag(let on): return on ? phrase : nil
            case let v: return phrase.replacingOccurrences(of: "#", with: v.statusText)
            }
        }.joined(separator: ", ")
    }

    /// JSON object for `activityctl stats` (written to `<data_dir>/stats.json`): `pid`, `started`, `updated`, then
    /// every description's ``CounterDescription/statsKey`` in table order; the NATS sections as nested objects
    /// (`forward`, `collect`), counts by label as objects.
    public func json(pid: Int32, started: Timestamp, now: Timestamp) -> String {
        var w = JSONWriter()
        w.begin()
        w.key("pid"); w.raw(String(pid))
        w.key("started"); w.string(started.rfc3339())
        w.key("updated"); w.string(now.rfc3339())
        var open: CounterDescription.Section = .main
        for d in DaemonCounters.descriptions where shows(d.section) {
            if d.section != open {
                if open != .main { w.end() }
                if let name = d.section.statsKey { w.key(name); w.begin() }
                open = d.section
            }
            w.key(d.statsKey)
            switch value(d) {
            case .byLabel(let values):
                w.begin()
                for (k, v) in values.sorted(by: { $0.key < $1.key }) { w.key(k); w.raw(String(v)) }
                w.end()
            case .seconds(let v) where d.statsDecimals != nil:
                w.raw(String(format: "%.\(d.statsDecimals!)f", v))
            case let v:
                w.raw(v.jsonText)
            }
        }
        if open != .main { w.end() }
        w.end()
        return w.out
    }
}
