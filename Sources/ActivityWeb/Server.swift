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
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func json(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: s)))
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
        do { return try TimeExpression.resolve(text, now: now, timeZone: fmt.timeZone) } catch { throw badRequest("\(key): \(error)") }
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
        for c in e.categories where !["login", "activity", "admin"].contains(c.lowercased()) { throw badRequest("category: login, activity or admin, not \(c)") }
        for o in e.outcomes where !["success", "failure", "unknown"].contains(o) { throw badRequest("outcome: success, failure or unknown, not \(o)") }
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
            return try filter(f).query(since: try time(f, "since", fmt, now: now), until: try time(f, "until", fmt, now: now), order: order)
        } catch let e as EventFilter.Invalid {
            throw badRequest("\(e.field): \(e.value) is not an address")
        }
    }

    func recordAudit(_ ctx: WebContext, _ req: Request, action: String = "console_view", user: String?) {
        guard let audit, let p = ctx.principal else { return }
        audit.send(AuditRecord(action: action, principal: p, user: user, page: req.uri.path, filters: req.uri.query ?? "",
                               remoteAddress: ctx.remoteAddress))
    }

    func chrome(_ ctx: WebContext, _ tz: String) -> Pages.Chrome { Pages.Chrome(principal: ctx.principal!, timeZone: tz) }

    // MARK: routes

    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityHeadersMiddleware(app: self))
        router.add(middleware: AuthMiddleware(app: self))
        router.get("/style.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Pages.stylesheet)))
        }
        router.get("/healthz") { _, _ in WebApp.json("{\"status\":\"ok\"}") }
        router.get("/login") { req, _ in
            let f = FormData(req.uri.query)
            return WebApp.html(Pages.login(error: nil, next: WebApp.safeNext(f["next"])))
        }
        router.post("/login") { req, ctx in try await self.login(req, ctx) }
        router.post("/logout") { _, _ in
            WebApp.redirect("/login", headers: [.setCookie: "\(WebApp.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"])
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
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: s)))
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
        guard let n, n.hasPrefix("/"), !n.hasPrefix("//"), !n.hasPrefix("/\\"), !n.contains("\r"), !n.contains("\n") else { return "/" }
        return n
    }

    // MARK: login

    func login(_ req: Request, _ ctx: WebContext) async throws -> Response {
        var req = req
        let source = ctx.remoteAddress ?? "unknown"
        let now = SystemClock.now().nanoseconds
        let body = try await req.collectBody(upTo: 16 * 1024)
        let f = FormData(String(buffer: body))
        let next = WebApp.safeNext(f["next"])
        if limiter.isBlocked(source, now: now) {
            counters.add("login_refused_total")
            return WebApp.html(Pages.login(error: "Too many failed logins from your address; try again later.", next: next), status: .tooManyRequests)
        }
        let user = f["username"] ?? "", password = f["password"] ?? ""
        let principal = try await blocking { [authenticator] in authenticator.password(user: user, password: password, now: now) }
        guard let principal else {
            counters.add("login_failures_total")
            limiter.recordFailure(source, now: now)
            logger.notice("failed console login", metadata: ["web.source": "\(source)"])
            return WebApp.html(Pages.login(error: "Wrong user name or password.", next: next), status: .unauthorized)
        }
        let cookie = sessions.cookieValue(name: principal.name, now: now / 1_000_000_000)
        let secure = configuration.hasTLS ? "; Secure" : ""
        return WebApp.redirect(next, headers: [.setCookie: "\(WebApp.cookieName)=\(cookie); Path=/; Max-Age=\(sessions.lifetimeSeconds); HttpOnly; SameSite=Strict\(secure)"])
    }

    // MARK: pages

    func securityPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        let all = try await blocking { [queries] in try queries.users(for: p, now: SystemClock.now()) }
        // Sorted by name: a page of page_size users after the `after` cursor, optionally those whose name contains `q`.
        let q = f["q"]?.lowercased()
        let matching = q.map { q in all.filter { $0.user.lowercased().contains(q) } } ?? all
        let after = f["after"]
        let rest = after.map { a in matching.filter { $0.user > a } } ?? matching
        let page = Array(rest.prefix(configuration.pageSize))
        let next = rest.count > page.count ? page.last?.user : nil
        recordAudit(ctx, req, user: nil)
        return WebApp.html(Pages.security(page, total: matching.count, query: f["q"], next: next, formatter: fmt, chrome: chrome(ctx, tz)))
    }

    func usersPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        let now = SystemClock.now()
        guard let days = Int(f["inactive_days"] ?? "30"), (0...36500).contains(days) else { throw badRequest("inactive_days: a number of days") }
        guard let threshold = Int(f["threshold"] ?? "5"), threshold >= 1 else { throw badRequest("threshold: at least 1") }
        let windowText = f["window"] ?? "10m"
        guard let window = TimeSpan.parse(windowText) else { throw badRequest("window: a duration such as 10m") }
        let sinceText = f["since"] ?? "-30d"
        let since = try time(FormData("since=" + FormData.encode(sinceText)), "since", fmt, now: now)
        let until = try time(f, "until", fmt, now: now)
        let input = try await blocking { [queries] in
            let users = try queries.users(for: p, now: now)
            return Pages.UsersReportInput(
                inactiveDays: days, since: sinceText, until: f["until"], threshold: threshold, window: windowText,
                inactive: users.inactive(since: Timestamp(nanoseconds: now.nanoseconds - TimeSpan.days(Int64(days)).nanoseconds)),
                logins: try queries.loginReport(for: p, since: since, until: until, formatter: fmt),
                bursts: try queries.failureBursts(for: p, since: since, until: until, threshold: threshold, window: window),
                suspicious: try queries.suspicious(for: p, since: since, until: until))
        }
        recordAudit(ctx, req, user: nil)
        return WebApp.html(Pages.users(input, formatter: fmt, chrome: chrome(ctx, tz)))
    }

    func userParam(_ f: FormData) throws -> String {
        guard let u = f["u"] else { throw badRequest("u: which user") }
        return u
    }

    func manageUserPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        let user = try userParam(f)
        let n = configuration.pageSize
        let pages = try await blocking { [queries] in
            func cat(_ c: EventCategory) throws -> EventPage {
                var q = EventQuery()
                q.terms[.user] = [user]
                q.terms[.category] = [c.rawValue]
                return try queries.page(q, for: p, before: nil, limit: n)
            }
            return (try cat(.login), try cat(.activity), try cat(.admin))
        }
        recordAudit(ctx, req, user: user)
        return WebApp.html(Pages.manageUser(user: user, logins: pages.0, activity: pages.1, admin: pages.2, formatter: fmt, chrome: chrome(ctx, tz)))
    }

    func historyPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        let user = try userParam(f)
        var hf = Pages.HistoryFilters()
        hf.since = f["since"]; hf.until = f["until"]; hf.outcome = f["outcome"]; hf.action = f["action"]
        hf.entry = f["entry"]; hf.ip = f["ip"]; hf.country = f["country"]; hf.vpn = ["1", "true", "on"].contains(f["vpn"] ?? "")
        var q = try query(f, fmt, now: SystemClock.now())
        q.terms[.user] = [user]
        q.terms[.category] = [EventCategory.login.rawValue]
        let before = try before(f), n = try limit(f)
        let query = q
        let page = try await blocking { [queries] in try queries.page(query, for: p, before: before, limit: n) }
        recordAudit(ctx, req, user: user)
        return WebApp.html(Pages.loginHistory(user: user, page: page, filters: hf, formatter: fmt, chrome: chrome(ctx, tz)))
    }

    func userEventsPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        let user = try userParam(f)
        let category = f["category"] ?? "activity"
        guard EventCategory(rawValue: category) != nil else { throw badRequest("category: login, activity or admin") }
        var q = EventQuery()
        q.terms[.user] = [user]
        q.terms[.category] = [category]
        let before = try before(f), n = try limit(f)
        let query = q
        let page = try await blocking { [queries] in try queries.page(query, for: p, before: before, limit: n) }
        recordAudit(ctx, req, user: user)
        return WebApp.html(Pages.userEvents(user: user, category: category, page: page, formatter: fmt, chrome: chrome(ctx, tz)))
    }

    func eventPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        guard let seq = f["seq"].flatMap({ UInt64($0) }) else { throw badRequest("seq: an event number") }
        let e = try await blocking { [queries] in try queries.event(seq: seq, for: p) }
        guard let e else { throw WebError(.notFound, "no event \(seq)") }
        recordAudit(ctx, req, user: e.user)
        return WebApp.html(Pages.event(e, formatter: fmt, chrome: chrome(ctx, tz)))
    }

    func reportPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .activity)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        let params = f.pairs
        let built = f.has("build") || f.has("before")
        var page: EventPage?
        if built {
            let q = try query(f, fmt, now: SystemClock.now())
            let before = try before(f), n = try limit(f)
            page = try await blocking { [queries] in try queries.page(q, for: p, before: before, limit: n) }
            let users = f.list("user")
            recordAudit(ctx, req, user: users.count == 1 ? users[0] : nil)
        }
        return WebApp.html(Pages.report(params: params, users: f.list("user").joined(separator: ", "), actions: f.list("action").joined(separator: ", "),
                                        category: f["category"] ?? "", since: f["since"], until: f["until"], page: page, formatter: fmt, chrome: chrome(ctx, tz)))
    }

    /// The CSV export: `activityctl export --csv` with the same filters (same defaults: event-time order).
    func exportCSV(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .activity)
        let f = FormData(req.uri.query)
        let (_, fmt) = try zone(f)
        let q = try query(f, fmt, now: SystemClock.now())
        let text = try await blocking { [queries] in try queries.csv(q, for: p, formatter: fmt) }
        let users = f.list("user")
        recordAudit(ctx, req, action: "console_export", user: users.count == 1 ? users[0] : nil)
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"activity.csv\""],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: API

    static func eventsJSON(_ page: EventPage) -> String {
        var s = "{\"events\":["
        for (i, e) in page.events.enumerated() { if i > 0 { s += "," }; s += e.exportJSON() }
        s += "],\"next_before\":" + (page.nextBefore.map(String.init) ?? "null") + "}"
        return s
    }

    static func userJSON(_ s: UserSummary, _ fmt: TimeFormatter) -> String {
        var w = JSONWriter()
        w.begin()
        w.key("user"); w.string(s.user)
        w.key("status"); w.string(s.status.rawValue)
        if let v = s.lastLogin { w.key("last_login"); w.string(fmt.string(from: v)) }
        if let v = s.lastLogout { w.key("last_logout"); w.string(fmt.string(from: v)) }
        if let v = s.entry { w.key("entry"); w.string(v) }
        if let v = s.lastIP { w.key("last_ip"); w.string(v.description) }
        if let v = s.locationText { w.key("location"); w.string(v) }
        w.key("logins"); w.raw(String(s.loginCount))
        w.key("failures_since_success"); w.raw(String(s.failuresSinceLastSuccess))
        w.end()
        return w.out
    }

    func apiUsers(_ req: Request, _ ctx: WebContext, inactiveOnly: Bool) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (_, fmt) = try zone(f)
        let now = SystemClock.now()
        var days: Int?
        if inactiveOnly {
            guard let d = Int(f["days"] ?? "30"), (0...36500).contains(d) else { throw badRequest("days: a number of days") }
            days = d
        }
        var users = try await blocking { [queries] in try queries.users(for: p, now: now) }
        if let days { users = users.inactive(since: Timestamp(nanoseconds: now.nanoseconds - TimeSpan.days(Int64(days)).nanoseconds)) }
        recordAudit(ctx, req, user: nil)
        return WebApp.json("{\"users\":[" + users.map { WebApp.userJSON($0, fmt) }.joined(separator: ",") + "]}")
    }

    func apiUserEvents(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        guard let raw = ctx.parameters.get("user") else { throw badRequest("user") }
        let user = FormData.decodePathSegment(Substring(raw))
        let f = FormData(req.uri.query)
        let (_, fmt) = try zone(f)
        var q = try query(f, fmt, now: SystemClock.now())
        q.terms[.user] = [user]
        let before = try before(f), n = try limit(f)
        let query = q
        let page = try await blocking { [queries] in try queries.page(query, for: p, before: before, limit: n) }
        recordAudit(ctx, req, user: user)
        return WebApp.json(WebApp.eventsJSON(page))
    }

    func apiEvents(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (_, fmt) = try zone(f)
        let q = try query(f, fmt, now: SystemClock.now())
        let before = try before(f), n = try limit(f)
        let page = try await blocking { [queries] in try queries.page(q, for: p, before: before, limit: n) }
        let users = f.list("user")
        recordAudit(ctx, req, user: users.count == 1 ? users[0] : nil)
        return WebApp.json(WebApp.eventsJSON(page))
    }

    func apiEvent(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        guard let seq = ctx.parameters.get("seq").flatMap({ UInt64($0) }) else { throw badRequest("seq: an event number") }
        let e = try await blocking { [queries] in try queries.event(seq: seq, for: p) }
        guard let e else { throw WebError(.notFound, "no event \(seq)") }
        recordAudit(ctx, req, user: e.user)
        return WebApp.json(e.exportJSON())
    }

    func reportRange(_ f: FormData, _ fmt: TimeFormatter) throws -> (Timestamp?, Timestamp?) {
        let now = SystemClock.now()
        return (try time(f, "since", fmt, now: now), try time(f, "until", fmt, now: now))
    }

    func apiLogins(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (_, fmt) = try zone(f)
        let (since, until) = try reportRange(f, fmt)
        let r = try await blocking { [queries] in try queries.loginReport(for: p, since: since, until: until, formatter: fmt) }
        func stats(_ s: LoginStats) -> String {
            var w = JSONWriter()
            w.begin()
            w.key("user"); w.string(s.user)
            w.key("logins"); w.raw(String(s.logins))
            w.key("failures"); w.raw(String(s.failures))
            w.key("active_days"); w.raw(String(s.activeDays))
            w.key("active_weeks"); w.raw(String(s.activeWeeks))
            w.key("logins_per_active_day"); w.number(s.loginsPerActiveDay)
            w.key("logins_per_active_week"); w.number(s.loginsPerActiveWeek)
            if let v = s.firstLogin { w.key("first_login"); w.string(fmt.string(from: v)) }
            if let v = s.lastLogin { w.key("last_login"); w.string(fmt.string(from: v)) }
            w.end()
            return w.out
        }
        recordAudit(ctx, req, user: nil)
        return WebApp.json("{\"users\":[" + r.users.map(stats).joined(separator: ",") + "],\"total\":" + stats(r.total) + "}")
    }

    func apiFailures(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (_, fmt) = try zone(f)
        let (since, until) = try reportRange(f, fmt)
        guard let threshold = Int(f["threshold"] ?? "5"), threshold >= 1 else { throw badRequest("threshold: at least 1") }
        guard let window = TimeSpan.parse(f["window"] ?? "10m") else { throw badRequest("window: a duration such as 10m") }
        let bursts = try await blocking { [queries] in try queries.failureBursts(for: p, since: since, until: until, threshold: threshold, window: window) }
        let items = bursts.map { b -> String in
            var w = JSONWriter()
            w.begin()
            w.key("key"); w.string(b.key.description)
            w.key("first"); w.string(fmt.string(from: b.first))
            w.key("last"); w.string(fmt.string(from: b.last))
            w.key("count"); w.raw(String(b.count))
            w.key("users"); w.raw("[" + b.users.map { u -> String in var j = JSONWriter(); j.string(u); return j.out }.joined(separator: ",") + "]")
            w.key("distinct_users"); w.raw(String(b.distinctUsers))
            if let s = b.successTime { w.key("success_after"); w.string(fmt.string(from: s)) }
            w.end()
            return w.out
        }
        recordAudit(ctx, req, user: nil)
        return WebApp.json("{\"bursts\":[" + items.joined(separator: ",") + "]}")
    }

    func apiSuspicious(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (_, fmt) = try zone(f)
        let (since, until) = try reportRange(f, fmt)
        let rows = try await blocking { [queries] in try queries.suspicious(for: p, since: since, until: until) }
        let items = rows.map { r -> String in
            var w = JSONWriter()
            w.begin()
            w.key("seq"); w.raw(String(r.event.seq))
            w.key("time"); w.string(fmt.string(from: r.event.time))
            if let v = r.event.user { w.key("user"); w.string(v) }
            if let v = r.event.ip { w.key("ip"); w.string(v.description) }
            if let v = r.event.geo?.country { w.key("country"); w.string(v) }
            w.key("kinds"); w.string(r.kindNames)
            w.key("why"); w.string(r.why)
            w.end()
            return w.out
        }
        recordAudit(ctx, req, user: nil)
        return WebApp.json("{\"logins\":[" + items.joined(separator: ",") + "]}")
    }
}

/// Who is asking: a bearer token, HTTP Basic, or the session cookie. Failed credentials are counted and
/// limited per source address; without credentials, pages redirect to the login form and the API answers 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let app: WebApp

    static let open: Set<String> = ["/login", "/style.css", "/healthz", "/logout"]

    func handle(_ req: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var ctx = context
        let path = req.uri.path
        if AuthMiddleware.open.contains(path) { return try await next(req, ctx) }
        let source = ctx.remoteAddress ?? "unknown"
        let now = SystemClock.now().nanoseconds
        if let header = req.headers[.authorization] {
            if app.limiter.isBlocked(source, now: now) {
                app.counters.add("login_refused_total")
                throw WebError(.tooManyRequests, "too many failed logins from this address; try again later")
            }
            var principal: Principal?
            if header.hasPrefix("Bearer ") {
                principal = app.authenticator.token(String(header.dropFirst(7)).trimmingSpaces())
            } else if header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingSpaces()),
                      let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") {
                let user = String(text[..<colon]), password = String(text[text.index(after: colon)...])
                principal = try await app.blocking { [authenticator = app.authenticator] in authenticator.password(user: user, password: password, now: now) }
            }
            guard let principal else {
                app.counters.add("login_failures_total")
                app.limiter.recordFailure(source, now: now)
                throw WebError(.unauthorized, "wrong credentials")
            }
            ctx.principal = principal
        } else if let value = req.cookies[WebApp.cookieName]?.value,
                  let name = app.sessions.name(fromCookie: value, now: now / 1_000_000_000),
                  let p = app.authenticator.person(named: name) {
            ctx.principal = p
        }
        guard ctx.principal != nil else {
            app.counters.add("unauthenticated_requests_total")
            if WebApp.isAPI(path) { throw WebError(.unauthorized, "authentication required") }
            let here = req.uri.query.map { path + "?" + $0 } ?? path
            return WebApp.redirect("/login?next=" + FormData.encode(here))
        }
        return try await next(req, ctx)
    }
}

/// Security headers on every response, and errors rendered as JSON (API) or a page, never with stored data.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let app: WebApp

    func handle(_ req: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var res: Response
        do {
            res = try await next(req, context)
        } catch let e as WebError {
            res = render(e, req, context)
        } catch let e as HTTPError {
            res = render(WebError(e.status, e.status == .notFound ? "not found" : e.status.reasonPhrase), req, context)
        } catch {
            app.logger.error("request failed", metadata: ["web.path": "\(req.uri.path)", "error": "\(error)"])
            app.counters.add("internal_errors_total")
            res = render(WebError(.internalServerError, "the store could not be read; see the server log"), req, context)
        }
        res.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        res.headers[.init("X-Frame-Options")!] = "DENY"
        res.headers[.xContentTypeOptions] = "nosniff"
        res.headers[.init("Referrer-Policy")!] = "no-referrer"
        res.headers[.cacheControl] = "no-store"
        if app.configuration.hasTLS { res.headers[.strictTransportSecurity] = "max-age=31536000" }
        return res
    }

    func render(_ e: WebError, _ req: Request, _ ctx: WebContext) -> Response {
        if WebApp.isAPI(req.uri.path) || req.uri.path.hasSuffix(".csv") {
            var w = JSONWriter()
            w.begin(); w.key("error"); w.string(e.message); w.end()
            var r = WebApp.json(w.out, status: e.status)
            if e.status == .unauthorized { r.headers[.wwwAuthenticate] = "Basic realm=\"activity-web\", charset=\"UTF-8\"" }
            return r
        }
        let chrome = ctx.principal.map { Pages.Chrome(principal: $0, timeZone: app.configuration.timezone) }
        return WebApp.html(Pages.message(title: e.status.reasonPhrase, text: e.message, chrome: chrome), status: e.status)
    }
}
