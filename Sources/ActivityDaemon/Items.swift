import ActivityModel
import ActivityReports
import ActivityConfig

/// A datagram as the UDP input hands it to the pipeline.
struct Datagram: Sendable {
    /// The payload: a slice of the buffer its read cycle's datagrams were copied into together (one allocation
    /// per cycle, not one per datagram; its indices are that buffer's).
    var bytes: ArraySlice<UInt8>
    var source: IPAddress?
    var port: Int
    var received: Timestamp
    /// Which `[[input.udp]]` received it (its allow-list and keys apply).
    var input: Int = 0
}

/// What an input hands to the pipeline.
enum PipelineItem: Sendable {
    case datagrams([Datagram])
    /// Records from a file or the journal, with the position reached after them (committed with their events),
    /// and how a file's lines are read (journal records are always `.syslog`: parsed already).
    case records([RawRecord], input: InputID, position: InputPosition?, format: FileInputFormat = .syslog)
    /// Checks the API records (`api.record = true`) as `login_check` events.
    case checks([ActivityEvent])
}

/// What the pipeline hands to the store: events and the input positions they advance.
struct StoreBatch: Sendable {
    var events: [ActivityEvent]
    var positions: [InputPosition]
    /// The risk state of every event handed to the store up to and including this batch's, to be written as
    /// `risk.checkpoint` once this batch is stored (it then covers exactly the seqs up to its last event).
    var riskCheckpoint: RiskEngine? = nil
    /// Called on the store's thread once the batch's events and positions are durable (fsynced): the NATS
    /// collector acknowledges to the stream only then. Not called when the batch is never written.
    var onDurable: (@Sendable () -> Void)? = nil
}
