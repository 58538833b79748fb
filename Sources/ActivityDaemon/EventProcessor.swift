import ActivityModel
import ActivityPipeline

/// Turns what inputs read into events: the pure part of the pipeline, run on the pipeline thread.
/// Not Sendable: it keeps small normalizer state; one pipeline thread owns it.
struct EventProcessor {
    var decoder = AppEventDecoder()
    var allow: [CIDR]
    var counts = LocalCounts()

    struct LocalCounts {
        var datagrams = 0
        var bytes = 0
        var lines = 0
        var accepted = 0
        var rejected: [RejectReason: Int] = [:]
        var unmatched: [String: Int] = [:]

        mutating func reset() { self = LocalCounts() }
    }

    init(allow: [CIDR], keepRaw: Bool) {
        self.allow = allow
        decoder.keepRaw = keepRaw
    }

    func isAllowed(_ ip: IPAddress?) -> Bool {
        guard let ip else { return false }
        return allow.contains { $0.contains(ip) }
    }

    /// Decodes one datagram into events (appended to `out`); rejections are counted by reason.
    mutating func process(_ d: Datagram, into out: inout [ActivityEvent]) {
        counts.datagrams += 1
        counts.bytes += d.bytes.count
        guard isAllowed(d.source) else { counts.rejected[.sourceNotAllowed, default: 0] += 1; return }
        guard !d.bytes.isEmpty else { counts.rejected[.emptyDatagram, default: 0] += 1; return }
        let source = d.source.map { $0.isV4 ? "\($0):\(d.port)" : "[\($0)]:\(d.port)" }
        for r in decoder.decode(datagram: d.bytes, receivedAt: d.received, source: source) {
            counts.lines += 1
            switch r {
            case .event(let e):
                out.append(e)
                counts.accepted += 1
            case .rejected(let why):
                counts.rejected[why, default: 0] += 1
            case .notJSON:
                counts.rejected[.unparsableSyslog, default: 0] += 1
            }
        }
    }
}
