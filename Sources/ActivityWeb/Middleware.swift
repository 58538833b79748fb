import ActivityConfig
import ActivityModel
import ActivityReports
import ActivityStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// Who is asking: a bearer token, HTTP Basic, or the session cookie. Failed credentials are counted and
/// limited per source address; without credentials, pages redirect to the login form and the API answers 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let app: WebApp

    static let open: Set<String> = ["/login", "/style.css", "/healthz", "/logout"]

    func handle(_ req: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws
        -> Response
    {
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
            } else if header.hasPrefix("Basic "),
                let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingSpaces()),
                let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
            {
                let user = String(text[..<colon]), password = String(text[text.index(after: colon)...])
                principal = try await app.blocking { [authenticator = app.authenticator] in
                    authenticator.password(user: user, password: password, now: now)
                }
            }
            guard let principal else {
                app.counters.add("login_failures_total")
                app.limiter.recordFailure(source, now: now)
                throw WebError(.unauthorized, "wrong credentials")
            }
            ctx.principal = principal
        } else if let value = req.cookies[WebApp.cookieName]?.value,
            let name = app.sessions.name(fromCookie: value, now: now / 1_000_000_000),
            let p = app.authenticator.person(named: name)
        {
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

    func handle(_ req: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws
        -> Response
    {
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
            res = render(
                WebError(.internalServerError, "the store could not be read; see the server log"), req, context)
        }
        res.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
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
            if e.status == .unauthorized {
                r.headers[.wwwAuthenticate] = "Basic realm=\"activity-web\", charset=\"UTF-8\""
            }
            return r
        }
        let chrome = ctx.principal.map { Pages.Chrome(principal: $0, timeZone: app.configuration.timezone) }
        return WebApp.html(
            Pages.message(title: e.status.reasonPhrase, text: e.message, chrome: chrome), status: e.status)
    }
}
