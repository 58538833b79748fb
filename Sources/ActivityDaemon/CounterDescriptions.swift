import Foundation

/// One value the daemon counts, described once for its three outputs: the Prometheus `/metrics` text, the
/// `stats.json` that `activityctl stats` prints, and (for a few) systemd's `STATUS=` line.
///
/// `CounterTableTests` fails when a ``DaemonCounters/Snapshot`` value has no description, or when an output
/// shows a counter the others do not.
public struct CounterDescription: Sendable {
    /// The Prometheus type.
    public enum Kind: String, Sendable {
        /// Only ever grows (until the daemon restarts).
        case counter
        /// A level that goes up and down, or a position (a sequence number).
        case gauge
    }

    /// Which part of the daemon the value belongs to: the NATS parts are shown only when configured, and are
    /// objects of their own in `stats.json`.
    public enum Section: Sendable, Hashable {
        /// Always shown; the top level of `stats.json`.
        case main
        /// `[forward.nats]`: `stats.json`'s `forward` object.
        case forward
        /// `[input.nats]`: `stats.json`'s `collect` object.
        case collect

        /// The section's object in `stats.json`; nil for the top level.
        public var statsKey: String? {
            switch self {
            case .main: nil
            case .forward: "forward"
            case .collect: "collect"
            }
        }
    }

    /// The Prometheus metric name (`activityd_events_stored_total`).
    public let metric: String
    /// The Prometheus `# HELP` text.
    public let help: String
    /// Counter or gauge (`# TYPE`).
    public let kind: Kind
    /// The label of a value counted by label (`reason`, `program`...); nil for a single value.
    public let label: String?
    /// The key in `stats.json` (inside the ``section``'s object).
    public let statsKey: String
    /// Where it belongs, and so when it is shown.
    public let section: Section
    /// Decimals of a time in `stats.json`; nil: as many as the value needs.
    public let statsDecimals: Int?
    /// The phrase in the `STATUS=` line, `#` standing for the value (a flag: the phrase alone, when set); nil: not
    /// in that line.
    public let status: String?
    /// The ``DaemonCounters/Snapshot`` property it reads (`eventsStored`).
    public let property: String
    let read: @Sendable (DaemonCounters.Snapshot) -> CounterValue

    init(
        _ metric: String, _ help: String, _ kind: Kind = .counter, label: String? = nil, stats: String,
        section: Section = .main, statsDecimals: Int? = nil, status: String? = nil, property: String,
        _ read: @escaping @Sendable (DaemonCounters.Snapshot) -> CounterValue
    ) {
        self.metric = metric; self.help = help; self.kind = kind; self.label = label; self.statsKey = stats
        self.section = section; self.statsDecimals = statsDecimals; self.status = status; self.property = property
        self.read = read
    }

    /// A label value escaped for the exposition format (`\` and `"`).
    static func escapeLabel(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

/// A counter's value as read from a ``DaemonCounters/Snapshot``.
public enum CounterValue: Sendable, Hashable {
    /// A count or a level.
    case count(Int)
    /// A sequence number.
    case seq(UInt64)
    /// A time in seconds.
    case seconds(Double)
    /// On or off (1 or 0 in `/metrics`, `true` or `false` in `stats.json`).
    case flag(Bool)
    /// Counts by label value (`rejected` by reason).
    case byLabel([String: Int])

    /// The value as the exposition format writes it (a flag as 1 or 0; counts by label: their total).
    var prometheusText: String {
        switch self {
        case .count(let v): String(v)
        case .seq(let v): String(v)
        case .seconds(let v): String(v)
        case .flag(let v): v ? "1" : "0"
        case .byLabel(let d): String(d.values.reduce(0, +))
        }
    }

    /// The value as JSON (counts by label are written as objects by the caller).
    var jsonText: String {
        switch self {
        case .flag(let v): v ? "true" : "false"
        default: prometheusText
        }
    }

    /// The value in the `STATUS=` line: counts by label as their total.
    var statusText: String { prometheusText }
}

extension DaemonCounters {
    /// Every counter, in the order of the outputs. Sections are contiguous (`stats.json` nests them). To add a
    /// counter: a ``Snapshot`` property, then its line here; nothing else.
    public static let descriptions: [CounterDescription] = [
        .init(
            "activityd_datagrams_received_total", "UDP datagrams received.", stats: "datagrams_received",
            property: "datagramsReceived"
        ) { .count($0.datagramsReceived) },
        .init(
            "activityd_received_bytes_total", "Bytes received by the inputs.", stats: "bytes_received",
            property: "bytesReceived"
        ) { .count($0.bytesReceived) },
        .init(
            "activityd_lines_received_total", "Lines (records) read by all inputs.", stats: "lines_received",
            property: "linesReceived"
        ) { .count($0.linesReceived) },
        .init(
            "activityd_events_accepted_total", "Events produced by normalization.", stats: "events_accepted",
            property: "eventsAccepted"
        ) { .count($0.eventsAccepted) },
        .init(
            "activityd_events_stored_total", "Events written to segments.", stats: "events_stored",
            status: "stored # events", property: "eventsStored"
        ) { .count($0.eventsStored) },
        .init(
            "activityd_durable_seq", "Highest sequence number known to be fsynced.", .gauge, stats: "durable_seq",
            property: "durableSeq"
        ) { .count($0.durableSeq) },
        .init(
            "activityd_last_seq", "Last sequence number written.", .gauge, stats: "last_seq", status: "seq #",
            property: "lastSeq"
        ) { .seq($0.lastSeq) },
        .init(
            "activityd_rejected_total", "Records or datagrams rejected, by reason.", label: "reason", stats: "rejected",
            status: "rejected #", property: "rejected"
        ) { .byLabel($0.rejected) },
        .init(
            "activityd_dropped_total", "Records dropped, by reason.", label: "reason", stats: "dropped",
            status: "dropped #", property: "dropped"
        ) { .byLabel($0.dropped) },
        .init(
            "activityd_unmatched_lines_total", "Lines that matched no rule, by program.", label: "program",
            stats: "unmatched", property: "unmatchedByProgram"
        ) { .byLabel($0.unmatchedByProgram) },
        .init(
            "activityd_checks_total", "Check API requests, by verdict or refusal.", label: "result", stats: "checks",
            property: "checks"
        ) { .byLabel($0.checks) },
        .init(
            "activityd_enrichment_hits_total", "Events with a GeoIP or list match.", stats: "enrichment_hits",
            property: "enrichHits"
        ) { .count($0.enrichHits) },
        .init(
            "activityd_enrichment_misses_total", "Events with an address and no match.", stats: "enrichment_misses",
            property: "enrichMisses"
        ) { .count($0.enrichMisses) },
        .init(
            "activityd_segments_sealed_total", "Segments sealed.", stats: "segments_sealed",
            property: "segmentsSealed"
        ) { .count($0.segmentsSealed) },
        .init(
            "activityd_written_bytes_total", "Bytes appended to segments.", stats: "bytes_written",
            property: "bytesWritten"
        ) { .count($0.bytesWritten) },
        .init("activityd_fsync_total", "fdatasync calls.", stats: "fsyncs", property: "fsyncs") { .count($0.fsyncs) },
        .init(
            "activityd_fsync_seconds_total", "Time spent in fdatasync.", stats: "fsync_seconds_total",
            property: "fsyncSecondsTotal"
        ) { .seconds($0.fsyncSecondsTotal) },
        .init(
            "activityd_fsync_seconds_max", "Longest fdatasync.", .gauge, stats: "fsync_seconds_max",
            property: "fsyncSecondsMax"
        ) { .seconds($0.fsyncSecondsMax) },
        .init(
            "activityd_store_errors_total", "Store write errors, by kind.", label: "kind", stats: "store_errors",
            property: "storeErrors"
        ) { .byLabel($0.storeErrors) },
        .init(
            "activityd_store_paused", "1 while writes fail (full disk).", .gauge, stats: "store_paused",
            status: "STORE PAUSED (write errors)", property: "storePaused"
        ) { .flag($0.storePaused) },
        .init(
            "activityd_queue_depth", "Items waiting in the pipeline queue.", .gauge, stats: "queue_depth",
            property: "queueDepth"
        ) { .count($0.queueDepth) },
        .init(
            "activityd_risk_checkpoints_total", "Risk state checkpoints written (risk.checkpoint).",
            stats: "risk_checkpoints",
            property: "riskCheckpoints"
        ) { .count($0.riskCheckpoints) },
        .init("activityd_reloads_total", "Enrichment reloads.", stats: "reloads", property: "reloads") {
            .count($0.reloads)
        },
        .init(
            "activityd_reload_errors_total", "Enrichment files that failed to load.", stats: "reload_errors",
            property: "reloadErrors"
        ) { .count($0.reloadErrors) },
        .init(
            "activityd_kernel_drops_total",
            "Datagrams the kernel dropped on our sockets (SO_RXQ_OVFL or /proc/net/udp).",
            stats: "kernel_drops", property: "kernelDropsByPort"
        ) { .count($0.kernelDrops) },
        .init(
            "activityd_udp_read_pauses_total",
            "Times UDP reading paused because the pipeline queue was full (datagrams wait in the socket buffer).",
            stats: "udp_read_pauses", property: "udpReadPauses"
        ) { .count($0.udpReadPauses) },
        .init(
            "activityd_notify_unsent_total",
            "systemd notifications not sent because the notify socket was full or gone (never waited on).",
            stats: "notify_unsent", property: "notifyUnsent"
        ) { .count($0.notifyUnsent) },

        .init(
            "activityd_forward_seq", "Last store seq acknowledged by the NATS stream.", .gauge, stats: "seq",
            section: .forward, property: "forwardedSeq"
        ) { .seq($0.forwardedSeq) },
        .init(
            "activityd_forward_published_total", "Events published to the NATS stream.", stats: "published",
            section: .forward, property: "forwardPublished"
        ) { .count($0.forwardPublished) },
        .init(
            "activityd_forward_errors_total", "NATS publish or read-back failures (each followed by a resync).",
            stats: "errors", section: .forward, property: "forwardErrors"
        ) { .count($0.forwardErrors) },
        .init(
            "activityd_forward_lag_events", "Stored events not yet acknowledged by the stream.", .gauge,
            stats: "lag_events",
            section: .forward, property: "forwardLagEvents"
        ) { .count($0.forwardLagEvents) },
        .init(
            "activityd_forward_lag_seconds", "Age of the oldest stored event not yet acknowledged by the stream.",
            .gauge,
            stats: "lag_seconds", section: .forward, statsDecimals: 3, property: "forwardLagSeconds"
        ) { .seconds($0.forwardLagSeconds) },

        .init(
            "activityd_collect_stream_seq", "Last NATS stream sequence handed to the store.", .gauge,
            stats: "stream_seq",
            section: .collect, property: "collectedStreamSeq"
        ) { .seq($0.collectedStreamSeq) },
        .init(
            "activityd_collect_events_total", "Events collected from the NATS stream.", stats: "events",
            section: .collect, property: "collectedEvents"
        ) { .count($0.collectedEvents) },
        .init(
            "activityd_collect_skipped_total", "Redelivered NATS messages skipped (already stored).", stats: "skipped",
            section: .collect, property: "collectSkipped"
        ) { .count($0.collectSkipped) },
        .init(
            "activityd_collect_errors_total", "NATS fetch or consumer failures (each followed by a consumer restart).",
            stats: "errors", section: .collect, property: "collectErrors"
        ) { .count($0.collectErrors) },
    ]

    /// The ``Snapshot`` properties that are not counters but switch a section on (`forwardConfigured`...).
    static let sectionSwitches: Set<String> = ["forwardConfigured", "collectConfigured"]
}
