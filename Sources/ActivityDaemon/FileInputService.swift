import Logging
import ServiceLifecycle
import Synchronization
import ActivityModel
import ActivityConfig
import ActivityFileInput

/// Tails `[[input.file]]` globs on a dedicated thread and hands each batch of lines, with the position
/// reached after them, to the pipeline. The hand-off blocks when the pipeline is full (reading pauses), and
/// the position is committed by the store in the same write as the batch's events, so a restart resumes
/// exactly after the last stored line.
final class FileInputService: Service, @unchecked Sendable {
    // @unchecked Sendable: `follower` is created and used only on the input's own thread; `stopping` is atomic.
    let configuration: FileInputConfiguration
    let queue: BoundedQueue<PipelineItem>
    /// The stored positions of files (``InputID/file(path:)``).
    let positions: [InputID: String]
    let counters: DaemonCounters
    let logger: Logger
    private let stopping = Atomic<Bool>(false)

    init(
        configuration: FileInputConfiguration, queue: BoundedQueue<PipelineItem>, positions: [InputID: String],
        counters: DaemonCounters, logger: Logger
    ) {
        self.configuration = configuration
        self.queue = queue
        self.positions = positions.filter { $0.key.filePath != nil }
        self.counters = counters
        self.logger = logger
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await runOnDedicatedThread(name: "file-input") { self.loop() }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
        }
    }

    private func loop() {
        let options = FileInputOptions(
            paths: configuration.paths, startAtBeginning: configuration.startAt == .beginning)
        let follower = FileFollower(options: options, positions: positions)
        logger.info(
            "following files",
            metadata: [
                "file.paths": "\(configuration.paths)", "file.start_at": "\(configuration.startAt.rawValue)",
                "file.format": "\(configuration.format.rawValue)",
            ])
        follower.run(
            shouldStop: { stopping.load(ordering: .relaxed) },
            emit: { records, position in
                guard !stopping.load(ordering: .relaxed) else { return false }
                return queue.push(
                    .records(records, input: position.input, position: position, format: configuration.format))
            },
            onStat: { stat in
                switch stat {
                case .linesRead: break
                case .lineTruncated(let path):
                    counters.update { $0.dropped["line_truncated", default: 0] += 1 }
                    logger.warning("line longer than 64 KiB cut", metadata: ["file.path": "\(path)"])
                case .rotated(let path): logger.info("file rotated", metadata: ["file.path": "\(path)"])
                case .truncated(let path):
                    logger.notice(
                        "file truncated (copytruncate); reading from the start", metadata: ["file.path": "\(path)"])
                case .fileGone(let path):
                    logger.warning("file gone; its unread lines are lost", metadata: ["file.path": "\(path)"])
                case .readError(let path, let errno):
                    counters.update { $0.storeErrors["file_read", default: 0] += 1 }
                    logger.error("read error", metadata: ["file.path": "\(path)", "errno": "\(errno)"])
                }
            }
        )
    }
}
