import Foundation
import ActivityModel
import ActivityPipeline

/// Turns what inputs read into events: the pure part of the pipeline, run on the pipeline thread.
/// Not Sendable: it keeps small normalizer state; one pipeline thread owns it.
struct EventProcessor {
    var decoder = AppEventDecoder()
    /// Per `[[input.udp]]`: its allow-list and signature keys.
    var udpInputs: [(allow: [CIDR], verifier: SignatureVerifier)]
    var counts = LocalCounts()
    let syslog: SyslogParser
    /// One normalizer per input stream: its pairing state (PAM sessions by pid, repeats) must not mix streams.
    var normalizers: [String: Normalizer] = [:]
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

        mutating func reset() { self = LocalCounts() }
    }

    init(udpInputs: [(allow: [CIDR], verifier: SignatureVerifier)], keepRaw: Bool, timeZone: TimeZone) {
        self.udpInputs = udpInputs
        self.keepRaw = keepRaw
        self.syslog = SyslogParser(timeZone: timeZone)
        decoder.keepRaw = keepRaw
    }

    /// Normalizes one raw record of an input stream, appending its events; unmatched lines are counted per
    /// program. File lines arrive unparsed (the syslog parser splits them); journal records arrive parsed.
    mutating func process(record r: RawRecord, stream: String, origin: Origin, now: Timestamp, into out: inout [ActivityEvent]) {
        counts.lines += 1
        var record = r
        if record.program == nil && record.fields.isEmpty {
            guard let parsed = syslog.parse(record.message[...], now: now) else {
                counts.rejected[.unparsableSyslog, default: 0] += 1
                return
            }
            let position = record.position
            record = parsed
            record.position = position
        }
        switch normalizers[stream, default: Normalizer()].normalize(record) {
        case .events(let events):
            for var e in events {
                e.ingested = now
                var o = origin
                if let p = record.position { o.position = p.value }
                if keepRaw { o.raw = r.message }
                e.origin = o
                out.append(e)
                counts.accepted += 1
            }
        case .unmatched(let program):
            counts.unmatched[program.isEmpty ? "-" : program, default: 0] += 1
        }
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
            switch verifier.verify(d.bytes) {
            case .success(let payload): d.bytes = Array(d.bytes[payload])
            case .failure(let why): counts.rejected[why, default: 0] += 1; return
            }
        }
        let source = d.source.map { ip in
            if let last = lastSource, last.ip == ip, last.port == d.port { return last.text }
            let text = ip.isV4 ? "\(ip):\(d.port)" : "[\(ip)]:\(d.port)"
            lastSource = (ip, d.port, text)
            return text
        }
        let decoder = self.decoder   // a copy, so the closure below may change self
        decoder.decode(datagram: d.bytes, receivedAt: d.received, source: source) { r in
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
                guard let text = String(validating: d.bytes[line], as: UTF8.self) else {
                    counts.lines += 1
                    counts.rejected[.invalidUTF8, default: 0] += 1
                    return
                }
                // One normalizer per sending address (not per port: ports change per socket); bounded.
                let stream = "udp:" + (d.source?.description ?? "?")
                if normalizers.count >= 1024 && normalizers[stream] == nil { normalizers.removeAll() }
                process(record: RawRecord(message: text), stream: stream,
                        origin: Origin(input: "udp", source: source), now: d.received, into: &out)
            }
        }
    }
}
