import Foundation
import SystemdJournal
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real AF_UNIX datagram socket bound in a temporary directory, standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    let descriptor: Int32

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock")
            .path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw FixtureError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw FixtureError("socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw FixtureError("bind \(path): errno \(errno)") }
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// The next datagram as text, or nil after `timeoutMilliseconds`.
    func receive(timeoutMilliseconds: Int32 = 2000) -> String? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

/// Sets environment variables for the duration of `body`, then restores the previous values.
func withEnvironment<T>(_ values: [String: String?], _ body: () throws -> T) throws -> T {
    let saved = values.keys.map { ($0, getenv($0).map { String(cString: $0) }) }
    for (name, value) in values {
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
    defer {
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
    return try body()
}

extension SystemdJournalTestSuite {
    @Suite("SystemdNotifier and SocketActivation against real sockets")
    struct SystemdNotifierTests {
        @Test("READY, STATUS, WATCHDOG, STOPPING and RELOADING arrive on the notify socket")
        func messagesArrive() throws {
            let server = try NotifySocket()
            try withEnvironment(["NOTIFY_SOCKET": server.path]) { () throws in
                let notifier = SystemdNotifier()
                #expect(notifier.isEnabled)
                #expect(try notifier.ready())
                #expect(server.receive() == "READY=1")
                #expect(try notifier.status("accepted 12 events\nrejected 1"))
                #expect(server.receive() == "STATUS=accepted 12 events rejected 1")
                #expect(try notifier.watchdog())
                #expect(server.receive() == "WATCHDOG=1")
                #expect(try notifier.stopping())
                #expect(server.receive() == "STOPPING=1")

                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let before = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
                #expect(try notifier.reloading())
                let reload = try #require(server.receive())
                let lines = reload.split(separator: "\n")
                #expect(lines.first == "RELOADING=1")
                let stamp = try #require(
                    lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
                #expect(stamp >= before && stamp < before + 10_000_000)

                let forPid = SystemdNotifier(pid: getpid())
                #expect(try forPid.notify("READY=1\nSTATUS=helper"))
                #expect(server.receive() == "READY=1\nSTATUS=helper")
            }
        }

        @Test("without NOTIFY_SOCKET every call is a no-op that reports nothing was sent")
        func noSocketIsNoOp() throws {
            try withEnvironment(["NOTIFY_SOCKET": nil]) { () throws in
                let notifier = SystemdNotifier()
                #expect(!notifier.isEnabled)
                #expect(try !notifier.ready())
                #expect(try !notifier.status("x"))
                #expect(try !notifier.watchdog())
                #expect(try !notifier.reloading())
                #expect(try !notifier.stopping())
            }
        }

        @Test("a notify socket path nobody listens on is a typed error")
        func deadSocketThrows() throws {
            try withEnvironment(["NOTIFY_SOCKET": "/nonexistent-dir/notify.sock"]) { () throws in
                let error = #expect(throws: SystemdError.self) { try SystemdNotifier().ready() }
                #expect(error?.operation == "sd_notify")
                #expect(error?.errnoName == "ENOENT")
            }
        }

        @Test("a notify socket whose queue is full: each call returns at once with EAGAIN instead of waiting")
        func fullSocketDoesNotBlock() throws {
            let server = try NotifySocket()  // never read: the kernel queues net.unix.max_dgram_qlen datagrams
            try withEnvironment(["NOTIFY_SOCKET": server.path]) { () throws in
                let notifier = SystemdNotifier()
                var sent = 0
                var refused: [SystemdError] = []
                let clock = ContinuousClock()
                let took = clock.measure {
                    for i in 0..<2_000 {
                        do throws(SystemdError) { if try notifier.status("message \(i)") { sent += 1 } } catch {
                            refused.append(error)
                        }
                    }
                }
                #expect(sent > 0)
                #expect(refused.count == 2_000 - sent)
                #expect(refused.allSatisfy { $0.errnoName == "EAGAIN" }, "\(refused.prefix(3))")
                #expect(took < .seconds(2), "took \(took)")
                // What was queued is intact and in order.
                #expect(server.receive() == "STATUS=message 0")
            }
        }

        @Test(
            "on behalf of another pid the message carries that pid's credentials (SCM_CREDENTIALS), as sd_pid_notify does"
        )
        func credentialsForAnotherPid() throws {
            let server = try NotifySocket()
            var on: Int32 = 1
            setsockopt(server.descriptor, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<Int32>.size))
            let other = getppid()
            try withEnvironment(["NOTIFY_SOCKET": server.path]) { () throws in
                do {
                    #expect(try SystemdNotifier(pid: other).notify("READY=1"))
                } catch let error as SystemdError where error.errnoName == "EPERM" {
                    // Without CAP_SYS_ADMIN the kernel refuses another pid's credentials: the refusal shows they were sent.
                    print("credentials for pid \(other): refused (EPERM, no CAP_SYS_ADMIN)")
                    return
                }
                var buffer = [UInt8](repeating: 0, count: 64)
                var control = [UInt8](repeating: 0, count: 64)
                var poller = pollfd(fd: server.descriptor, events: Int16(POLLIN), revents: 0)
                try #require(poll(&poller, 1, 2000) == 1)
                let (count, pid) = buffer.withUnsafeMutableBytes { body in
                    control.withUnsafeMutableBytes { controlBytes -> (Int, Int32) in
                        var vector = iovec(iov_base: body.baseAddress, iov_len: body.count)
                        return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                            var message = msghdr()
                            message.msg_iov = vectorPointer
                            message.msg_iovlen = 1
                            message.msg_control = controlBytes.baseAddress
                            message.msg_controllen = controlBytes.count
                            let n = recvmsg(server.descriptor, &message, 0)
                            // The first control message: cmsghdr, then struct ucred (pid first).
                            let pid = controlBytes.load(fromByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)
                            return (n, pid)
                        }
                    }
                }
                #expect(count > 0 && String(decoding: buffer[..<count], as: UTF8.self) == "READY=1")
                #expect(pid == other)
                print("credentials for pid \(other): received pid \(pid)")
            }
        }

        @Test("an abstract notify socket (@name) is reached as systemd names it")
        func abstractSocket() throws {
            let name = "activityd-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = [0] + Array(name.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            try #require(bound == 0)
            try withEnvironment(["NOTIFY_SOCKET": "@" + name]) { () throws in
                #expect(try SystemdNotifier().ready())
            }
            var buffer = [UInt8](repeating: 0, count: 64)
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            #expect(poll(&poller, 1, 2000) == 1)
            let count = recv(fd, &buffer, buffer.count, 0)
            #expect(count > 0 && String(decoding: buffer[..<count], as: UTF8.self) == "READY=1")
            try withEnvironment(["NOTIFY_SOCKET": "vsock:2:1234"]) { () throws in
                let error = #expect(throws: SystemdError.self) { try SystemdNotifier().ready() }
                #expect(error?.errnoName == "EAFNOSUPPORT")
            }
        }

        @Test("watchdogInterval is half of WATCHDOG_USEC for this pid, nil otherwise")
        func watchdogInterval() throws {
            let notifier = SystemdNotifier()
            let me = String(getpid())
            try withEnvironment(["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": me]) { () throws in
                #expect(try notifier.watchdogInterval == .milliseconds(1500))
            }
            try withEnvironment(["WATCHDOG_USEC": "3000001", "WATCHDOG_PID": nil]) { () throws in
                #expect(try notifier.watchdogInterval == .microseconds(1_500_000))
            }
            try withEnvironment(["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "1"]) { () throws in
                #expect(try notifier.watchdogInterval == nil)
            }
            try withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) { () throws in
                #expect(try notifier.watchdogInterval == nil)
            }
            try withEnvironment(["WATCHDOG_USEC": "soon", "WATCHDOG_PID": me]) { () throws in
                let error = #expect(throws: SystemdError.self) { try notifier.watchdogInterval }
                #expect(error?.errnoName == "EINVAL")
            }
        }

        @Test("sd_is_socket checks tell UDP from TCP and AF_UNIX datagram sockets")
        func socketKindChecks() throws {
            let udp = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
            let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let unix = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(udp); close(tcp); close(unix) }
            #expect(try SocketActivation.isUDPSocket(udp))
            #expect(try !SocketActivation.isUDPSocket(tcp))
            #expect(try !SocketActivation.isUDPSocket(unix))
            #expect(try SocketActivation.isDatagramSocket(unix))
            #expect(try !SocketActivation.isDatagramSocket(tcp))

            // Bound to a loopback port: the port check matches only that port.
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            let udp4 = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(udp4) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(udp4, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            #expect(bound == 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(udp4, $0, &length) }
            }
            let port = UInt16(bigEndian: address.sin_port)
            #expect(try SocketActivation.isUDPSocket(udp4, port: port))
            #expect(try !SocketActivation.isUDPSocket(udp4, port: port &+ 1))

            let closed = dup(udp4)
            close(closed)
            let error = #expect(throws: SystemdError.self) { try SocketActivation.isUDPSocket(closed) }
            #expect(error?.errnoName == "EBADF")
        }

        @Test("listenFileDescriptors is empty unless LISTEN_PID is this process")
        func listenFDsWithoutActivation() throws {
            try withEnvironment(["LISTEN_FDS": nil, "LISTEN_PID": nil]) { () throws in
                #expect(try SocketActivation.listenFileDescriptors().isEmpty)
            }
            try withEnvironment(["LISTEN_FDS": "2", "LISTEN_PID": "1"]) { () throws in
                #expect(try SocketActivation.listenFileDescriptors().isEmpty)
            }
            try withEnvironment(["LISTEN_FDS": "many", "LISTEN_PID": String(getpid())]) { () throws in
                let error = #expect(throws: SystemdError.self) { try SocketActivation.listenFileDescriptors() }
                #expect(error?.errnoName == "EINVAL")
            }
        }

        @Test("a socket passed at fd 3 is found, named and recognised as UDP (in a forked child)")
        func listenFDsWithActivation() throws {
            // Passing descriptors means owning fd 3, which this test process already uses; a child process gets its
            // own table. The child only calls the wrappers (warmed up here first) and exits with a code.
            _ = try SocketActivation.listenFileDescriptors()
            _ = try SocketActivation.namedListenFileDescriptors()
            _ = try SocketActivation.isUDPSocket(0)
            let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(udp) }
            let (child, status): (pid_t, Int32) = try withEnvironment(["LISTEN_FDS": "1", "LISTEN_FDNAMES": "syslog"]) {
                let child = fork()
                if child == 0 {
                    guard dup2(udp, SocketActivation.firstDescriptor) == SocketActivation.firstDescriptor else {
                        _exit(10)
                    }
                    setenv("LISTEN_PID", String(getpid()), 1)
                    guard let named = try? SocketActivation.namedListenFileDescriptors() else { _exit(11) }
                    guard named.count == 1, named[0].descriptor == 3, named[0].name == "syslog" else { _exit(12) }
                    guard let fds = try? SocketActivation.listenFileDescriptors(unsetEnvironment: true), fds == [3]
                    else { _exit(13) }
                    guard getenv("LISTEN_FDS") == nil else { _exit(14) }
                    guard (try? SocketActivation.isUDPSocket(fds[0])) == true else { _exit(15) }
                    _exit(0)
                }
                var status: Int32 = -1
                guard child > 0, waitpid(child, &status, 0) == child else { return (child, -1) }
                return (child, status)
            }
            #expect(child > 0, "fork failed")
            #expect(status != -1, "waitpid failed")
            // WIFEXITED and WEXITSTATUS, which Swift does not import.
            #expect(status & 0x7f == 0, "child was killed by signal \(status & 0x7f)")
            #expect((status >> 8) & 0xff == 0, "child failed at check \((status >> 8) & 0xff)")
        }
    }
}
