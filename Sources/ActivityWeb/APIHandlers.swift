import ActivityConfig
import ActivityModel
import ActivityReports
import ActivityStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// The JSON API under `/api/v1/` (docs/openapi/web.yaml): the same questions as the pages, as JSON.
extension WebApp {
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
            guard let d = Int(f["days"] ?? "30"), (0...36500).contains(d) else {
                throw badRequest("days: a number of days")
            }
            days = d
        }
        var users = try await blocking { [queries] in try queries.users(for: p, now: now) }
        if let days {
            users = users.inactive(
                since: Timestamp(nanoseconds: now.nanoseconds - TimeSpan.days(Int64(days)).nanoseconds))
        }
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
        guard let seq = ctx.parameters.get("seq").flatMap({ UInt64($0) }) else {
            throw badRequest("seq: an event number")
        }
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
        let r = try await blocking { [queries] in
            try queries.loginReport(for: p, since: since, until: until, formatter: fmt)
        }
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
        return WebApp.json(
            "{\"users\":[" + r.users.map(stats).joined(separator: ",") + "],\"total\":" + stats(r.total) + "}")
    }

    func apiFailures(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let p = try require(ctx, .security)
        let f = FormData(req.uri.query)
        let (_, fmt) = try zone(f)
        let (since, until) = try reportRange(f, fmt)
        guard let threshold = Int(f["threshold"] ?? "5"), threshold >= 1 else {
            throw badRequest("threshold: at least 1")
        }
        guard let window = TimeSpan.parse(f["window"] ?? "10m") else {
            throw badRequest("window: a duration such as 10m")
        }
        let bursts = try await blocking { [queries] in
            try queries.failureBursts(for: p, since: since, until: until, threshold: threshold, window: window)
        }
        let items = bursts.map { b -> String in
            var w = JSONWriter()
            w.begin()
            w.key("key"); w.string(b.key.description)
            w.key("first"); w.string(fmt.string(from: b.first))
            w.key("last"); w.string(fmt.string(from: b.last))
            w.key("count"); w.raw(String(b.count))
            w.key("users");
            w.raw(
                "["
                    + b.users.map { u -> String in
                        var j = JSONWriter(); j.string(u); return j.out
                    }.joined(separator: ",") + "]")
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
