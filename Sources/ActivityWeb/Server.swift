import ActivityConfig
import ActivityModel
import ActivityReports
import ActivityStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// The request context: who is asking (set by ``AuthMiddleware``) and from where.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String?
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
        principal = nil
    }
}

/// A refusal with the status and the message shown (never stored data of another account).
public struct WebError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public init(_ status: HTTPResponse.Status, _ message: String) { self.status = status; self.message = message }
}

/// Everything the handlers share. Immutable but for the counters and limiter, which lock.
public final class WebApp: Sendable {
    public let configuration: WebConfiguration
    public let queries: StoreQueries
    public let authenticator: Authenticator
    public let sessions: SessionSigner
    public let limiter: LoginLimiter
    public let counters: WebCounters
    public let audit: AuditSender?
    let logger: Logger

    public init(dataDirectory: String, configuration c: WebConfiguration, sessionKey: [UInt8], logger: Logger) throws {
        configuration = c
        queries = StoreQueries(dataDirectory: dataDirectory)
        authenticator = Authenticator(configuration: c)
        sessions = SessionSigner(key: sessionKey, lifetimeSeconds: c.sessionTTL / 1_000_000_000)
        limiter = LoginLimiter(limit: c.loginFailures, windowNanos: c.loginFailureWindow)
        counters = WebCounters()
        audit = c.auditTo == nil ? nil : try AuditSender(configuration: c, counters: counters)
        self.logger = logger
    }

    static let cookieName = "activity_web_session"

    // MARK: helpers

    static func html(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func json(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func redirect(_ to: String, headers extra: HTTPFields = [:]) -> Response {
        var h = extra
        h[.location] = to
        return Response(status: .seeOther, headers: h)
    }

    static func isAPI(_ path: String) -> Bool { path.hasPrefix("/api/") }

    /// Runs store reads off the server's event loops.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    func require(_ ctx: WebContext, _ role: WebRole) throws -> Principal {
        guard let p = ctx.principal else { throw WebError(.unauthorized, "log in first") }
        guard p.may(role) else {
            counters.add("forbidden_total")
            throw WebError(.forbidden, "this needs the \(role.rawValue) role")
        }
        return p
    }

    func badRequest(_ message: String) -> WebError {
        counters.add("bad_requests_total")
        return WebError(.badRequest, message)
    }

    /// The display zone (`tz`, else web.timezone) and its formatter.
    func zone(_ f: FormData) throws -> (String, TimeFormatter) {
        let name = f["tz"] ?? configuration.timezone
        guard let fmt = TimeFormatter(identifier: name) else { throw badRequest("tz: unknown time zone \(name)") }
        return (name, fmt)
    }

    func time(_ f: FormData, _ key: String, _ fmt: TimeFormatter, now: Timestamp) throws -> Timestamp? {
        guard let text = f[key] else { return nil }
        do { return try TimeExpression.resolve(text, now: now, timeZone: fmt.timeZone) } catch {
            throw badRequest("\(key): \(error)")
        }
    }

    func before(_ f: FormData) throws -> UInt64? {
        guard let t = f["before"] else { return nil }
        guard let v = UInt64(t) else { throw badRequest("before: not an event seq") }
        return v
    }

    func limit(_ f: FormData) throws -> Int {
        guard let t = f["limit"] else { return configuration.pageSize }
        guard let v = Int(t), (1...1000).contains(v) else { throw badRequest("limit: 1 to 1000") }
        return v
    }

    /// The `activityctl events`/`export` filters from parameters of the same names.
    func filter(_ f: FormData) throws -> EventFilter {
        var e = EventFilter()
        e.users = f.list("user")
        e.ips = f.list("ip")
        e.categories = f.list("category")
        e.actions = f.list("action")
        e.outcomes = f.list("outcome")
        e.entries = f.list("entry")
        e.countries = f.list("country")
        e.vpn = ["1", "true", "on"].contains(f["vpn"] ?? "")
        for c in e.categories where !["login", "activity", "admin"].contains(c.lowercased()) {
            throw badRequest("category: login, activity or admin, not \(c)")
        }
        for o in e.outcomes where !["success", "failure", "unknown"].contains(o) {
            throw badRequest("outcome: success, failure or unknown, not \(o)")
        }
        for ip in e.ips where IPAddress(ip) == nil { throw badRequest("ip: \(ip) is not an address") }
        return e
    }

    func query(_ f: FormData, _ fmt: TimeFormatter, now: Timestamp) throws -> EventQuery {
        let order: EventOrder
        switch f["order"] ?? "time" {
        case "time": order = .time
        case "seq": order = .seq
        default: throw badRequest("order: time or seq")
        }
        do {
            return try filter(f).query(
                since: try time(f, "since", fmt, now: now), until: try time(f, "until", fmt, now: now), order: order)
        } catch let e as EventFilter.Invalid {
            throw badRequest("\(e.field): \(e.value) is not an address")
        }
    }

    func recordAudit(_ ctx: WebContext, _ req: Request, action: String = "console_view", user: String?) {
        guard let audit, let p = ctx.principal else { return }
        audit.send(
            AuditRecord(
                action: action, principal: p, user: user, page: req.uri.path, filters: req.uri.query ?? "",
                remoteAddress: ctx.remoteAddress))
    }

    func chrome(_ ctx: WebContext, _ tz: String) -> Pages.Chrome {
        Pages.Chrome(principal: ctx.principal!, timeZone: tz)
    }

    // MARK: routes

    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityHeadersMiddleware(app: self))
        router.add(middleware: AuthMiddleware(app: self))
        router.get("/style.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Pages.stylesheet)))
        }
        router.get("/healthz") { _, _ in WebApp.json("{\"status\":\"ok\"}") }
        router.get("/login") { req, _ in
            let f = FormData(req.uri.query)
            return WebApp.html(Pages.login(error: nil, next: WebApp.safeNext(f["next"])))
        }
        router.post("/login") { req, ctx in try await self.login(req, ctx) }
        router.post("/logout") { _, _ in
            WebApp.redirect(
                "/login", headers: [.setCookie: "\(WebApp.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"])
        }
        router.get("/") { _, ctx in
            WebApp.redirect(ctx.principal?.may(.security) == true ? "/security" : "/report")
        }
        router.get("/security") { req, ctx in try await self.securityPage(req, ctx) }
        router.get("/users") { req, ctx in try await self.usersPage(req, ctx) }
        router.get("/user") { req, ctx in try await self.manageUserPage(req, ctx) }
        router.get("/user/logins") { req, ctx in try await self.historyPage(req, ctx) }
        router.get("/user/events") { req, ctx in try await self.userEventsPage(req, ctx) }
        router.get("/event") { req, ctx in try await self.eventPage(req, ctx) }
        router.get("/report") { req, ctx in try await self.reportPage(req, ctx) }
        router.get("/report.csv") { req, ctx in try await self.exportCSV(req, ctx) }
        router.get("/metrics") { _, ctx in
            _ = try self.require(ctx, .admin)
            var s = ""
            for (k, v) in self.counters.snapshot() { s += "activity_web_\(k) \(v)\n" }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: s)))
        }
        let api = router.group("api/v1")
        api.get("users") { req, ctx in try await self.apiUsers(req, ctx, inactiveOnly: false) }
        api.get("users/:user/events") { req, ctx in try await self.apiUserEvents(req, ctx) }
        api.get("events") { req, ctx in try await self.apiEvents(req, ctx) }
        api.get("events/:seq") { req, ctx in try await self.apiEvent(req, ctx) }
        api.get("reports/inactive") { req, ctx in try await self.apiUsers(req, ctx, inactiveOnly: true) }
        api.get("reports/logins") { req, ctx in try await self.apiLogins(req, ctx) }
        api.get("reports/failures") { req, ctx in try await self.apiFailures(req, ctx) }
        api.get("reports/suspicious") { req, ctx in try await self.apiSuspicious(req, ctx) }
        api.get("export.csv") { req, ctx in try await self.exportCSV(req, ctx) }
        return router
    }

    /// Only same-site paths (`/x`, never `//host` or `/\host`) are followed after login.
    static func safeNext(_ n: String?) -> String {
        guard let n, n.hasPrefix("/"), !n.hasPrefix("//"), !n.hasPrefix("/\\"), !n.contains("\r"), !n.contains("\n")
        else { return "/" }
        return n
    }
}
