import Logging
import ServiceLifecycle
import Synchronization
import ActivityModel
import ActivityConfig
import ActivityPipeline
import SystemdJournal

/// Reads the systemd journal (or journal files) through sd-journal on a dedicated thread, which owns the
/// `sd_journal` handle. Records go to the pipeline in batches with the cursor reached after them; the
/// cursor is committed by the store in the same write as the batch's events and read back at start, so
/// entries become events exactly once across restarts. A stored cursor that no longer exists (rotation,
/// vacuuming) resumes at the first entry after its time, and the gap is logged and counted.
final class JournalInputService: Service, @unchecked Sendable {
    // @unchecked Sendable: the Journal is created and used only on the input's own thread; `stopping` is atomic.
    let configuration: JournaldConfiguration
    let queue: BoundedQueue<PipelineItem>
    let cursor: String?
    let counters: DaemonCounters
    let logger: Logger
    private let stopping = Atomic<Bool>(false)

    init(
        configuration: JournaldConfiguration, queue: BoundedQueue<PipelineItem>, positions: [InputID: String],
        counters: DaemonCounters, logger: Logger
    ) {
        self.configuration = configuration
        self.queue = queue
        self.cursor = positions[.journald]
        self.counters = counters
        self.logger = logger
    }

    func run() async throws {
        let failure = Mutex<(any Error)?>(nil)
        await withGracefulShutdownHandler {
            await runOnDedicatedThread(name: "journal-input") {
                do { try self.loop() } catch { failure.withLock { $0 = error } }
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// The position to commit with a batch: the cursor of its last entry, on which the journal still stands
    /// (also after reaching the end). Should libsystemd not give it, the last position a record of the batch
    /// carries, or none: the entries after it made no events, so reading them again after a restart adds none.
    private func batchPosition(_ batch: [RawRecord], _ reader: JournalReader) -> InputPosition? {
        if let last = batch.last?.position { return last }
        if let current = try? reader.currentPosition() { return current }
        return batch.last(where: { $0.position != nil })?.position
    }

    private func loop() throws {
        let source: JournalSource
        if !configuration.files.isEmpty {
            source = .files(configuration.files)
        } else if let dir = configuration.directory {
            source = .directory(dir)
        } else {
            source = .system
        }
        let journal = try Journal(source)
        if !configuration.matches.isEmpty { try journal.addMatches(anyOf: configuration.matches) }
        let reader = JournalReader(journal: journal, inputName: .journald)
        // The live system journal starts at its end the first time; journal files given explicitly are imports.
        let fallback: JournalStart = source == .system ? .tail : .head
        switch try reader.resume(from: cursor, otherwise: fallback) {
        case .started(let s): logger.info("reading the journal", metadata: ["journal.start": "\(s)"])
        case .continuedAfterCursor: logger.info("resuming the journal after the stored cursor")
        case .resumedAfterGap(let gap):
            counters.update { $0.dropped["journal_gap", default: 0] += 1 }
            logger.warning(
                "the stored journal cursor no longer exists (rotated or vacuumed); resumed after its time",
                metadata: [
                    "journal.last_read": "\(gap.lastReadTime)",
                    "journal.resumed_at": "\(gap.resumedAtTime.map { "\($0)" } ?? "end")",
                ])
        case .cursorUnusable(_, let s):
            counters.update { $0.dropped["journal_gap", default: 0] += 1 }
            logger.warning("the stored journal cursor is unusable; starting over", metadata: ["journal.start": "\(s)"])
        }
        var batch: [RawRecord] = []
        batch.reserveCapacity(1000)
        // Only events carry an entry's cursor (`origin.position`), so records normalization certainly leaves
        // unmatched are read without one; the batch's own position is the cursor of its last entry.
        let mayMakeEvents: (RawRecord) -> Bool = { Normalizer.mayMakeEvents(program: $0.program, message: $0.message) }
        while !stopping.load(ordering: .relaxed) {
            while batch.count < 1000, let r = try reader.nextRecord(positionWhen: mayMakeEvents) { batch.append(r) }
            if !batch.isEmpty {
                guard queue.push(.records(batch, input: .journald, position: batchPosition(batch, reader)))
                else { return }
                batch.removeAll(keepingCapacity: true)
                continue
            }
            _ = try journal.wait(timeout: .milliseconds(250))
        }
    }
}
