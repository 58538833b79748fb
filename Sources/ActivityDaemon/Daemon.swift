import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals
import ActivityModel
import ActivityConfig
import ActivityStore
import SystemdJournal
import ActivityDatagram

/// Routes every logger of the process to stderr at `level` (journald takes stderr under systemd) and returns the
/// process's own logger, labelled `label`: what `activityd` and anything else that runs a ``Daemon`` call once.
public func bootstrapStandardErrorLogging(label: String, level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = level
        return h
    }
    var logger = Logger(label: label)
    logger.logLevel = level
    return logger
}

/// The running system, as a library: builds the services from a configuration and runs them in a
/// `ServiceGroup` (inputs, pipeline, store), stopping gracefully on SIGTERM/SIGINT.
///
/// Start order is `[store, pipeline, inputs...]`; ServiceGroup stops them in reverse, so inputs stop first,
/// the pipeline drains into the store, and the store fsyncs last.
public struct Daemon: Sendable {
    public let configuration: DaemonConfiguration
    public let counters = DaemonCounters()
    public let logger: Logger

    /// The configuration file, read again on SIGHUP.
    public var configPath: String?
    /// Called on the store thread after each successful append, with the events appended and the seqs they were
    /// given, before the next append starts: an observer composed in by whoever embeds the daemon (`activity-bench receive`
    /// counts them for the peer kit). Keep it cheap: the store waits for it.
    public var onStored: (@Sendable (_ events: [ActivityEvent], _ seqs: ClosedRange<UInt64>) -> Void)?

    public init(
        configuration: DaemonConfiguration, logger: Logger, configPath: String? = nil,
        onStored: (@Sendable (_ events: [ActivityEvent], _ seqs: ClosedRange<UInt64>) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.configPath = configPath
        self.onStored = onStored
    }

    /// Runs until a graceful shutdown. `onReady` gets the bound UDP addresses once every input is up.
    public func run(onReady: @escaping @Sendable ([SocketAddress]) -> Void = { _ in }) async throws {
        var options = StoreOptions()
        let s = configuration.store
        options.segmentMaxBytes = s.segmentMaxBytes
        options.segmentMaxAge = s.segmentMaxAge
        options.fsync = s.fsync
        options.retainBytes = s.retainBytes
        options.retainAge = s.retainAge
        options.sealKeyPath = s.seal
        let dataDir = configuration.dataDir
        // The forwarder's progress: retention keeps what it has not forwarded (unless configured not to).
        let forwardProgress = ForwardProgress()
        var retentionFloor: (@Sendable () -> UInt64)? = nil
        if let f = configuration.forwardNATS, !f.retentionDropsUnforwarded {
            retentionFloor = { @Sendable in forwardProgress.forwarded.load(ordering: .relaxed) }
        }
        let openWriter: @Sendable () throws(StoreError) -> SegmentWriter = {
            [options, retentionFloor] () throws(StoreError) in
            let w = try SegmentWriter(dataDirectory: dataDir, options: options)
            w.retentionFloor = retentionFloor
            return w
        }
        // A full disk at start is not fatal, whether the data directory holds segments (the first append fails,
        // the store pauses and retries) or not (the open itself fails: the store starts paused and retries the
        // open). Any other failure to open is.
        // (A `catch where` on the typed error here crashed the 6.3.1 compiler's ownership checker; hence Result.)
        let writer: SegmentWriter?
        switch Result(catching: openWriter) {
        case .success(let opened):
            writer = opened
            logger.info(
                "store opened",
                metadata: [
                    "store.dir": "\(configuration.dataDir)", "store.next_seq": "\(opened.nextSeq)",
                    "store.recovery": "\(opened.recovery)",
                ])
            for d in opened.recovery.damage {
                logger.warning("segment damage found at start", metadata: ["damage": "\(d)"])
            }
        case .failure(let error) where error.code == .noSpace:
            writer = nil
        case .failure(let error):
            throw error
        }

        // Bounded in events as well as batches: at most ~4k events wait for the store (more would only hold
        // memory: when the store is behind, back-pressure reaches the UDP socket's buffer, which costs none).
        let storeQueue = BoundedQueue<StoreBatch>(capacity: 1024, maxCost: 4_000, cost: { $0.events.count })
        let udpConfigs = configuration.udp
        let capacity = udpConfigs.map(\.queueCapacity).max() ?? 65_536
        // The pipeline queue holds batches (one read cycle each); bound it by datagrams / typical batch.
        // and by bytes (64 KiB datagrams must not pile up without limit): 4 MiB of raw input at most; bursts
        // beyond that wait in the socket receive buffer (64 MiB), which costs no process memory.
        let pipelineQueue = BoundedQueue<PipelineItem>(
            capacity: max(64, capacity / 16), maxCost: 4 << 20,
            cost: { item in
                switch item {
                case .datagrams(let ds): return ds.reduce(0) { $0 + $1.bytes.count + 64 }
                case .records(let rs, _, _, _): return rs.reduce(0) { $0 + $1.message.utf8.count + 128 }
                case .checks(let cs): return cs.count * 256
                }
            })
        let udpInputs = try udpConfigs.map { u in
            do { return (allow: u.allow, verifier: try SignatureVerifier.load(u.keys)) } catch {
                throw DaemonError("input.udp.keys: \(error)")
            }
        }
        let zone = configuration.normalize.timezone ?? TimeZone.current
        let processor = EventProcessor(udpInputs: udpInputs, keepRaw: configuration.normalize.keepRaw, timeZone: zone)

        let store = StoreService(
            writer: writer, openWriter: openWriter, dataDirectory: dataDir, queue: storeQueue, counters: counters,
            fsyncInterval: Double(s.fsyncInterval) / 1e9, logger: logger.labelled("activityd.store"),
            onStored: onStored)
        let enrichLogger = logger.labelled("activityd.enrich")
        let holder = EnrichmentHolder(
            EnrichmentService.initialLoad(configuration.enrichment, counters: counters, logger: enrichLogger))
        // Risk state rebuilt from what is stored, before any input runs (docs: README, Risk at ingest).
        var risk: RiskHolder?
        if configuration.risk.enabled {
            let r = RiskHolder(configuration: configuration.risk)
            let started = SystemClock.monotonicSeconds()
            // After a clean stop the state it left is read back (it covers exactly the stored events); after a
            // crash, the last checkpoint plus the login attempts stored after it; without either (or when the store
            // changed under them), the state is rebuilt from all the store's login attempts.
            if let writer, let users = r.loadSnapshot(dataDirectory: dataDir, lastSeq: writer.nextSeq - 1) {
                logger.info(
                    "risk state read from the snapshot of the last clean stop",
                    metadata: [
                        "risk.users": "\(users)",
                        "risk.seconds": "\(String(format: "%.3f", SystemClock.monotonicSeconds() - started))",
                    ])
            } else if let writer, let seq = r.loadCheckpoint(dataDirectory: dataDir, lastSeq: writer.nextSeq - 1) {
                let n = try r.rebuild(dataDirectory: configuration.dataDir, afterSeq: seq)
                logger.info(
                    "risk state read from the last checkpoint and the login attempts stored after it",
                    metadata: [
                        "risk.checkpoint_seq": "\(seq)", "risk.events": "\(n)", "risk.users": "\(r.trackedUsers)",
                        "risk.seconds": "\(String(format: "%.3f", SystemClock.monotonicSeconds() - started))",
                    ])
            } else {
                let n = try r.rebuild(dataDirectory: configuration.dataDir)
                logger.info(
                    "risk state rebuilt from the store",
                    metadata: [
                        "risk.events": "\(n)", "risk.users": "\(r.trackedUsers)",
                        "risk.seconds": "\(String(format: "%.3f", SystemClock.monotonicSeconds() - started))",
                    ])
            }
            risk = r
        }
        let pipeline = PipelineService(
            input: pipelineQueue, output: storeQueue, processor: processor, enrichment: holder,
            risk: risk, counters: counters, logger: logger.labelled("activityd.pipeline"))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let apiGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var services: [any Service] = [store, pipeline]
        let notifier = CountingNotifier(notifier: SystemdNotifier(), counters: counters)
        services.append(
            EnrichmentService(
                configuration: configuration, configPath: configPath, holder: holder, counters: counters,
                notifier: notifier, logger: enrichLogger))
        // READY (and `onReady`) once every listener is bound: the UDP inputs and, when configured, the metrics endpoint.
        let metricsAddress = configuration.metrics.listen
        let apiAddress = risk == nil ? nil : configuration.api.listen
        if configuration.api.listen != nil && risk == nil {
            logger.warning("api.listen ignored: risk.enabled is false")
        }
        let readiness = Readiness(
            expected: udpConfigs.count + (metricsAddress == nil ? 0 : 1) + (apiAddress == nil ? 0 : 1),
            onReady: { addresses in
                notifier.send { try $0.ready() }
                onReady(addresses)
            })
        // Socket activation (activityd.socket): datagram sockets handed over in LISTEN_FDS replace the first
        // UDP input's `listen` addresses; its allow-list and keys still apply.
        let activated = ((try? SocketActivation.listenFileDescriptors(unsetEnvironment: true)) ?? [])
            .filter { (try? SocketActivation.isDatagramSocket($0)) == true }
        if !activated.isEmpty {
            logger.info("using sockets from systemd socket activation", metadata: ["udp.fds": "\(activated)"])
        }
        for (i, u) in udpConfigs.enumerated() {
            services.append(
                UDPInput(
                    configuration: u, index: i, activatedDescriptors: i == 0 ? activated : [], queue: pipelineQueue,
                    counters: counters, group: group,
                    logger: logger.labelled("activityd.input.udp"), onBound: { readiness.bound(input: i, $0) }))
        }
        if udpConfigs.isEmpty && metricsAddress == nil && apiAddress == nil { readiness.bound(input: 0, []) }
        for f in configuration.files {
            let fileLogger = logger.labelled("activityd.input.file")
            services.append(
                AfterStoreOpens(gate: store.opened) { [counters] positions in
                    FileInputService(
                        configuration: f, queue: pipelineQueue, positions: positions, counters: counters,
                        logger: fileLogger)
                })
        }
        if let j = configuration.journald {
            let journalLogger = logger.labelled("activityd.input.journald")
            services.append(
                AfterStoreOpens(gate: store.opened) { [counters] positions in
                    JournalInputService(
                        configuration: j, queue: pipelineQueue, positions: positions, counters: counters,
                        logger: journalLogger)
                })
        }
        if let n = configuration.natsInput {
            let natsLogger = logger.labelled("activityd.input.nats")
            services.append(
                AfterStoreOpens(gate: store.opened) { [counters] positions in
                    NATSCollectorService(
                        configuration: n, queue: storeQueue, positions: positions, counters: counters,
                        logger: natsLogger)
                })
        }
        if let f = configuration.forwardNATS {
            let forwardLogger = logger.labelled("activityd.forward.nats")
            services.append(
                AfterStoreOpens(gate: store.opened) { [counters] _ in
                    NATSForwarderService(
                        configuration: f, dataDirectory: dataDir, counters: counters, progress: forwardProgress,
                        logger: forwardLogger)
                })
        }
        if let hp = metricsAddress {
            let slot = udpConfigs.count
            services.append(
                MetricsEndpoint(
                    address: hp, counters: counters, group: group,
                    logger: logger.labelled("activityd.metrics"), onBound: { _ in readiness.bound(input: slot, []) }))
        }
        if let hp = apiAddress, let risk {
            let slot = udpConfigs.count + (metricsAddress == nil ? 0 : 1)
            let api = CheckAPI(
                configuration: configuration.api, risk: risk, enrichment: holder, counters: counters,
                record: configuration.api.record ? pipelineQueue : nil)
            // Its own event loop: a check must not wait behind a burst of datagrams on the UDP loop.
            services.append(
                CheckEndpoint(
                    address: hp, api: api, group: apiGroup, logger: logger.labelled("activityd.api"),
                    onBound: { _ in readiness.bound(input: slot, []) }))
        }
        services.append(
            NotifyService(notifier: notifier, counters: counters, logger: logger.labelled("activityd.notify")))
        // Last, so the first to hear the shutdown: tells the store, whose own turn comes after the drain.
        services.append(StopSignalService { store.stopping.store(true, ordering: .relaxed) })
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await serviceGroup.run()
        try await group.shutdownGracefully()
        try await apiGroup.shutdownGracefully()
        // Every event the risk engine saw is stored unless the store had to give some up at the stop.
        let final = counters.snapshot
        if let risk, final.dropped["store_unwritable", default: 0] == 0 {
            do {
                try risk.saveSnapshot(dataDirectory: dataDir, lastSeq: final.lastSeq)
            } catch {
                logger.warning(
                    "risk state not saved; the next start rebuilds it from the store", metadata: ["error": "\(error)"])
            }
        }
        logger.info("stopped", metadata: ["status": "\(final.statusLine)"])
    }
}

/// A failure to start, written for an operator.
public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Calls `onReady` once every UDP input has bound, with the addresses in configuration order.
final class Readiness: Sendable {
    private let state: Mutex<(remaining: Int, addresses: [[SocketAddress]])>
    private let onReady: @Sendable ([SocketAddress]) -> Void

    init(expected: Int, onReady: @escaping @Sendable ([SocketAddress]) -> Void) {
        state = Mutex((expected, Array(repeating: [], count: expected)))
        self.onReady = onReady
    }

    func bound(input: Int, _ a: [SocketAddress]) {
        let done: [SocketAddress]? = state.withLock {
            $0.remaining -= 1
            if input < $0.addresses.count { $0.addresses[input] = a }
            return $0.remaining <= 0 ? $0.addresses.flatMap { $0 } : nil
        }
        if let done { onReady(done) }
    }
}

extension Logger {
    func labelled(_ label: String) -> Logger {
        var l = Logger(label: label, factory: { _ in self.handler })
        l.logLevel = logLevel
        return l
    }
}

import Synchronization

/// Runs `onStop` as soon as the graceful shutdown starts. ServiceGroup stops services in reverse order and
/// waits for each, so a service's own shutdown handler may come late (the store's comes after the inputs and
/// the pipeline have drained); this one is placed last to hear it first.
struct StopSignalService: Service {
    let onStop: @Sendable () -> Void
    func run() async throws {
        try? await gracefulShutdown()
        onStop()
    }
}
