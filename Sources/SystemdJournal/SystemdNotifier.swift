internal import CSystemdJournal

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Tells systemd about the service's state over the notification socket (`sd_notify`, `Type=notify` units).
///
/// When `NOTIFY_SOCKET` is unset (not started by systemd, or `Type=simple`) every call does nothing and returns
/// `false`, so the daemon can call it unconditionally. The value holds no state and `sd_notify` opens a fresh
/// socket per call, so it is safe to use from any thread.
///
/// ```swift
/// let notifier = SystemdNotifier()
/// try notifier.ready()
/// if let interval = try notifier.watchdogInterval { /* ping every `interval` */ }
/// try notifier.status("accepted 1204 events, 3 rejected")
/// ```
public struct SystemdNotifier: Sendable {
    /// The process the messages are about; `nil` means this process.
    public var pid: Int32?

    /// Creates a notifier.
    ///
    /// - Parameter pid: Send on behalf of this process (`sd_pid_notify`), e.g. the main process of the unit when
    ///   sending from a helper; `nil` (the default) sends for this process.
    public init(pid: Int32? = nil) {
        self.pid = pid
    }

    /// Whether a notification socket is configured (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// Sends `READY=1`: start-up finished.
    ///
    /// - Returns: `true` if the message was sent, `false` when there is no notification socket.
    /// - Throws: ``SystemdError`` when sending fails.
    @discardableResult
    public func ready() throws(SystemdError) -> Bool { try notify("READY=1") }

    /// Sends `STATUS=<text>`, shown by `systemctl status`.
    ///
    /// - Parameter text: One line of status; newlines become spaces, since a newline would start a new
    ///   assignment in the protocol.
    /// - Returns: `true` if the message was sent, `false` when there is no notification socket.
    /// - Throws: ``SystemdError`` when sending fails.
    @discardableResult
    public func status(_ text: String) throws(SystemdError) -> Bool {
        let line = String(text.map { $0 == "\n" || $0 == "\r\n" || $0 == "\r" ? " " : $0 })
        return try notify("STATUS=" + line)
    }

    /// Sends `WATCHDOG=1`, the keep-alive ping for `WatchdogSec=`; send it every ``watchdogInterval``.
    ///
    /// - Returns: `true` if the message was sent, `false` when there is no notification socket.
    /// - Throws: ``SystemdError`` when sending fails.
    @discardableResult
    public func watchdog() throws(SystemdError) -> Bool { try notify("WATCHDOG=1") }

    /// Sends `STOPPING=1`: shutdown has begun.
    ///
    /// - Returns: `true` if the message was sent, `false` when there is no notification socket.
    /// - Throws: ``SystemdError`` when sending fails.
    @discardableResult
    public func stopping() throws(SystemdError) -> Bool { try notify("STOPPING=1") }

    /// Sends `RELOADING=1` with `MONOTONIC_USEC=<now>`: a reload has begun; send ``ready()`` when it is done.
    ///
    /// systemd 253+ needs the monotonic timestamp for `Type=notify-reload` to match the reload to its request.
    ///
    /// - Returns: `true` if the message was sent, `false` when there is no notification socket.
    /// - Throws: ``SystemdError`` when sending fails.
    @discardableResult
    public func reloading() throws(SystemdError) -> Bool {
        try notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// Sends any newline-separated `KEY=value` assignments.
    ///
    /// - Parameter state: The message, e.g. `"READY=1\nSTATUS=ok"`.
    /// - Returns: `true` if the message was sent, `false` when there is no notification socket.
    /// - Throws: ``SystemdError`` when sending fails (the socket is gone, the message is too large).
    @discardableResult
    public func notify(_ state: String) throws(SystemdError) -> Bool {
        let result: Int32
        let operation: String
        if let pid {
            operation = "sd_pid_notify"
            result = sd_pid_notify(pid, 0, state)
        } else {
            operation = "sd_notify"
            result = sd_notify(0, state)
        }
        if result < 0 { throw SystemdError(operation: operation, code: result) }
        return result > 0
    }

    /// How often to send ``watchdog()``: half of `WatchdogSec=` (`sd_watchdog_enabled`), or `nil` when the
    /// watchdog is off for this process.
    ///
    /// `nil` when `WATCHDOG_USEC` is unset, or `WATCHDOG_PID` names another process.
    ///
    /// - Throws: ``SystemdError`` with `EINVAL` when `WATCHDOG_USEC` or `WATCHDOG_PID` is malformed.
    public var watchdogInterval: Duration? {
        get throws(SystemdError) {
            var usec: UInt64 = 0
            let result = sd_watchdog_enabled(0, &usec)
            if result < 0 { throw SystemdError(operation: "sd_watchdog_enabled", code: result) }
            guard result > 0, usec > 0 else { return nil }
            let half = usec / 2
            return .seconds(Int64(half / 1_000_000)) + .microseconds(Int64(half % 1_000_000))
        }
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000 &+ UInt64(now.tv_nsec) / 1000
    }
}

/// Sockets handed over by systemd socket activation (`sd_listen_fds`, `LISTEN_FDS`, `LISTEN_PID`).
public enum SocketActivation {
    /// The first passed descriptor number, `SD_LISTEN_FDS_START` (3).
    public static let firstDescriptor: Int32 = Int32(SD_LISTEN_FDS_START)

    /// The descriptors systemd passed to this process, from ``firstDescriptor`` on.
    ///
    /// Empty when `LISTEN_FDS` is unset or `LISTEN_PID` names another process. libsystemd marks each passed
    /// descriptor close-on-exec.
    ///
    /// - Parameter unsetEnvironment: Also remove `LISTEN_FDS`, `LISTEN_PID` and `LISTEN_FDNAMES` from the
    ///   environment, so child processes do not take the sockets for theirs.
    /// - Returns: The descriptor numbers.
    /// - Throws: ``SystemdError`` with `EINVAL` for malformed variables, `EBADF` for a descriptor that is not open.
    public static func listenFileDescriptors(unsetEnvironment: Bool = false) throws(SystemdError) -> [Int32] {
        let count = sd_listen_fds(unsetEnvironment ? 1 : 0)
        if count < 0 { throw SystemdError(operation: "sd_listen_fds", code: count) }
        return (0..<count).map { firstDescriptor &+ $0 }
    }

    /// The passed descriptors with their names from `FileDescriptorName=` (`sd_listen_fds_with_names`).
    ///
    /// Unnamed descriptors are called `unknown`, as libsystemd does.
    ///
    /// - Parameter unsetEnvironment: Also remove the `LISTEN_*` variables from the environment.
    /// - Returns: Descriptor numbers and names, in order.
    /// - Throws: ``SystemdError`` for malformed variables.
    public static func namedListenFileDescriptors(
        unsetEnvironment: Bool = false
    ) throws(SystemdError) -> [(descriptor: Int32, name: String)] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(unsetEnvironment ? 1 : 0, &names)
        if count < 0 { throw SystemdError(operation: "sd_listen_fds_with_names", code: count) }
        defer {
            if let names {
                for index in 0..<Int(count) { free(names[index]) }
                free(names)
            }
        }
        return (0..<count).map { index in
            let name = names?[Int(index)].map { String(cString: $0) } ?? "unknown"
            return (firstDescriptor &+ index, name)
        }
    }

    /// Whether `descriptor` is an IPv4 or IPv6 UDP socket (`sd_is_socket_inet` with `SOCK_DGRAM`).
    ///
    /// - Parameters:
    ///   - descriptor: The descriptor to check.
    ///   - port: Also require this local port; `nil` accepts any.
    /// - Returns: `true` for a UDP socket (on `port`, when given).
    /// - Throws: ``SystemdError`` with `EBADF` when the descriptor is not open.
    public static func isUDPSocket(_ descriptor: Int32, port: UInt16? = nil) throws(SystemdError) -> Bool {
        let result = sd_is_socket_inet(descriptor, AF_UNSPEC, Int32(SOCK_DGRAM.rawValue), -1, port ?? 0)
        if result < 0 { throw SystemdError(operation: "sd_is_socket_inet", code: result) }
        return result > 0
    }

    /// Whether `descriptor` is a datagram socket of any family, including AF_UNIX (`sd_is_socket`).
    ///
    /// - Parameter descriptor: The descriptor to check.
    /// - Returns: `true` for a `SOCK_DGRAM` socket.
    /// - Throws: ``SystemdError`` with `EBADF` when the descriptor is not open.
    public static func isDatagramSocket(_ descriptor: Int32) throws(SystemdError) -> Bool {
        let result = sd_is_socket(descriptor, AF_UNSPEC, Int32(SOCK_DGRAM.rawValue), -1)
        if result < 0 { throw SystemdError(operation: "sd_is_socket", code: result) }
        return result > 0
    }
}
