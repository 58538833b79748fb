internal import CSystemdJournal
internal import ActivityModel

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Tells systemd about the service's state over the notification socket (`sd_notify`, `Type=notify` units).
///
/// When `NOTIFY_SOCKET` is unset (not started by systemd, or `Type=simple`) every call does nothing and returns
/// `false`, so the daemon can call it unconditionally. The value holds no state and each call opens a fresh
/// non-blocking socket, so it is safe to use from any thread and never waits for the receiver.
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
    /// Never blocks: unlike libsystemd's `sd_notify` (which waits in `sendmsg` while the receiver's queue is
    /// full), the datagram goes out on a non-blocking socket with `MSG_DONTWAIT`, so a notify socket that
    /// nobody reads (a hung manager, a test harness) cannot hold the caller. A message that cannot be queued
    /// at once is not sent, and the call throws `EAGAIN`: callers count it and go on (the next `STATUS=` or
    /// `WATCHDOG=1` supersedes it).
    ///
    /// `NOTIFY_SOCKET` may name a filesystem path (`/run/systemd/notify`) or an abstract socket (`@name`), as
    /// systemd sets it; other address kinds (`vsock:`) are refused with `EAFNOSUPPORT`. With ``pid`` set to
    /// another process, the message carries that process's credentials (`SCM_CREDENTIALS`, as
    /// `sd_pid_notify` does; the kernel allows it only to privileged senders).
    ///
    /// - Parameter state: The message, e.g. `"READY=1\nSTATUS=ok"`.
    /// - Returns: `true` if the message was sent, `false` when there is no notification socket.
    /// - Throws: ``SystemdError`` (operation `sd_notify`) when sending fails: `EAGAIN` when the receiver's
    ///   queue is full, `ENOENT`/`ECONNREFUSED` when the socket is gone, `EMSGSIZE` when the message is too large.
    @discardableResult
    public func notify(_ state: String) throws(SystemdError) -> Bool {
        guard let value = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !value.isEmpty else { return false }
        let result = Self.send(state, to: value, credentialsFor: pid.flatMap { $0 == getpid() ? nil : $0 })
        if result < 0 { throw SystemdError(operation: "sd_notify", code: result) }
        return true
    }

    /// Sends one datagram to the notify socket named by `address`; 0 or `-errno`. The single place this type
    /// talks to the kernel for notifications.
    static func send(_ state: String, to address: String, credentialsFor otherPid: Int32?) -> Int32 {
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(address.utf8)
        let isAbstract = pathBytes.first == UInt8(ascii: "@")
        guard isAbstract || pathBytes.first == UInt8(ascii: "/") else { return -EAFNOSUPPORT }
        if isAbstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        guard pathBytes.count < capacity else { return -EINVAL }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        // Abstract names are not NUL-terminated: the length says where they end.
        let addressLength = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (isAbstract ? 0 : 1))
        let fd = socket(
            AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        if fd < 0 { return -errno }
        defer { close(fd) }
        var payload = Array(state.utf8)
        let flags = Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)
        // SCM_CREDENTIALS control message, laid out as CMSG_SPACE/CMSG_LEN would (the macros are not imported).
        let headerSize = MemoryLayout<cmsghdr>.size
        let align = MemoryLayout<Int>.size
        // `struct ucred` (pid, uid, gid) and SCM_CREDENTIALS (2) need _GNU_SOURCE, which Glibc's module lacks.
        let credentials: [Int32] =
            otherPid.map { [$0, Int32(bitPattern: getuid()), Int32(bitPattern: getgid())] } ?? []
        let credentialsSize = 3 * MemoryLayout<Int32>.size
        let controlSpace = headerSize + (credentialsSize + align - 1) / align * align
        var control = [UInt8](repeating: 0, count: otherPid == nil ? 0 : controlSpace)
        if otherPid != nil {
            control.withUnsafeMutableBytes { raw in
                var header = cmsghdr()
                header.cmsg_len = Int(headerSize + credentialsSize)
                header.cmsg_level = SOL_SOCKET
                header.cmsg_type = 2  // SCM_CREDENTIALS
                raw.storeBytes(of: header, as: cmsghdr.self)
                for (i, field) in credentials.enumerated() {
                    raw.storeBytes(of: field, toByteOffset: headerSize + i * MemoryLayout<Int32>.size, as: Int32.self)
                }
            }
        }
        let sent = payload.withUnsafeMutableBytes { body -> Int in
            control.withUnsafeMutableBytes { controlBytes -> Int in
                withUnsafeMutablePointer(to: &socketAddress) { addressPointer -> Int in
                    var vector = iovec(iov_base: body.baseAddress, iov_len: body.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer -> Int in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(addressPointer)
                        message.msg_namelen = addressLength
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBytes.count == 0 ? nil : controlBytes.baseAddress
                        message.msg_controllen = controlBytes.count
                        return sendmsg(fd, &message, flags)
                    }
                }
            }
        }
        return sent < 0 ? -errno : 0
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

    static func monotonicMicroseconds() -> UInt64 { SystemClock.monotonicNanoseconds() / 1000 }
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
