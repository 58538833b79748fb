import Foundation
import ActivityModel
import ActivityStore
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work on a dedicated thread and lets async code await its end, so blocking file I/O and
/// condition waits never occupy the cooperative pool. `name` (at most 15 bytes, the kernel's limit) is the
/// thread's name in `top -H`, `ps -L` and `perf`.
func runOnDedicatedThread(name: String, _ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
        let t = Thread {
            nameCurrentThread(name)
            body()
            cont.resume()
        }
        t.name = name
        t.stackSize = 8 << 20
        t.start()
    }
}

/// A blocking loop's stop request, set by the service's graceful shutdown and polled by its thread: the NATS
/// forwarder and collector share it.
final class StopFlag: Sendable {
    private let stopping = Atomic<Bool>(false)

    var isSet: Bool { stopping.load(ordering: .relaxed) }

    /// Runs `loop` on a dedicated thread named `name` until it returns; a graceful shutdown sets the flag.
    func run(thread name: String, _ loop: @escaping @Sendable () -> Void) async {
        await withGracefulShutdownHandler {
            await runOnDedicatedThread(name: name, loop)
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
        }
    }

    /// Sleeps up to `seconds`, returning early once the flag is set (so a shutdown never waits for a retry).
    func pause(_ seconds: Double) {
        let end = SystemClock.monotonicSeconds() + seconds
        while !isSet && SystemClock.monotonicSeconds() < end { Thread.sleep(forTimeInterval: 0.05) }
    }
}
