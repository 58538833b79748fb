import ActivityModel
import ActivityStore
import Foundation
import TOMLKit
#if canImport(Glibc)
import Glibc
#endif

extension HostPort {
    /// 127.0.0.0/8, ::1 or localhost.
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        guard let a = IPAddress(host) else { return false }
        return CIDR("127.0.0.0/8")!.contains(a) || a == IPAddress("::1")!
    }
}

/// The keys `[forward.nats]` and `[input.nats]` share.
func natsConnection(_ t: inout TableReader) throws(ConfigError) -> NATSConnectionConfiguration {
    var c = NATSConnectionConfiguration()
    if let v = try t.strings("servers") {
        guard !v.isEmpty else { throw ConfigError(t.keyPath("servers"), "at least one server is required") }
        for u in v where !(u.hasPrefix("nats://") || u.hasPrefix("tls://")) {
            throw ConfigError(t.keyPath("servers"), "\"\(u)\" is not a nats:// or tls:// URL")
        }
        c.servers = v
    }
    if let v = try t.string("stream") {
        guard !v.isEmpty, v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ConfigError(t.keyPath("stream"), "must be letters, digits, - and _")
        }
        c.stream = v
    }
    if let v = try t.strings("stream_subjects") {
        guard !v.isEmpty else { throw ConfigError(t.keyPath("stream_subjects"), "at least one subject is required") }
        c.streamSubjects = v
    }
    if let v = try t.int("replicas") {
        guard (1...5).contains(v) else { throw ConfigError(t.keyPath("replicas"), "must be 1 to 5") }
        c.replicas = v
    }
    c.credentials = try t.path("credentials")
    c.token = try t.string("token")
    c.tlsCA = try t.path("tls_ca")
    c.tlsCert = try t.path("tls_cert")
    c.tlsKey = try t.path("tls_key")
    if (c.tlsCert == nil) != (c.tlsKey == nil) {
        throw ConfigError(t.keyPath("tls_cert"), "tls_cert and tls_key go together")
    }
    if let v = try t.duration("timeout") { c.timeout = max(100_000_000, v) }
    return c
}

/// `host:port` with IPv6 hosts in brackets.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (0...65535).contains(p) else { return nil }
            port = p
        } else {
            guard let colon = text.lastIndex(of: ":"), let p = Int(text[text.index(after: colon)...]),
                (0...65535).contains(p)
            else { return nil }
            host = String(text[..<colon])
            guard !host.isEmpty, !host.contains(":") else { return nil }
            port = p
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An IP address and a port (`192.0.2.1:5514`, `[2001:db8::1]:5514`): a UDP destination given as an address.
public struct IPEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    /// Parses `address:port` (IPv6 in brackets); nil for a host name or anything else.
    public init?(_ text: String) {
        guard let hp = HostPort(text), let a = IPAddress(hp.host) else { return nil }
        address = a
        port = UInt16(hp.port)
    }

    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }
}
