#if canImport(Glibc)
import Glibc
#endif
import ActivityModel

/// An IP address and port as the `sockaddr` the socket calls take.
public enum SocketAddressing {
    /// Calls `body` with `addr`:`port` as a `sockaddr` and its length.
    public static func with<R>(_ addr: IPAddress, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R
    {
        switch addr {
        case .v4(let v):
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            sa.sin_addr.s_addr = v.bigEndian
            return withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6:
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            let b = addr.bytes
            withUnsafeMutableBytes(of: &sa.sin6_addr) { for i in 0..<16 { $0[i] = b[i] } }
            return withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }
}

/// A UDP socket that sends datagrams to one address (an application's side of activityd's UDP input).
public final class DatagramSender: Sendable {
    let fd: Int32
    /// Where the datagrams go.
    public let address: IPAddress
    /// The destination port.
    public let port: UInt16

    /// Why a socket could not be made or a datagram not sent.
    public struct SendError: Error, CustomStringConvertible, Sendable {
        public let description: String
        static func errno(_ call: String) -> SendError {
            SendError(
                description: "\(call): \(String(validatingCString: strerror(Glibc.errno)) ?? "errno \(Glibc.errno)")")
        }
    }

    /// A socket for `address`:`port`.
    /// - Throws: ``SendError`` when the socket cannot be made.
    public init(to address: IPAddress, port: UInt16) throws(SendError) {
        let fd = socket(address.isV4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw .errno("socket") }
        self.fd = fd
        self.address = address
        self.port = port
    }

    deinit { close(fd) }

    /// Sends one datagram.
    /// - Throws: ``SendError`` when it was not sent whole.
    public func send(_ bytes: [UInt8]) throws(SendError) {
        let rc = SocketAddressing.with(address, port: port) { sa, len in sendto(fd, bytes, bytes.count, 0, sa, len) }
        guard rc == bytes.count else { throw .errno("sendto") }
    }
}
