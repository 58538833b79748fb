import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work on a dedicated thread and lets async code await its end, so blocking file I/O and
/// condition waits never occupy the cooperative pool. `name` (at most 15 bytes, the kernel's limit) is the
/// thread's name in `top -H`, `ps -L` and `perf`.
func runOnDedicatedThread(name: String, _ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
        let t = Thread {
            // Foundation's `Thread.name` does not reach the kernel on Linux (threads showed as "oot.default-qos"),
            // and Glibc's module does not export pthread_setname_np; a thread may name itself through procfs.
            let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if fd >= 0 {
                let bytes = Array(name.utf8.prefix(15))
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            body()
            cont.resume()
        }
        t.name = name
        t.stackSize = 8 << 20
        t.start()
    }
}
