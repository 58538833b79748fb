/// One record as an input read it, before normalization: a syslog line, a journal entry or a datagram line.
///
/// Inputs fill what they know: journald gives structured fields (`_COMM`, `_PID`, `SYSLOG_IDENTIFIER`,
/// `MESSAGE_ID`...), a file line gives only ``message`` until the syslog parser has split it.
public struct RawRecord: Hashable, Sendable {
    /// When it was logged, if the input knows (journald's `_SOURCE_REALTIME_TIMESTAMP`, a syslog stamp).
    public var time: Timestamp?
    /// The host that logged it, when the input knows (the syslog hostname, journald's `_HOSTNAME`).
    public var host: String?
    /// Program name: the syslog tag, `SYSLOG_IDENTIFIER` or `_COMM`.
    public var program: String?
    /// Process id of the program, when known (the syslog tag's `[pid]`, journald's `_PID`).
    public var pid: Int?
    /// The message text after the syslog header.
    public var message: String
    /// Structured fields (journald), by their journal names.
    public var fields: [String: String]
    /// Which input and where in it; travels with the record to the store.
    public var position: InputPosition?

    /// A record of `message`; inputs fill the other fields they know.
    public init(
        time: Timestamp? = nil, host: String? = nil, program: String? = nil, pid: Int? = nil,
        message: String, fields: [String: String] = [:], position: InputPosition? = nil
    ) {
        self.time = time; self.host = host; self.program = program; self.pid = pid
        self.message = message; self.fields = fields; self.position = position
    }
}

/// An input's position, committed in the store in the same write as the events it produced (DESIGN.md),
/// so a restart resumes exactly after the last stored record.
public struct InputPosition: Hashable, Sendable {
    /// The input instance; the store commits it under ``InputID/stored``.
    public var input: InputID
    /// Opaque to the store: a journal cursor, or a file identity and offset, as the input encodes it.
    public var value: String

    /// Position `value` of input `input`.
    public init(input: InputID, value: String) { self.input = input; self.value = value }
}
