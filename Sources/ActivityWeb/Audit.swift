import ActivityConfig
import ActivityModel
import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a console view or export is recorded as.
public struct AuditRecord: Sendable, Hashable {
    /// `console_view` or `console_export`.
    public var action: String
    public var principal: Principal
    /// Whose data (when one user's).
    public var user: String?
    /// The page or API path.
    public var page: String
    /// The filters, as a query string.
    public var filters: String
    public var remoteAddress: String?

    /// The application event (DESIGN.md's JSON form, as `activityctl send` writes it): category admin, the
    /// principal as actor, the viewed user as user.
    public func payload() -> String {
        var w = JSONWriter()
        w.begin()
        w.key("category"); w.string("admin")
        w.key("action"); w.string(action)
        w.key("outcome"); w.string("success")
        if let user { w.key("user"); w.string(user) }
        w.key("actor"); w.string(principal.name)
        w.key("actor_role"); w.string(principal.kind == .token ? "api_token" : "console")
        w.key("entry"); w.string(principal.kind == .token ? "api" : "web")
        if let remoteAddress, IPAddress(remoteAddress) != nil { w.key("ip"); w.string(remoteAddress) }
        w.key("service"); w.string("activity-web")
        w.key("comment"); w.string(filters.isEmpty ? page : page + "?" + filters)
        w.key("attrs"); w.begin()
        w.key("page"); w.string(page)
        w.key("filters"); w.string(filters)
        w.end()
        w.end()
        return w.out
    }
}

/// Sends audit records to activityd's UDP input, HMAC-signed when a key is configured
/// (`<app> <hex HMAC-SHA256> <payload>`, as `activityctl send --app --key-file`).
public final class AuditSender: Sendable {
    let fd: Int32
    let address: IPAddress
    let port: UInt16
    let app: String?
    let key: [UInt8]?
    let counters: WebCounters

    public init(configuration c: WebConfiguration, counters: WebCounters) throws {
        guard let to = c.auditTo else { throw AuditError("web.audit_to is not set") }
        address = to.address
        port = to.port
        app = c.auditApp
        if let path = c.auditKey {
            guard var k = FileManager.default.contents(atPath: path) else { throw AuditError("cannot read web.audit_key \(path)") }
            while let last = k.last, last == 0x0A || last == 0x0D { k.removeLast() }
            key = Array(k)
        } else {
            key = nil
        }
        fd = socket(to.address.isV4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw AuditError("socket: errno \(errno)") }
        self.counters = counters
    }

    deinit { close(fd) }

    public func send(_ r: AuditRecord) {
        var bytes = Array(r.payload().utf8)
        if let app, let key {
            let mac = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key))
            bytes = Array("\(app) \(Hex.encode(Array(mac))) ".utf8) + bytes
        }
        let rc: Int
        switch address {
        case .v4(let v):
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            sa.sin_addr.s_addr = v.bigEndian
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        case .v6:
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            let b = address.bytes
            withUnsafeMutableBytes(of: &sa.sin6_addr) { for i in 0..<16 { $0[i] = b[i] } }
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        counters.add(rc == bytes.count ? "audit_events_sent_total" : "audit_events_failed_total")
    }
}

public struct AuditError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}
