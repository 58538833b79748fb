#if canImport(Glibc)
import Glibc
#endif
import ActivityDatagram
import ActivityModel

/// 127.0.0.1:`port` as the `sockaddr` the socket calls take (``SocketAddressing``), for the tests' own sockets.
public func withLoopbackAddress<R>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    SocketAddressing.with(.v4(0x7F00_0001), port: UInt16(port), body)
}
