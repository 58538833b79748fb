import ActivityModel

/// One event as bytes for another process: what the NATS forwarder publishes and the collector decodes
/// (`docs/multi-host.md`). The segment codec's encoding of one event (`docs/segment-format.md` §5) behind
/// its own small header, so nothing of an event is lost on the way (times to the nanosecond, enrichment,
/// risk flags, origin):
///
///     "AEV1"              4 bytes, magic and version
///     seq                 varint: the event's seq in the sending host's store
///     string table        varint count, then each string as varint length + UTF-8
///     event               the segment codec's event bytes, referring to the table
///
/// Decoding checks every length and reference and that nothing follows the event: a malformed message is
/// `nil`, never a crash.
public enum WireEvent {
    static let magic: [UInt8] = Array("AEV1".utf8)

    /// The bytes of `e`, its `seq` included (the sending host's position, which the receiver keeps in `origin`).
    public static func encode(_ e: ActivityEvent) -> [UInt8] {
        var table = FrameStringTable()
        var body = ByteWriter(capacity: 256)
        EventCodec.encode(e, into: &body, table: &table)
        var w = ByteWriter(capacity: body.bytes.count + 64)
        for b in magic { w.u8(b) }
        w.varint(e.seq)
        table.write(into: &w)
        w.bytes.append(contentsOf: body.bytes)
        return w.bytes
    }

    /// The event `bytes` carry, with the sender's seq; nil when they are not exactly one well-formed `AEV1` event.
    public static func decode(_ bytes: [UInt8]) -> ActivityEvent? {
        bytes.withUnsafeBytes { raw -> ActivityEvent? in
            var r = ByteReader(raw)
            for m in magic { guard r.u8() == m else { return nil } }
            guard let seq = r.varint(), let table = r.stringTable(),
                let e = EventCodec.decode(&r, seq: seq, table: table), r.atEnd
            else { return nil }
            return e
        }
    }
}
