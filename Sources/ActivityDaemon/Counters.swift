import Foundation
import Synchronization
import ActivityModel

/// Every counter the daemon keeps (names follow `activityd_<noun>_<unit>_total`). Stages add their local
/// counts once per batch, so the lock is taken rarely.
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
    /// Prometheus text exposition (format 0.0.4).
    public func prometheusText() -> String {
        var out = ""
        func counter(_ name: String, _ help: String, _ v: some Numeric & CustomStringConvertible, labels: String = "") {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name)\(labels) \(v)\n"
        }
        func labelled(_ name: String, _ help: String, _ label: String, _ values: [String: Int], type: String = "counter") {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (k, v) in values.sorted(by: { $0.key < $1.key }) {
                out += "\(name){\(label)=\"\(k.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"} \(v)\n"
            }
        }
        counter("activityd_datagrams_received_total", "UDP datagrams received.", datagramsReceived)
        counter("activityd_received_bytes_total", "Bytes received by the inputs.", bytesReceived)
        counter("activityd_lines_received_total", "Lines (records) read by all inputs.", linesReceived)
        counter("activityd_events_accepted_total", "Events produced by normalization.", eventsAccepted)
        counter("activityd_events_stored_total", "Events written to segments.", eventsStored)
        out += "# HELP activityd_durable_seq Highest sequence number known to be fsynced.\n# TYPE activityd_durable_seq gauge\nactivityd_durable_seq \(durableSeq)\n"
        labelled("activityd_rejected_total", "Records or datagrams rejected, by reason.", "reason", rejected)
        labelled("activityd_dropped_total", "Records dropped, by reason.", "reason", dropped)
        labelled("activityd_unmatched_lines_total", "Lines that matched no rule, by program.", "program", unmatchedByProgram)
        labelled("activityd_checks_total", "Check API requests, by verdict or refusal.", "result", checks)
        counter("activityd_enrichment_hits_total", "Events with a GeoIP or list match.", enrichHits)
        counter("activityd_enrichment_misses_total", "Events with an address and no match.", enrichMisses)
        counter("activityd_segments_sealed_total", "Segments sealed.", segmentsSealed)
        counter("activityd_written_bytes_total", "Bytes appended to segments.", bytesWritten)
        counter("activityd_fsync_total", "fdatasync calls.", fsyncs)
        counter("activityd_risk_checkpoints_total", "Risk state checkpoints written (risk.checkpoint).", riskCheckpoints)
        counter("activityd_fsync_seconds_total", "Time spent in fdatasync.", fsyncSecondsTotal)
        out += "# HELP activityd_fsync_seconds_max Longest fdatasync.\n# TYPE activityd_fsync_seconds_max gauge\nactivityd_fsync_seconds_max \(fsyncSecondsMax)\n"
        labelled("activityd_store_errors_total", "Store write errors, by kind.", "kind", storeErrors)
        out += "# HELP activityd_queue_depth Items waiting in the pipeline queue.\n# TYPE activityd_queue_depth gauge\nactivityd_queue_depth \(queueDepth)\n"
        out += "# HELP activityd_store_paused 1 while writes fail (full disk).\n# TYPE activityd_store_paused gauge\nactivityd_store_paused \(storePaused ? 1 : 0)\n"
        out += "# HELP activityd_last_seq Last sequence number written.\n# TYPE activityd_last_seq gauge\nactivityd_last_seq \(lastSeq)\n"
        counter("activityd_reloads_total", "Enrichment reloads.", reloads)
        counter("activityd_reload_errors_total", "Enrichment files that failed to load.", reloadErrors)
        counter("activityd_kernel_drops_total", "Datagrams the kernel dropped on our sockets (SO_RXQ_OVFL or /proc/net/udp).", kernelDrops)
        counter("activityd_udp_read_pauses_total", "Times UDP reading paused because the pipeline queue was full (datagrams wait in the socket buffer).", udpReadPauses)
        counter("activityd_notify_unsent_total", "systemd notifications not sent because the notify socket was full or gone (never waited on).", notifyUnsent)
        if forwardConfigured {
            out += "# HELP activityd_forward_seq Last store seq acknowledged by the NATS stream.\n# TYPE activityd_forward_seq gauge\nactivityd_forward_seq \(forwardedSeq)\n"
            counter("activityd_forward_published_total", "Events published to the NATS stream.", forwardPublished)
            counter("activityd_forward_errors_total", "NATS publish or read-back failures (each followed by a resync).", forwardErrors)
            out += "# HELP activityd_forward_lag_events Stored events not yet acknowledged by the stream.\n# TYPE activityd_forward_lag_events gauge\nactivityd_forward_lag_events \(forwardLagEvents)\n"
            out += "# HELP activityd_forward_lag_seconds Age of the oldest stored event not yet acknowledged by the stream.\n# TYPE activityd_forward_lag_seconds gauge\nactivityd_forward_lag_seconds \(forwardLagSeconds)\n"
        }
        if collectConfigured {
            out += "# HELP activityd_collect_stream_seq Last NATS stream sequence handed to the store.\n# TYPE activityd_collect_stream_seq gauge\nactivityd_collect_stream_seq \(collectedStreamSeq)\n"
            counter("activityd_collect_events_total", "Events collected from the NATS stream.", collectedEvents)
            counter("activityd_collect_skipped_total", "Redelivered NATS messages skipped (already stored).", collectSkipped)
            counter("activityd_collect_errors_total", "NATS fetch or consumer failures (each followed by a consumer restart).", collectErrors)
        }
        return out
    }

    /// One line for systemd's STATUS= and logs.
    public var statusLine: String {
        "stored \(eventsStored) events (seq \(lastSeq)), rejected \(rejectedTotal), dropped \(droppedTotal)" + (storePaused ? ", STORE PAUSED (write errors)" : "")
    }

    /// JSON object for `activityctl stats` (written to `<data_dir>/stats.json`).
    public func json(pid: Int32, started: Timestamp, now: Timestamp) -> String {
        var w = JSONWriter()
        w.begin()
        w.key("pid"); w.raw(String(pid))
        w.key("started"); w.string(started.rfc3339())
        w.key("updated"); w.string(now.rfc3339())
        func n(_ k: String, _ v: Int) { w.key(k); w.raw(String(v)) }
        n("datagrams_received", datagramsReceived); n("bytes_received", bytesReceived); n("lines_received", linesReceived)
        n("events_accepted", eventsAccepted); n("events_stored", eventsStored); n("durable_seq", durableSeq)
        n("enrichment_hits", enrichHits); n("enrichment_misses", enrichMisses); n("segments_sealed", segmentsSealed)
        n("bytes_written", bytesWritten); n("fsyncs", fsyncs); n("risk_checkpoints", riskCheckpoints); n("queue_depth", queueDepth); n("kernel_drops", kernelDrops)
        n("udp_read_pauses", udpReadPauses); n("notify_unsent", notifyUnsent)
        n("reloads", reloads); n("reload_errors", reloadErrors)
        w.key("fsync_seconds_max"); w.raw(String(fsyncSecondsMax))
        w.key("store_paused"); w.raw(storePaused ? "true" : "false")
        w.key("last_seq"); w.raw(String(lastSeq))
        if forwardConfigured {
            w.key("forward"); w.begin()
            w.key("seq"); w.raw(String(forwardedSeq))
            n("published", forwardPublished); n("errors", forwardErrors); n("lag_events", forwardLagEvents)
            w.key("lag_seconds"); w.raw(String(format: "%.3f", forwardLagSeconds))
            w.end()
        }
        if collectConfigured {
            w.key("collect"); w.begin()
            w.key("stream_seq"); w.raw(String(collectedStreamSeq))
            n("events", collectedEvents); n("skipped", collectSkipped); n("errors", collectErrors)
            w.end()
        }
        for (name, dict) in [("rejected", rejected), ("dropped", dropped), ("unmatched", unmatchedByProgram), ("checks", checks), ("store_errors", storeErrors)] {
            w.key(name); w.begin()
            for (k, v) in dict.sorted(by: { $0.key < $1.key }) { n(k, v) }
            w.end()
        }
        w.end()
        return w.out
    }
}
