import ActivityModel
import Foundation

/// Builds the active segment's index on a thread of its own, so that the writer's thread only encodes, checksums
/// and writes frames while the postings, account digests and login attempts of the frames before are added.
///
/// The writer hands over each append's frames after they are written (``add(_:)``), and reads the index only
/// through ``withIndex(_:)``, which first waits until every frame handed over is in it: the rotation's index and
/// `close` see exactly what they saw when the writer built the index itself (and a prefix index, written here
/// after exactly the frames handed over before it, too). What a frame
/// hands over is values (the events, their string ids and the frame's string table, copied on write when the
/// writer reuses its buffers), so the two threads share nothing mutable but the queue behind the lock.
///
/// The writer also hands over the writing of the active segment's prefix index (``writeIndex(path:segmentLength:)``,
/// after its fdatasync): encoded and written on this thread once the frames handed over before it are in the
/// index, so the appending thread does not stop to encode it (a prefix index of 250,000 events was ~14 % of the
/// appending thread's instructions, callgrind, issue 21). A failed write is kept for ``takeWriteFailure()``.
///
/// The queue is bounded (``maxPendingFrames``): a writer far ahead of its index waits, so memory stays bounded.
/// The thread ends when the worker goes (its owner, the writer, went or replaced it); what was still queued then
/// is dropped (recovery rebuilds or scans what an index does not cover).
final class IndexWorker {
    /// One events frame for the index, as the writer wrote it.
    struct Frame: @unchecked Sendable {
        // @unchecked Sendable: plain values (arrays copied on write), handed over under the lock.
        var offset: Int
        var baseSeq: UInt64
        var events: ArraySlice<ActivityEvent>
        var refs: [EventRefs]
        var table: StringTable
    }

    /// What the thread does next: add a frame, or write the index as it is then.
    enum Job: @unchecked Sendable {
        // @unchecked Sendable: as ``Frame``.
        case frame(Frame)
        /// Encode the index for a segment of `segmentLength` bytes and write it to `path` (atomically).
        case write(path: String, segmentLength: Int)
    }

    /// Frames handed over and not yet in the index, at most (about 64 × 1,000 events).
    static let maxPendingFrames = 64

    private let state: State

    init(_ builder: IndexBuilder) {
        let state = State(builder)
        self.state = state
        let thread = Thread {
            nameCurrentThread("store-index")
            state.run()
        }
        thread.start()
    }

    deinit { state.stop() }

    /// Queues an append's frames for the index; waits while the queue is full.
    func add(_ frames: [Frame]) { state.add(frames.map { .frame($0) }) }

    /// Queues the writing of the index as it is once the frames handed over so far are in it: encoded for a segment
    /// of `segmentLength` bytes and written to `path` on the worker's thread.
    func writeIndex(path: String, segmentLength: Int) { state.add([.write(path: path, segmentLength: segmentLength)]) }

    /// The first failure of a queued index write since the last call (nil: none), after every queued job ran.
    func takeWriteFailure() -> StoreError? { state.takeWriteFailure() }

    /// The first failure of a queued index write since the last call among the jobs that ran so far, without
    /// waiting for the others (the appending thread asks after each append, so a long run reports it then).
    func pollWriteFailure() -> StoreError? { state.pollWriteFailure() }

    /// Runs `body` on the index once every frame handed over is in it (the worker waits meanwhile).
    func withIndex<R, E: Error>(_ body: (inout IndexBuilder) throws(E) -> R) throws(E) -> R {
        try state.withIndex(body)
    }

    /// What the writer and the worker thread share.
    private final class State: @unchecked Sendable {
        // @unchecked Sendable: every mutable property is read and written with `condition` locked; the builder is
        // the worker thread's while `building` is true, and `withIndex`'s caller's only once `building` went false
        // with the queue empty (both under the lock).
        private let condition = NSCondition()
        private var builder: IndexBuilder
        private var pending: [Job] = []
        private var writeFailure: StoreError?
        private var building = false
        private var stopped = false

        init(_ builder: IndexBuilder) { self.builder = builder }

        func add(_ frames: [Job]) {
            guard !frames.isEmpty else { return }
            condition.lock()
            while pending.count >= IndexWorker.maxPendingFrames && !stopped { condition.wait() }
            pending.append(contentsOf: frames)
            condition.broadcast()
            condition.unlock()
        }

        func withIndex<R, E: Error>(_ body: (inout IndexBuilder) throws(E) -> R) throws(E) -> R {
            condition.lock()
            defer { condition.unlock() }
            while !pending.isEmpty || building { condition.wait() }
            return try body(&builder)
        }

        func takeWriteFailure() -> StoreError? {
            condition.lock()
            defer { condition.unlock() }
            while !pending.isEmpty || building { condition.wait() }
            defer { writeFailure = nil }
            return writeFailure
        }

        func pollWriteFailure() -> StoreError? {
            condition.lock()
            defer { condition.unlock() }
            defer { writeFailure = nil }
            return writeFailure
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }

        func run() {
            var batch: [Job] = []
            var failure: StoreError?
            var index = IndexBuilder(firstSeq: 0)
            while true {
                condition.lock()
                while pending.isEmpty && !stopped { condition.wait() }
                if stopped {
                    condition.unlock()
                    return
                }
                swap(&batch, &pending)
                // The builder is this thread's until `building` is false again (`withIndex` waits for that); it is
                // moved out, not copied, so adding to it does not copy its postings.
                swap(&index, &builder)
                building = true
                condition.broadcast()
                condition.unlock()
                for job in batch {
                    switch job {
                    case .frame(let f):
                        index.addFrame(
                            offset: f.offset, baseSeq: f.baseSeq, events: f.events, refs: f.refs, table: f.table)
                    case .write(let path, let segmentLength):
                        do throws(StoreError) {
                            try FS.writeAtomically(path, index.encode(segmentLength: segmentLength))
                        } catch {
                            if failure == nil { failure = error }
                        }
                    }
                }
                batch.removeAll(keepingCapacity: true)
                condition.lock()
                swap(&index, &builder)
                if writeFailure == nil { writeFailure = failure }
                failure = nil
                building = false
                condition.broadcast()
                condition.unlock()
            }
        }
    }
}
