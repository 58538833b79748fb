import ActivityConfig
import ActivityModel
import ActivityDatagram
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
/// (``SignedDatagram``, as `activityctl send --app --key-file`).
public final class AuditSender: Sendable {
    let sender: DatagramSender
    let app: String?
    let key: [UInt8]?
    let counters: WebCounters

    public init(configuration c: WebConfiguration, counters: WebCounters) throws {
        guard let to = c.auditTo else { throw AuditError("web.audit_to is not set") }
        app = c.auditApp
        if let path = c.auditKey {
            do { key = try SignedDatagram.loadKey(path: path) } catch { throw AuditError("web.audit_key: \(error)") }
        } else {
            key = nil
        }
        do { sender = try DatagramSender(to: to.address, port: to.port) } catch {
            throw AuditError("web.audit_to: \(error)")
        }
        self.counters = counters
    }

    public func send(_ r: AuditRecord) {
        var bytes = Array(r.payload().utf8)
        if let app, let key { bytes = SignedDatagram.sign(bytes, app: app, key: key) }
        do {
            try sender.send(bytes)
            counters.add("audit_events_sent_total")
        } catch {
            counters.add("audit_events_failed_total")
        }
    }
}

public struct AuditError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}
