import Logging
import ServiceLifecycle
import SystemdJournal

/// Speaks systemd's notify protocol (`Type=notify`): `READY=1` once every input is bound (sent by
/// ``Daemon`` through ``Readiness``), `STATUS=` with live counters every few seconds, `WATCHDOG=1` at half of
/// `WATCHDOG_USEC`, and `STOPPING=1` as soon as a graceful shutdown begins (it is the last service, so the
/// first to be told). Without `NOTIFY_SOCKET` every call is a no-op.
final class NotifyService: Service, Sendable {
    let notifier: SystemdNotifier
    let counters: DaemonCounters
    let logger: Logger
    let statusEvery: Duration

    init(notifier: SystemdNotifier, counters: DaemonCounters, logger: Logger, statusEvery: Duration = .seconds(2)) {
        self.notifier = notifier
        self.counters = counters
        self.logger = logger
        self.statusEvery = statusEvery
    }

    func run() async throws {
        let watchdog: Duration?
        do { watchdog = try notifier.watchdogInterval } catch {
            logger.warning("WATCHDOG_USEC is malformed; not pinging the watchdog", metadata: ["error": "\(error)"])
            watchdog = nil
        }
        let tick = min(statusEvery, watchdog ?? statusEvery)
        var sinceStatus = Duration.zero
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                if watchdog != nil { _ = try? notifier.watchdog() }
                if sinceStatus >= statusEvery || sinceStatus == .zero {
                    _ = try? notifier.status(counters.snapshot.statusLine)
                    sinceStatus = .zero
                }
                try? await Task.sleep(for: tick)
                sinceStatus += tick
            }
        } onGracefulShutdown: {
            _ = try? self.notifier.stopping()
            _ = try? self.notifier.status("stopping: draining queues and flushing segments")
        }
    }
}
