import Foundation
import Synchronization
import Logging
import ServiceLifecycle
import ActivityModel
import ActivityReports
import ActivityStore

/// The only writer of the data directory. Drains the store queue in group commits on its own thread,
/// fsyncs by policy, rotates on size and age, applies retention and writes `stats.json`.
///
/// On a write error (a full disk) it keeps the batch in hand, marks the store paused (counters, STATUS=,
/// `stats.json`), stops taking new batches — so file and journald inputs block and UDP counts drops upstream —
/// and retries every second until the write succeeds. A data directory that cannot even be opened for lack of
/// space (a full disk and no segment yet: the first segment's header cannot be written) is the same case: the
/// daemon starts, the store is paused and retries the open every second, and file and journald inputs wait
/// for it (they need the positions it recovers). On graceful shutdown it drains the queue, fsyncs and returns.
final class StoreService: Service, @unchecked Sendable {
    // @unchecked Sendable: `initialWriter` is handed to the store thread (`loop`) when `run` starts and touched
    // by no other thread; the gate and the counters are locked.
    private let initialWriter: SegmentWriter?
    /// Opens the data directory again while the first open failed for lack of space.
    let openWriter: @Sendable () throws(StoreError) -> SegmentWriter
    let queue: BoundedQueue<StoreBatch>
    let counters: DaemonCounters
    let logger: Logger
    let fsyncInterval: Double
    let dataDirectory: String
    let statsPath: String
    let started = SystemClock.now()
    /// Opened once the writer is: file and journald inputs wait on it for their positions.
    let opened = StoreGate()
    /// The embedder's observer of stored events (``Daemon/onStored``).
    let onStored: (@Sendable (_ events: [ActivityEvent], _ seqs: ClosedRange<UInt64>) -> Void)?
    /// Set when the daemon starts stopping (before this service's own turn): a store that cannot write (full
    /// disk) then stops retrying, so the shutdown does not wait for space that may never come.
    let stopping = Atomic<Bool>(false)

    /// - Parameters:
    ///   - writer: The writer opened at start, or `nil` when the open failed for lack of space (the store then
    ///     starts paused and calls `openWriter` every second).
    ///   - openWriter: Opens the data directory (the same call that made `writer`).
    init(
        writer: SegmentWriter?, openWriter: @escaping @Sendable () throws(StoreError) -> SegmentWriter,
        dataDirectory: String,
        queue: BoundedQueue<StoreBatch>, counters: DaemonCounters, fsyncInterval: Double,
        logger: Logger, onStored: (@Sendable (_ events: [ActivityEvent], _ seqs: ClosedRange<UInt64>) -> Void)? = nil
    ) {
        self.onStored = onStored
        self.initialWriter = writer
        self.openWriter = openWriter
        self.queue = queue
        self.counters = counters
        self.fsyncInterval = fsyncInterval
        self.logger = logger
        self.dataDirectory = dataDirectory
        self.statsPath = dataDirectory + "/stats.json"
        if let writer {
            // Everything recovered from disk at start is durable.
            counters.update {
                $0.lastSeq = writer.nextSeq - 1; $0.durableSeq = Int(writer.durableSeq) - 1
            }
            opened.open(positions: writer.positions)
        } else {
            counters.update {
                $0.storePaused = true; $0.storeErrors[StoreError.Code.noSpace.rawValue, default: 0] += 1
            }
        }
    }

    func run() async throws {
        let failure = Mutex<StoreError?>(nil)
        await withGracefulShutdownHandler {
            await runOnDedicatedThread(name: "store") {
                switch self.initialWriter.map({ .success($0) }) ?? self.waitForWriter() {
                case .success(let writer): self.loop(writer)
                case .failure(let error) where error.code == .noSpace: self.discardUnwritable()
                case .failure(let error): failure.withLock { $0 = error }
                }
            }
        } onGracefulShutdown: {
            self.queue.close()
        }
        // Waiting does not cure this one (the directory became unreadable, another writer took the lock): the
        // daemon ends, as it would have at start.
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Retries opening the data directory every second while it fails for lack of space. Fails with
    /// `.noSpace` when the daemon stops first, or with the error of an open that failed for another reason.
    private func waitForWriter() -> Result<SegmentWriter, StoreError> {
        logger.error(
            "cannot open the data directory: no space; the store is paused and retries every second",
            metadata: ["store.dir": "\(dataDirectory)"])
        var lastStats = 0.0
        removeEmptySegments()
        while !stopping.load(ordering: .relaxed) {
            do {
                let writer = try openWriter()
                counters.update {
                    $0.storePaused = false
                    $0.lastSeq = writer.nextSeq - 1
                    $0.durableSeq = Int(writer.durableSeq) - 1
                }
                logger.notice(
                    "store opened; writes resumed",
                    metadata: [
                        "store.next_seq": "\(writer.nextSeq)", "store.recovery": "\(writer.recovery)",
                    ])
                opened.open(positions: writer.positions)
                return .success(writer)
            } catch {
                removeEmptySegments()
                counters.update {
                    $0.storeErrors[error.code.rawValue, default: 0] += 1; $0.storePaused = true
                }
                guard error.code == .noSpace else {
                    logger.critical("cannot open the data directory; stopping", metadata: ["error": "\(error)"])
                    opened.abandon()
                    return .failure(error)
                }
            }
            let t = SystemClock.monotonicSeconds()
            if t - lastStats >= 2 { writeStats(); lastStats = t }
            Thread.sleep(forTimeInterval: 1)
        }
        opened.abandon()
        return .failure(StoreError(.noSpace, "stopped before the data directory could be opened", path: dataDirectory))
    }

    /// A failed open leaves the segment it began with empty (its header could not be written). It holds
    /// nothing, and the writer's recovery would replace it at the next open, but a reader would list it and an
    /// operator would wonder: remove it. Only called while this process has no writer open.
    private func removeEmptySegments() {
        let segments = dataDirectory + "/segments"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: segments)) ?? [] where name.hasSuffix(".seg")
        {
            let path = segments + "/" + name
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    /// The store never opened: what the pipeline hands over until the queue closes is counted as lost.
    private func discardUnwritable() {
        var lost = 0
        while let items = queue.popBatch(max: 1024, timeout: 0.25, linger: 0) {
            let n = items.reduce(0) { $0 + $1.events.count }
            lost += n
            counters.update { $0.dropped["store_unwritable", default: 0] += n }
        }
        if lost > 0 {
            logger.error("stopping while writes fail: events not written", metadata: ["events": "\(lost)"])
        }
        writeStats()
        logger.info("store closed without opening the data directory")
    }

    private func loop(_ writer: SegmentWriter) {
        var lastSync = SystemClock.monotonicSeconds()
        var lastStats = 0.0
        var held: StoreBatch?
        var heldCallbacks: [@Sendable () -> Void] = []
        // Written, waiting for the fdatasync that makes them durable.
        var awaitingSync: [@Sendable () -> Void] = []
        var paused = false
        /// Events of the popped batch up to the end of the item that carried its risk checkpoint.
        var checkpointEvents = 0
        /// Once any event was dropped, the pipeline's risk state is ahead of the store: no more checkpoints.
        var droppedAny = false
        let checkpoints = RiskCheckpointWriter(dataDirectory: dataDirectory, logger: logger, counters: counters)
        while true {
            var batch: StoreBatch
            if let h = held {
                batch = h
            } else {
                guard let items = queue.popBatch(max: 1024, timeout: min(0.25, fsyncInterval), linger: 0.005) else {
                    break
                }
                batch = StoreBatch(events: [], positions: [])
                heldCallbacks = []
                for item in items {
                    batch.events += item.events
                    batch.positions += item.positions
                    if let cp = item.riskCheckpoint {
                        // The newest wins; it covers the events up to the end of its own batch.
                        batch.riskCheckpoint = cp
                        checkpointEvents = batch.events.count
                    }
                    if let c = item.onDurable { heldCallbacks.append(c) }
                }
            }
            let now = SystemClock.now()
            if !batch.events.isEmpty || !batch.positions.isEmpty {
                do {
                    let firstSeq = writer.nextSeq
                    let stored = try writer.append(batch.events, positions: batch.positions, now: now)
                    held = nil
                    if let failure = writer.takePrefixIndexFailure() {
                        // The events are stored; only the index readers use for the active segment's prefix is
                        // missing (they scan that part instead).
                        counters.update { $0.storeErrors[failure.code.rawValue, default: 0] += 1 }
                        logger.warning(
                            "prefix index not written; readers scan the active segment instead",
                            metadata: ["error": "\(failure)"])
                    }
                    awaitingSync += heldCallbacks
                    heldCallbacks = []
                    if let onStored, let stored { onStored(batch.events, stored) }
                    if let cp = batch.riskCheckpoint, !droppedAny {
                        checkpoints.write(cp, lastSeq: firstSeq + UInt64(checkpointEvents) - 1, writer: writer)
                    }
                    if paused {
                        paused = false
                        logger.notice("store writes resumed", metadata: ["store.next_seq": "\(writer.nextSeq)"])
                    }
                    counters.update {
                        $0.eventsStored += stored?.count ?? 0
                        $0.lastSeq = writer.nextSeq - 1
                        $0.bytesWritten = writer.bytesWritten
                        $0.storePaused = false
                    }
                    if writer.options.fsync == .batch { noteSync(writer, 0) }
                } catch {
                    held = batch
                    counters.update {
                        $0.storeErrors[error.code.rawValue, default: 0] += 1
                        $0.storePaused = true
                    }
                    if stopping.load(ordering: .relaxed) {
                        // Stopping and still unable to write: these events are lost. Count them, say so, and go
                        // on (every later batch fails the same way), so the drain and the exit complete. File
                        // and journal positions travel with their events, so those lines are read again at the
                        // next start; UDP events are gone.
                        held = nil
                        droppedAny = true
                        let n = batch.events.count
                        counters.update { $0.dropped["store_unwritable", default: 0] += n }
                        logger.error(
                            "stopping while writes fail: events not written",
                            metadata: [
                                "events": "\(n)", "error": "\(error)",
                            ])
                        continue
                    }
                    if !paused {
                        logger.error(
                            "store write failed; pausing inputs and retrying every second",
                            metadata: ["error": "\(error)"])
                        paused = true
                    }
                    // Readers of stats.json (`activityctl stats`) must see the pause too, not the last
                    // counters from before it.
                    let t = SystemClock.monotonicSeconds()
                    if t - lastStats >= 2 { writeStats(); lastStats = t }
                    Thread.sleep(forTimeInterval: 1)
                    continue
                }
            }
            let t = SystemClock.monotonicSeconds()
            if writer.hasUnsyncedData && t - lastSync >= fsyncInterval && writer.options.fsync == .interval {
                syncNow(writer)
                lastSync = t
                // Readers of stats.json (and crash tests) learn promptly what is durable.
                if t - lastStats >= 0.5 { writeStats(); lastStats = t }
            }
            do {
                let sealedBefore = writer.segmentsSealed
                try writer.sealIfDue(now: now)
                try writer.rotateIfNeeded(now: now)
                if writer.segmentsSealed != sealedBefore {
                    logger.info("segment sealed", metadata: ["segment.next_first_seq": "\(writer.nextSeq)"])
                    counters.update {
                        $0.segmentsSealed = writer.segmentsSealed; $0.durableSeq = Int(writer.durableSeq) - 1
                    }
                }
            } catch {
                counters.update { $0.storeErrors["rotate", default: 0] += 1 }
                logger.error("segment rotation failed", metadata: ["error": "\(error)"])
            }
            if t - lastStats >= 2 {
                writeStats()
                lastStats = t
            }
            if !awaitingSync.isEmpty && !writer.hasUnsyncedData {
                for c in awaitingSync { c() }
                awaitingSync.removeAll()
            }
        }
        // A clean stop: fdatasync, seal what was written since the last seal (and move the sealing key on), and
        // write the active segment's prefix index.
        do {
            try writer.close()
            noteSync(writer, 0)
            for c in awaitingSync { c() }
        } catch {
            counters.update { $0.storeErrors["close", default: 0] += 1 }
            logger.error("closing the store failed", metadata: ["error": "\(error)"])
            syncNow(writer)
        }
        writeStats()
        logger.info("store closed", metadata: ["store.last_seq": "\(writer.nextSeq - 1)"])
    }

    private func syncNow(_ writer: SegmentWriter) {
        let t0 = SystemClock.monotonicSeconds()
        do {
            try writer.sync()
            noteSync(writer, SystemClock.monotonicSeconds() - t0)
        } catch {
            counters.update { $0.storeErrors["fsync", default: 0] += 1 }
            logger.error("fdatasync failed", metadata: ["error": "\(error)"])
        }
    }

    private func noteSync(_ writer: SegmentWriter, _ seconds: Double) {
        let durable = writer.durableSeq
        counters.update {
            $0.fsyncs += 1
            $0.fsyncSecondsTotal += seconds
            $0.fsyncSecondsMax = max($0.fsyncSecondsMax, seconds)
            $0.durableSeq = Int(durable) - 1
        }
    }

    private func writeStats() {
        counters.update { $0.queueDepth = queue.depth }
        let text = counters.snapshot.json(pid: getpid(), started: started, now: SystemClock.now()) + "\n"
        let tmp = statsPath + ".tmp"
        if FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)), rename(tmp, statsPath) == 0 {
            return
        }
        unlink(tmp)
        // A full disk: a new file cannot get a block, but the one stats.json already has can be written over
        // (the text is a few hundred bytes, well within it). Not atomic for a reader, who may read a mix of
        // two versions in the rare case it reads during this write; `activityctl stats` reads again then.
        let fd = open(statsPath, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if written == bytes.count { _ = ftruncate(fd, off_t(bytes.count)) }
    }
}

/// Tells inputs that resume from stored positions (files, journald) when the store has opened and what it
/// recovered: at once when the data directory opened at start, later when the open waited for space.
final class StoreGate: Sendable {
    enum State: Sendable { case pending, opened([InputID: String]), abandoned }
    private let state = Mutex(State.pending)

    /// Opens the gate with the positions the writer recovered (by their stored names).
    func open(positions: [String: String]) { state.withLock { $0 = .opened(InputID.positions(positions)) } }
    func abandon() { state.withLock { if case .pending = $0 { $0 = .abandoned } } }
    var current: State { state.withLock { $0 } }
}

/// Runs an input that needs the store's recovered positions once the store has opened (immediately in the
/// usual case); returns without running it when the daemon stops before that.
struct AfterStoreOpens: Service {
    let gate: StoreGate
    let make: @Sendable ([InputID: String]) -> any Service

    func run() async throws {
        while true {
            switch gate.current {
            case .opened(let positions):
                try await make(positions).run()
                return
            case .abandoned:
                return
            case .pending:
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// Writes risk checkpoints (`risk.checkpoint`) on a thread of its own: encoding a large state takes a while and
/// must not hold the store. The segment is fsynced first, so a checkpoint never covers events a power loss could
/// take back. While one is being written, newer ones are skipped (the next interval brings another).
final class RiskCheckpointWriter: Sendable {
    let path: String
    let logger: Logger
    let counters: DaemonCounters
    private let busy = Atomic<Bool>(false)

    init(dataDirectory: String, logger: Logger, counters: DaemonCounters) {
        path = RiskHolder.checkpointPath(dataDirectory: dataDirectory)
        self.logger = logger
        self.counters = counters
    }

    /// Called on the store thread after the append that stored `lastSeq`.
    func write(_ engine: RiskEngine, lastSeq: UInt64, writer: SegmentWriter) {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        do {
            try writer.sync()
        } catch {
            busy.store(false, ordering: .releasing)
            logger.warning("risk checkpoint skipped: fdatasync failed", metadata: ["error": "\(error)"])
            return
        }
        let path = self.path, logger = self.logger, counters = self.counters
        let thread = Thread { [self] in
            nameCurrentThread("risk-checkpoint")
            let started = SystemClock.monotonicSeconds()
            do {
                try RiskHolder.write(engine, lastSeq: lastSeq, to: path)
                counters.update { $0.riskCheckpoints += 1 }
                logger.debug(
                    "risk checkpoint written",
                    metadata: [
                        "risk.seq": "\(lastSeq)", "risk.users": "\(engine.trackedUsers)",
                        "risk.seconds": "\(String(format: "%.3f", SystemClock.monotonicSeconds() - started))",
                    ])
            } catch {
                logger.warning("risk checkpoint not written", metadata: ["error": "\(error)"])
            }
            self.busy.store(false, ordering: .releasing)
        }
        thread.start()
    }
}
