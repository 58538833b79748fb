public import ActivityModel

/// The parts of a journal cursor string, parsed without a journal handle.
///
/// A cursor looks like `s=<seqnum id>;i=<seqnum>;b=<boot id>;m=<monotonic>;t=<realtime>;x=<xor hash>`, numbers
/// in lower-case hex. libsystemd documents cursors as opaque; this parser exists for one purpose: when the
/// entry a stored cursor names has been vacuumed, its `t=` field still tells *when* reading stopped, so
/// ``JournalReader`` can resume after that time. Unknown keys are ignored and a missing or malformed part is
/// `nil`; parsing never fails.
public struct JournalCursor: Sendable, Hashable {
    /// The cursor text as stored.
    public var text: String
    /// `s=`: the ID of the sequence-number series (one per journal writer).
    public var sequenceNumberID: String?
    /// `i=`: the entry's sequence number within its series.
    public var sequenceNumber: UInt64?
    /// `b=`: the boot ID.
    public var bootID: String?
    /// `m=`: the monotonic time of the entry in microseconds since boot.
    public var monotonicMicroseconds: UInt64?
    /// `t=`: the entry's receive time (wall clock).
    public var realtime: Timestamp?
    /// `x=`: the entry's XOR hash of its fields.
    public var xorHash: UInt64?

    /// Parses `text`; parts that are missing or not hex are left `nil`.
    ///
    /// - Parameter text: A cursor string, e.g. from ``Journal/currentCursor()``.
    public init(_ text: String) {
        self.text = text
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let key = part[..<equals]
            let value = part[part.index(after: equals)...]
            switch key {
            case "s": sequenceNumberID = value.isEmpty ? nil : String(value)
            case "i": sequenceNumber = UInt64(value, radix: 16)
            case "b": bootID = value.isEmpty ? nil : String(value)
            case "m": monotonicMicroseconds = UInt64(value, radix: 16)
            case "t": realtime = UInt64(value, radix: 16).map(Timestamp.init(journalMicroseconds:))
            case "x": xorHash = UInt64(value, radix: 16)
            default: continue
            }
        }
    }
}
