import ActivityConfig
import ActivityModel
import ActivityReports
import ActivityStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// The pages: each checks the principal's role, reads through ``StoreQueries`` (scoped to the principal's
/// accounts), records the view as an audit event, and renders ``Pages``.
extension WebApp {
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
            return WebApp.html(
                Pages.login(error: "Too many failed logins from your address; try again later.", next: next),
                status: .tooManyRequests)
        }
        let user = f["username"] ?? "", password = f["password"] ?? ""
        let principal = try await blocking { [authenticator] in
            authenticator.password(user: user, password: password, now: now)
        }
        guard let principal else {
            counters.add("login_failures_total")
            limiter.recordFailure(source, now: now)
            logger.notice("failed console login", metadata: ["web.source": "\(source)"])
            return WebApp.html(Pages.login(error: "Wrong user name or password.", next: next), status: .unauthorized)
        }
        let cookie = sessions.cookieValue(name: principal.name, now: now / 1_000_000_000)
        let secure = configuration.hasTLS ? "; Secure" : ""
        return WebApp.redirect(
            next,
            headers: [
                .setCookie:
                    "\(WebApp.cookieName)=\(cookie); Path=/; Max-Age=\(sessions.lifetimeSeconds); HttpOnly; SameSite=Strict\(secure)"
            ])
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
        return WebApp.html(
            Pages.security(
                page, total: matching.count, query: f["q"], next: next, formatter: fmt, chrome: chrome(ctx, tz)))
    }

    func usersPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        let now = SystemClock.now()
        guard let days = Int(f["inactive_days"] ?? "30"), (0...36500).contains(days) else {
            throw badRequest("inactive_days: a number of days")
        }
        guard let threshold = Int(f["threshold"] ?? "5"), threshold >= 1 else {
            throw badRequest("threshold: at least 1")
        }
        let windowText = f["window"] ?? "10m"
        guard let window = TimeSpan.parse(windowText) else { throw badRequest("window: a duration such as 10m") }
        let sinceText = f["since"] ?? "-30d"
        let since = try time(FormData("since=" + FormData.encode(sinceText)), "since", fmt, now: now)
        let until = try time(f, "until", fmt, now: now)
        let input = try await blocking { [queries] in
            let users = try queries.users(for: p, now: now)
            return Pages.UsersReportInput(
                inactiveDays: days, since: sinceText, until: f["until"], threshold: threshold, window: windowText,
                inactive: users.inactive(
                    since: Timestamp(nanoseconds: now.nanoseconds - TimeSpan.days(Int64(days)).nanoseconds)),
                logins: try queries.loginReport(for: p, since: since, until: until, formatter: fmt),
                bursts: try queries.failureBursts(
                    for: p, since: since, until: until, threshold: threshold, window: window),
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
        return WebApp.html(
            Pages.manageUser(
                user: user, logins: pages.0, activity: pages.1, admin: pages.2, formatter: fmt, chrome: chrome(ctx, tz))
        )
    }

    func historyPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (tz, fmt) = try zone(f)
        let user = try userParam(f)
        var hf = Pages.HistoryFilters()
        hf.since = f["since"]; hf.until = f["until"]; hf.outcome = f["outcome"]; hf.action = f["action"]
        hf.entry = f["entry"]; hf.ip = f["ip"]; hf.country = f["country"];
        hf.vpn = ["1", "true", "on"].contains(f["vpn"] ?? "")
        var q = try query(f, fmt, now: SystemClock.now())
        q.terms[.user] = [user]
        q.terms[.category] = [EventCategory.login.rawValue]
        let before = try before(f), n = try limit(f)
        let query = q
        let page = try await blocking { [queries] in try queries.page(query, for: p, before: before, limit: n) }
        recordAudit(ctx, req, user: user)
        return WebApp.html(
            Pages.loginHistory(user: user, page: page, filters: hf, formatter: fmt, chrome: chrome(ctx, tz)))
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
        return WebApp.html(
            Pages.userEvents(user: user, category: category, page: page, formatter: fmt, chrome: chrome(ctx, tz)))
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
        return WebApp.html(
            Pages.report(
                params: params, users: f.list("user").joined(separator: ", "),
                actions: f.list("action").joined(separator: ", "),
                category: f["category"] ?? "", since: f["since"], until: f["until"], page: page, formatter: fmt,
                chrome: chrome(ctx, tz)))
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
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"activity.csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
