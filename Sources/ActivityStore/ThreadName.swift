#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Names the calling thread as `top -H`, `ps -L` and `perf` show it (at most 15 bytes, the kernel's limit).
///
/// Foundation's `Thread.name` does not reach the kernel on Linux (threads showed as "oot.default-qos"), and
/// Glibc's module does not export `pthread_setname_np`; a thread may name itself through procfs.
public func nameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}
