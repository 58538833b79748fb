#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place the code reads the time: wall time (`CLOCK_REALTIME`) for event timestamps, monotonic time
/// (`CLOCK_MONOTONIC`, unaffected by clock steps) for intervals, timeouts and rate limits.
///
/// Only the edges call it (inputs stamping what they receive, services timing their work, the executables'
/// "now"); everything that decides by time (writer, tail state, risk engine, reports, session cookies, login
/// limits) takes `now` as a parameter, and that parameter is where tests inject their time. One `clock_gettime`
/// through the vDSO per call, inlined into the caller (`@inlinable`) as the per-module helpers it replaces were: no
/// indirection on the per-datagram path.
public enum SystemClock {
    /// The wall-clock time now.
    @inlinable
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanos: Int64(ts.tv_nsec))
    }

    /// Monotonic nanoseconds since an arbitrary origin (boot): only differences mean anything.
    @inlinable
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// ``monotonicNanoseconds()`` in seconds.
    @inlinable
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
