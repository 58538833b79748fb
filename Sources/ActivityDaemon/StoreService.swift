import Foundation
import Synchronization
import Logging
import ServiceLifecycle
import ActivityModel
import ActivityStore

/// The only writer of the data directory. Drains the store queue in group commits on its own thread,
/// fsyncs by policy, rotates on size and age, applies retention and writes `stats.json`.
///
/// On a write error (a full disk) it keeps the batch in hand, marks the store paused (counters, STATUS=),
/// stops taking new batches — so file and journald inputs block and UDP counts drops upstream — and retries
/// every second until the write succeeds. On graceful shutdown it drains the queue, fsyncs and returns.
final class StoreService: Service, @unchecked Sendable {
    // @unchecked Sendable: `writer` is touched only by the store thread (`loop`), after `run` starts it.
    let queue: BoundedQueue<StoreBatch>
    let writer: SegmentWriter
    let counters: DaemonCounters
    let logger: Logger
    let fsyncInterval: Double
    let statsPath: String
    let started = realtimeNow()
    /// Benchmark aid: every committed event is appended here too, as a JSON line of `mirrorFields`.
    let mirror: FileHandle?
    let mirrorFields: MirrorFields
    /// Set when the daemon starts stopping (before this service's own turn): a store that cannot write (full
    /// disk) then stops retrying, so the shutdown does not wait for space that may never come.
    let stopping = Atomic<Bool>(false)

    init(writer: SegmentWriter, queue: BoundedQueue<StoreBatch>, counters: DaemonCounters, fsyncInterval: Double,
         logger: Logger, mirrorPath: String? = nil, mirrorFields: MirrorFields = .all) {
        self.mirrorFields = mirrorFields
        if let mirrorPath {
            _ = FileManager.default.createFile(atPath: mirrorPath, contents: nil)
            mirror = FileHandle(forWritingAtPath: mirrorPath)
            mirror?.seekToEndOfFile()
        } else {
            mirror = nil
        }
        self.writer = writer
        self.queue = queue
        self.counters = counters
        self.fsyncInterval = fsyncInterval
        self.logger = logger
        self.statsPath = writer.dataDirectory + "/stats.json"
        // Everything recovered from disk at start is durable.
        counters.update { $0.lastSeq = writer.nextSeq - 1; $0.durableSeq = Int(writer.durableSeq) - 1 }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await runOnDedicatedThread(name: "store") { self.loop() }
        } onGracefulShutdown: {
            self.queue.close()
        }
    }

    private func loop() {
        var lastSync = monotonicSeconds()
        var lastStats = 0.0
        var held: StoreBatch?
        var paused = false
        while true {
            var batch: StoreBatch
            if let h = held {
                batch = h
            } else {
                guard let items = queue.popBatch(max: 1024, timeout: min(0.25, fsyncInterval), linger: 0.005) else { break }
                batch = StoreBatch(events: [], positions: [])
                for item in items {
                    batch.events += item.events
                    batch.positions += item.positions
                }
            }
            let now = realtimeNow()
            if !batch.events.isEmpty || !batch.positions.isEmpty {
                do {
                    let stored = try writer.append(batch.events, positions: batch.positions, now: now)
                    held = nil
                    if let mirror, !batch.events.isEmpty {
                        var w = JSONWriter(capacity: batch.events.count * mirrorFields.typicalLineBytes)
                        for e in batch.events { mirrorFields.write(e, to: &w); w.newline() }
                        try? mirror.write(contentsOf: UnsafeRawBufferPointer(w.output.buffer))
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
                    if writer.options.fsync == .batch { noteSync(0) }
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
                        let n = batch.events.count
                        counters.update { $0.dropped["store_unwritable", default: 0] += n }
                        logger.error("stopping while writes fail: events not written", metadata: [
                            "events": "\(n)", "error": "\(error)",
                        ])
                        continue
                    }
                    if !paused {
                        logger.error("store write failed; pausing inputs and retrying every second", metadata: ["error": "\(error)"])
                        paused = true
                    }
                    Thread.sleep(forTimeInterval: 1)
                    continue
                }
            }
            let t = monotonicSeconds()
            if writer.hasUnsyncedData && t - lastSync >= fsyncInterval && writer.options.fsync == .interval {
                syncNow()
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
                    counters.update { $0.segmentsSealed = writer.segmentsSealed; $0.durableSeq = Int(writer.durableSeq) - 1 }
                }
            } catch {
                counters.update { $0.storeErrors["rotate", default: 0] += 1 }
                logger.error("segment rotation failed", metadata: ["error": "\(error)"])
            }
            if t - lastStats >= 2 {
                writeStats()
                lastStats = t
            }
        }
        syncNow()
        writeStats()
        logger.info("store closed", metadata: ["store.last_seq": "\(writer.nextSeq - 1)"])
    }

    private func syncNow() {
        let t0 = monotonicSeconds()
        do {
            try writer.sync()
            noteSync(monotonicSeconds() - t0)
        } catch {
            counters.update { $0.storeErrors["fsync", default: 0] += 1 }
            logger.error("fdatasync failed", metadata: ["error": "\(error)"])
        }
    }

    private func noteSync(_ seconds: Double) {
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
        let text = counters.snapshot.json(pid: getpid(), started: started, now: realtimeNow()) + "\n"
        let tmp = statsPath + ".tmp"
        if FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) {
            _ = rename(tmp, statsPath)
        }
    }
}

/// What `activityd --mirror-jsonl` writes of each committed event (a benchmark aid: the peer kit counts the
/// generator's `seq` values in a JSON-lines file).
public enum MirrorFields: String, Sendable, CaseIterable {
    /// The whole event as `activityctl export` prints it (without the store's seq).
    case all
    /// Only the sender's `seq` attribute (`{"seq":"123"}`, `{}` without one): what the kit counts, and
    /// nothing more, so the benchmark measures the store rather than a second, bench-only output.
    case seq

    /// A line's usual size, to size a batch's buffer once.
    var typicalLineBytes: Int { self == .all ? 640 : 32 }

    func write(_ e: ActivityEvent, to w: inout JSONWriter) {
        switch self {
        case .all:
            e.appendExportJSON(to: &w, includeSeq: false)
        case .seq:
            w.begin()
            if let s = e.attrs["seq"] { w.field("seq", s) }
            w.end()
        }
    }
}
