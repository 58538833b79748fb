import Foundation
import ActivityModel
import ActivityPipeline
import ActivityConfig
import ActivityDatagram

/// Turns what inputs read into events: the pure part of the pipeline, run on the pipeline thread.
/// Not Sendable: it keeps small normalizer state; one pipeline thread owns it.
struct EventProcessor {
    var decoder = AppEventDecoder()
    /// Per `[[input.udp]]`: its allow-list and signature keys.
    var udpInputs: [(allow: [CIDR], verifier: SignatureVerifier)]
    var counts = LocalCounts()
    let syslog: SyslogParser
    /// One normalizer per input stream: its pairing state (PAM sessions by pid, repeats) must not mix streams.
    var normalizers: [InputID: Normalizer] = [:]
    /// One audit normalizer per audit-log stream (`format = "audit"` files): per-process and per-serial state.
    var auditNormalizers: [InputID: AuditNormalizer] = [:]
    /// One login, one event: a login reported by the audit log and by sshd/login/journald is counted once
    /// (the second report is relabelled `duplicate_…`; docs/normalization.md §5).
    var correlator = LoginCorrelator()
    /// The host of audit records without `node=`: the audit log is the local machine's.
    let auditHost: String?
    /// The `rejected` label of audit-log lines that are not audit records (`RejectReason` is the syslog and
    /// datagram set; this one is counted beside it).
    static let unparsableAuditLabel = "unparsable_audit"
    let keepRaw: Bool
    /// The last sender's `origin.source` text: senders usually keep their socket, and formatting an address
    /// per datagram was a visible part of the pipeline's time.
    var lastSource: (ip: IPAddress, port: Int, text: String)?

    struct LocalCounts {
        var datagrams = 0
        var bytes = 0
        var lines = 0
        var accepted = 0
        var rejected: [RejectReason: Int] = [:]
        var unmatched: [String: Int] = [:]
        /// Lines of audit-log files that are not audit records.
        var unparsableAudit = 0

        mutating func reset() { self = LocalCounts() }
    }

    init(
        udpInputs: [(allow: [CIDR], verifier: SignatureVerifier)], keepRaw: Bool, timeZone: TimeZone,
        auditHost: String? = EventProcessor.localHostName()
    ) {
        self.udpInputs = udpInputs
        self.auditHost = auditHost
        self.keepRaw = keepRaw
        self.syslog = SyslogParser(timeZone: timeZone)
        decoder.keepRaw = keepRaw
    }

    /// Normalizes one raw record of an input stream, appending its events; unmatched lines are counted per
    /// program. File lines arrive unparsed (the syslog parser splits them, or for `format = "audit"` the
    /// audit normalizer); journal records arrive parsed.
    mutating func process(
        record r: RawRecord, stream: InputID, format: FileInputFormat = .syslog, origin: Origin, now: Timestamp,
        into out: inout [ActivityEvent]
    ) {
        if format == .audit {
            processAudit(line: r, stream: stream, origin: origin, now: now, into: &out)
            return
        }
        counts.lines += 1
        // Journal records are parsed already (their program may be missing: then they are not a program's line).
        // The record is read in place (borrowed), not copied: a copy retains and releases each of its strings.
        if r.program == nil && r.fields.isEmpty && stream != .journald {
            guard var parsed = syslog.parse(r.message[...], now: now) else {
                counts.rejected[.unparsableSyslog, default: 0] += 1
                return
            }
            parsed.position = r.position
            normalize(parsed, raw: r.message, stream: stream, origin: origin, now: now, into: &out)
        } else {
            normalize(r, raw: r.message, stream: stream, origin: origin, now: now, into: &out)
        }
    }

    private mutating func normalize(
        _ record: RawRecord, raw: String, stream: InputID, origin: Origin, now: Timestamp,
        into out: inout [ActivityEvent]
    ) {
        switch normalizers[stream, default: Normalizer()].normalize(record) {
        case .events(let events):
            append(
                events, position: record.position, raw: raw, origin: origin, now: now, pid: record.pid,
                fromAudit: false, into: &out)
        case .unmatched(let program):
            // A line without a program (no tag after the stamp) is not a program's line: it cannot be parsed
            // as syslog, so it is rejected as such rather than counted as the traffic of a program `-`.
            if program.isEmpty {
                counts.rejected[.unparsableSyslog, default: 0] += 1
            } else {
                counts.unmatched[program, default: 0] += 1
            }
        }
    }

    /// One line of an audit log: parsed and normalized by the stream's ``AuditNormalizer``. Lines that are
    /// not audit records are counted as `unparsable_audit`; records that map to nothing as unmatched `audit`.
    mutating func processAudit(
        line r: RawRecord, stream: InputID, origin: Origin, now: Timestamp, into out: inout [ActivityEvent]
    ) {
        counts.lines += 1
        let result = auditNormalizers[stream, default: AuditNormalizer(host: auditHost)].normalize(line: r.message[...])
        switch result {
        case nil:
            counts.unparsableAudit += 1
        case .events(let events)?:
            append(
                events, position: r.position, raw: r.message, origin: origin, now: now, pid: nil, fromAudit: true,
                into: &out)
        case .unmatched(let program)?:
            counts.unmatched[program, default: 0] += 1
        }
    }

    private mutating func append(
        _ events: [ActivityEvent], position: InputPosition?, raw: String, origin: Origin, now: Timestamp,
        pid: Int?, fromAudit: Bool, into out: inout [ActivityEvent]
    ) {
        for var e in events {
            // Only this host's own logs are paired with its audit log: a syslog line received over UDP is the
            // sender's text (its host, pid, user and address included) and must not relabel a local record.
            if origin.input != "udp" { correlator.correlate(&e, pid: pid, fromAudit: fromAudit) }
            e.ingested = now
            var o = origin
            if let p = position { o.position = p.value }
            if keepRaw { o.raw = raw }
            e.origin = o
            out.append(e)
            counts.accepted += 1
        }
    }

    /// This machine's host name up to the first dot, as syslog writes it (nil when it cannot be read).
    static func localHostName() -> String? {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return nil }
        let name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let short = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        return short.isEmpty ? nil : short
    }

    func isAllowed(_ ip: IPAddress?, input: Int) -> Bool {
        guard let ip, input < udpInputs.count else { return false }
        return udpInputs[input].allow.contains { $0.contains(ip) }
    }

    /// Decodes one datagram into events (appended to `out`); rejections are counted by reason.
    mutating func process(_ d: Datagram, into out: inout [ActivityEvent]) {
        counts.datagrams += 1
        counts.bytes += d.bytes.count
        guard isAllowed(d.source, input: d.input) else { counts.rejected[.sourceNotAllowed, default: 0] += 1; return }
        guard !d.bytes.isEmpty else { counts.rejected[.emptyDatagram, default: 0] += 1; return }
        var d = d
        let verifier = udpInputs[d.input].verifier
        if verifier.isEnabled {
            let whole = Array(d.bytes)
            switch verifier.verify(whole) {
            case .success(let payload): d.bytes = whole[payload]
            case .failure(let why): counts.rejected[why, default: 0] += 1; return
            }
        }
        let source = d.source.map { ip in
            if let last = lastSource, last.ip == ip, last.port == d.port { return last.text }
            let text = ip.isV4 ? "\(ip):\(d.port)" : "[\(ip)]:\(d.port)"
            lastSource = (ip, d.port, text)
            return text
        }
        let decoder = self.decoder  // a copy, so the closure below may change self
        let bytes = d.bytes
        // Line places are reported from the payload's start; the slice's indices are its buffer's.
        let base = bytes.startIndex
        bytes.withUnsafeBufferPointer { payload in
            decoder.decode(datagram: payload, receivedAt: d.received, source: source) { r in
                switch r {
                case .event(let e):
                    counts.lines += 1
                    out.append(e)
                    counts.accepted += 1
                case .rejected(let why):
                    counts.lines += 1
                    counts.rejected[why, default: 0] += 1
                case .notJSON(let line):
                    // Syslog lines (RFC 5424 / 3164) sent over UDP go to the same parser and rules as file lines.
                    guard
                        let text = String(
                            validating: bytes[(base + line.lowerBound)..<(base + line.upperBound)], as: UTF8.self)
                    else {
                        counts.lines += 1
                        counts.rejected[.invalidUTF8, default: 0] += 1
                        return
                    }
                    // One normalizer per sending address (not per port: ports change per socket); bounded.
                    let stream = InputID.udp(sender: d.source?.description ?? "?")
                    if normalizers.count >= 1024 && normalizers[stream] == nil { normalizers.removeAll() }
                    process(
                        record: RawRecord(message: text), stream: stream,
                        origin: Origin(input: "udp", source: source), now: d.received, into: &out)
                }
            }
        }
    }
}
