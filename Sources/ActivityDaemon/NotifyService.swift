import Logging
import ServiceLifecycle
import SystemdJournal

/// Speaks systemd's notify protocol (`Type=notify`): `READY=1` once every input is bound (sent by
/// ``Daemon`` through ``Readiness``), `STATUS=` with live counters every few seconds, `WATCHDOG=1` at half of
/// `WATCHDOG_USEC`, and `STOPPING=1` as soon as a graceful shutdown begins (it is the last service, so the
/// first to be told). Without `NOTIFY_SOCKET` every call is a no-op.
final class NotifyService: Service, Sendable {
    let notifier: CountingNotifier
    let counters: DaemonCounters
    let logger: Logger
    let statusEvery: Duration

    init(notifier: CountingNotifier, counters: DaemonCounters, logger: Logger, statusEvery: Duration = .seconds(2)) {
        self.notifier = notifier
        self.counters = counters
        self.logger = logger
        self.statusEvery = statusEvery
    }

    func run() async throws {
        let watchdog: Duration?
        do { watchdog = try notifier.notifier.watchdogInterval } catch {
            logger.warning("WATCHDOG_USEC is malformed; not pinging the watchdog", metadata: ["error": "\(error)"])
            watchdog = nil
        }
        let tick = min(statusEvery, watchdog ?? statusEvery)
        var sinceStatus = Duration.zero
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                if watchdog != nil { notifier.send { try $0.watchdog() } }
                if sinceStatus >= statusEvery || sinceStatus == .zero {
                    notifier.send { try $0.status(counters.snapshot.statusLine) }
                    sinceStatus = .zero
                }
                try? await Task.sleep(for: tick)
                sinceStatus += tick
            }
        } onGracefulShutdown: {
            self.notifier.send { try $0.stopping() }
            self.notifier.send { try $0.status("stopping: draining queues and flushing segments") }
        }
    }
}

/// The daemon's way to reach systemd: a ``SystemdNotifier`` (which never blocks) plus a count of the messages
/// that could not be sent (`activityd_notify_unsent_total`), so a manager that stops reading its notify socket
/// costs the daemon nothing but a counter. Not sent, a `STATUS=` or `WATCHDOG=1` is simply superseded by the
/// next one; a lost `READY=1` shows as a start timeout in systemd and as this counter here.
struct CountingNotifier: Sendable {
    let notifier: SystemdNotifier
    let counters: DaemonCounters

    /// Sends one message through `body`; a failure is counted, never thrown and never waited on.
    func send(_ body: (SystemdNotifier) throws -> Bool) {
        do { _ = try body(notifier) } catch {
            counters.update { $0.notifyUnsent += 1 }
        }
    }
}
