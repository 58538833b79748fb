import Foundation
import ActivityModel
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import ActivityConfig
import ActivityEnrich
import SystemdJournal

/// The enrichment databases and lists in service: an immutable snapshot behind a lock, read once per
/// pipeline batch and replaced whole on reload ("many readers, rare writer").
final class EnrichmentHolder: Sendable {
    private let current: Mutex<EnrichmentSnapshot>
    init(_ s: EnrichmentSnapshot) { current = Mutex(s) }
    var snapshot: EnrichmentSnapshot { current.withLock { $0 } }
    func replace(_ s: EnrichmentSnapshot) { current.withLock { $0 = s } }
}

extension DaemonConfiguration {
    /// The enrichment part of the configuration, in ActivityEnrich's terms.
    var enrichment: EnrichmentConfiguration {
        EnrichmentConfiguration(
            city: geoip.city, country: geoip.country, asn: geoip.asn, anonymous: geoip.anonymous,
            lists: iplists.map {
                ActivityEnrich.IPListConfiguration(name: $0.name, tag: IPListTag($0.tag), path: $0.path)
            },
            indexIPv4: geoip.indexIPv4)
    }
}

/// Loads enrichment at start and reloads it on SIGHUP and when a configured database or list file changes
/// on disk (checked every `pollInterval`). A reload builds the new snapshot off the hot path and swaps it in
/// whole; a file that fails to load leaves the previous one serving, and the reason is logged and counted.
/// Around a reload it tells systemd `RELOADING=1` … `READY=1`. On SIGHUP the configuration file is read
/// again: enrichment settings apply live, other changed settings are reported as needing a restart.
final class EnrichmentService: Service, @unchecked Sendable {
    // @unchecked Sendable: `configuration` and `fingerprint` are only touched by `reload`, which runs on one
    // task at a time (the signal loop and the poll loop are serialised by `reloading`).
    let holder: EnrichmentHolder
    let counters: DaemonCounters
    let logger: Logger
    let notifier: CountingNotifier
    let configPath: String?
    let pollInterval: Duration
    private var configuration: DaemonConfiguration
    private var fingerprint: [String]
    private let reloading = Mutex(false)

    init(
        configuration: DaemonConfiguration, configPath: String?, holder: EnrichmentHolder, counters: DaemonCounters,
        notifier: CountingNotifier, logger: Logger, pollInterval: Duration = .seconds(5)
    ) {
        self.configuration = configuration
        self.configPath = configPath
        self.holder = holder
        self.counters = counters
        self.notifier = notifier
        self.logger = logger
        self.pollInterval = pollInterval
        self.fingerprint = EnrichmentService.fingerprint(of: configuration.enrichment)
    }

    /// Loads the first snapshot (at start, before inputs run).
    static func initialLoad(_ config: EnrichmentConfiguration, counters: DaemonCounters, logger: Logger)
        -> EnrichmentSnapshot
    {
        let (snapshot, issues) = EnrichmentSnapshot.load(config, previous: nil)
        report(issues, counters: counters, logger: logger)
        return snapshot
    }

    static func report(_ issues: [EnrichmentLoadIssue], counters: DaemonCounters, logger: Logger) {
        for issue in issues {
            if issue.isLoadFailure {
                logger.error(
                    "enrichment file failed to load",
                    metadata: ["enrich.issue": "\(issue)", "enrich.path": "\(issue.path)"])
            } else {
                logger.warning("enrichment file loaded with problems", metadata: ["enrich.issue": "\(issue)"])
            }
        }
        counters.update { $0.reloadErrors += issues.filter(\.isLoadFailure).count }
    }

    /// (device, inode, size, mtime) of every configured file: a change means "reload".
    static func fingerprint(of c: EnrichmentConfiguration) -> [String] {
        let paths = [c.city, c.country, c.asn, c.anonymous].compactMap { $0 } + c.lists.map(\.path)
        return paths.map { p in
            var st = stat()
            guard stat(p, &st) == 0 else { return "\(p):missing" }
            return "\(p):\(st.st_dev):\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in signals { self.reload(reason: "SIGHUP", rereadConfig: true) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.pollInterval)
                        if Task.isCancelled { break }
                        if EnrichmentService.fingerprint(of: self.configuration.enrichment) != self.fingerprint {
                            self.reload(reason: "file changed", rereadConfig: false)
                        }
                    }
                }
                await group.waitForAll()
            }
        }
    }

    func reload(reason: String, rereadConfig: Bool) {
        guard
            reloading.withLock({ busy in
                if busy { return false }; busy = true; return true
            })
        else { return }
        defer { reloading.withLock { $0 = false } }
        notifier.send { try $0.reloading() }
        if rereadConfig, let configPath {
            do {
                let fresh = try DaemonConfiguration.load(path: configPath)
                var needRestart: [String] = []
                if fresh.dataDir != configuration.dataDir { needRestart.append("data_dir") }
                if fresh.store != configuration.store { needRestart.append("store") }
                if fresh.udp != configuration.udp { needRestart.append("input.udp") }
                if fresh.files != configuration.files { needRestart.append("input.file") }
                if fresh.journald != configuration.journald { needRestart.append("input.journald") }
                if fresh.metrics != configuration.metrics { needRestart.append("metrics") }
                if fresh.normalize != configuration.normalize { needRestart.append("normalize") }
                if !needRestart.isEmpty {
                    logger.warning(
                        "configuration changes that need a restart were not applied",
                        metadata: ["config.sections": "\(needRestart.joined(separator: ", "))"])
                }
                var live = configuration
                live.geoip = fresh.geoip
                live.iplists = fresh.iplists
                configuration = live
            } catch {
                counters.update { $0.reloadErrors += 1 }
                logger.error(
                    "configuration reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
            }
        }
        let started = SystemClock.monotonicSeconds()
        let (snapshot, issues) = EnrichmentSnapshot.load(configuration.enrichment, previous: holder.snapshot)
        holder.replace(snapshot)
        fingerprint = EnrichmentService.fingerprint(of: configuration.enrichment)
        EnrichmentService.report(issues, counters: counters, logger: logger)
        counters.update { $0.reloads += 1 }
        logger.notice(
            "enrichment reloaded",
            metadata: [
                "reload.reason": "\(reason)",
                "reload.seconds": "\(String(format: "%.3f", SystemClock.monotonicSeconds() - started))",
                "reload.failures": "\(issues.filter(\.isLoadFailure).count)",
            ])
        notifier.send { try $0.ready() }
    }
}
