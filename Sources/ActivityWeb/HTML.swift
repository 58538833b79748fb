import ActivityConfig
import ActivityModel
import ActivityReports

/// Escapes text for HTML element content and quoted attribute values: `& < > " '`.
public func esc(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count + 8)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// Server-rendered pages: plain HTML and one stylesheet, no script. Every piece of stored data goes
/// through ``esc(_:)``; links are built with ``FormData/encode(_:)``.
public enum Pages {
    public struct Chrome: Sendable {
        public var principal: Principal
        public var timeZone: String
        public init(principal: Principal, timeZone: String) { self.principal = principal; self.timeZone = timeZone }
    }

    /// Zones offered in the time-zone choice (the current one is added when it is not among them).
    static let zones = [
        "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York", "America/Chicago",
        "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
    ]

    public static func layout(title: String, chrome: Chrome?, body: String) -> String {
        var s =
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        s += "<title>\(esc(title)) · activityd</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body>"
        if let c = chrome {
            s += "<header><nav><strong>activityd</strong>"
            let tz = "?tz=" + FormData.encode(c.timeZone)
            if c.principal.may(.security) {
                s += " <a href=\"/security\(tz)\">Security</a> <a href=\"/users\(tz)\">Users</a>"
            }
            if c.principal.may(.activity) { s += " <a href=\"/report\(tz)\">Users activity report</a>" }
            s += "</nav><div class=\"who\">\(esc(c.principal.name))"
            if c.principal.isScoped {
                s +=
                    " <span class=\"badge\">accounts: \(esc(c.principal.accounts.sorted().joined(separator: ", ")))</span>"
            }
            s +=
                " <form method=\"post\" action=\"/logout\" class=\"inline\"><button type=\"submit\">Log out</button></form></div></header>"
        }
        s += "<main><h1>\(esc(title))</h1>\(body)</main></body></html>\n"
        return s
    }

    public static func login(error: String?, next: String) -> String {
        var b = ""
        if let error { b += "<p class=\"error\" role=\"alert\">\(esc(error))</p>" }
        b += """
            <form method="post" action="/login" class="login">
            <input type="hidden" name="next" value="\(esc(next))">
            <label>User <input name="username" autocomplete="username" required autofocus></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button type="submit">Log in</button>
            </form>
            """
        return layout(title: "Log in", chrome: nil, body: b)
    }

    public static func message(title: String, text: String, chrome: Chrome?) -> String {
        layout(title: title, chrome: chrome, body: "<p class=\"empty\">\(esc(text))</p>")
    }

    // MARK: pieces

    static func tzSelect(_ current: String) -> String {
        var s = "<label>Time zone <select name=\"tz\">"
        for z in (zones.contains(current) ? zones : [current] + zones) {
            s += "<option\(z == current ? " selected" : "")>\(esc(z))</option>"
        }
        return s + "</select></label>"
    }

    static func input(
        _ label: String, _ name: String, _ value: String?, type: String = "text", placeholder: String = ""
    ) -> String {
        "<label>\(esc(label)) <input type=\"\(type)\" name=\"\(name)\" value=\"\(esc(value ?? ""))\" placeholder=\"\(esc(placeholder))\"></label>"
    }

    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(esc(name))\" value=\"\(esc(value))\">"
    }

    /// A table of text cells (all escaped); `links[i][j]`, when set, makes that cell a link.
    static func table(_ headers: [String], _ rows: [[String]], links: [[Int: String]] = [], empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(esc(empty))</p>" }
        var s = "<table><thead><tr>" + headers.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (i, r) in rows.enumerated() {
            s += "<tr>"
            for (j, cell) in r.enumerated() {
                if i < links.count, let href = links[i][j] {
                    s += "<td><a href=\"\(esc(href))\">\(esc(cell))</a></td>"
                } else {
                    s += "<td>\(esc(cell))</td>"
                }
            }
            s += "</tr>"
        }
        return s + "</tbody></table>"
    }

    /// A report ``Table`` from ActivityReports (the same rows the CLI prints) as HTML.
    static func table(_ t: Table, empty: String, linkColumn: Int? = nil, link: (String) -> String? = { _ in nil })
        -> String
    {
        let links: [[Int: String]] = t.rows.map { r in
            guard let c = linkColumn, c < r.count, let href = link(r[c]) else { return [:] }
            return [c: href]
        }
        return table(t.columns.map(\.title), t.rows, links: links, empty: empty)
    }

    /// VPN/proxy/Tor/hosting and new-location badges of an event.
    static func badges(_ e: ActivityEvent) -> String {
        var b: [String] = []
        if let n = e.net {
            if n.vpn { b.append("VPN") }
            if n.proxy { b.append("proxy") }
            if n.tor { b.append("Tor") }
            if n.hosting { b.append("hosting") }
        }
        if e.risk.contains(.newCountry) { b.append("new location") }
        if e.risk.contains(.impossibleTravel) { b.append("impossible travel") }
        if e.risk.contains(.newDevice) { b.append("new device") }
        return b.map { "<span class=\"badge\">\(esc($0))</span>" }.joined(separator: " ")
    }

    static func location(_ e: ActivityEvent) -> String { e.geo.flatMap(Geo.shortText) ?? "" }

    /// Events as rows: time, action, outcome, entry, device, IP, location, badges; the time opens the details.
    static func eventRows(_ events: [ActivityEvent], formatter: TimeFormatter, tz: String, showUser: Bool = false)
        -> String
    {
        guard !events.isEmpty else { return "<p class=\"empty\">No events match.</p>" }
        var s = "<table><thead><tr><th>Time</th>" + (showUser ? "<th>User</th>" : "")
        s +=
            "<th>Action</th><th>Outcome</th><th>Entry</th><th>Device</th><th>IP</th><th>Location</th><th></th></tr></thead><tbody>"
        for e in events {
            let href = "/event?seq=\(e.seq)&tz=" + FormData.encode(tz)
            s += "<tr><td><a href=\"\(esc(href))\">\(esc(formatter.string(from: e.time)))</a></td>"
            if showUser { s += "<td>\(esc(e.user ?? ""))</td>" }
            s += "<td>\(esc(e.action.rawValue))</td><td>\(esc(e.outcome.rawValue))</td><td>\(esc(e.entry ?? ""))</td>"
            s += "<td>\(esc(e.device ?? ""))</td><td>\(esc(e.ip?.description ?? ""))</td><td>\(esc(location(e)))</td>"
            s += "<td>\(badges(e))</td></tr>"
        }
        return s + "</tbody></table>"
    }

    static func nextLink(_ base: String, _ params: [(String, String)], nextBefore: UInt64?) -> String {
        guard let n = nextBefore else { return "" }
        let q = FormData.query(params.filter { $0.0 != "before" } + [("before", String(n))])
        return "<p class=\"more\"><a href=\"\(esc(base + "?" + q))\">Older events →</a></p>"
    }

    // MARK: pages

    /// Security (seed 003): every user with last login, last logout, status now, entry, IP and location.
    public static func security(
        _ users: [UserSummary], total: Int, query: String?, next: String?, formatter: TimeFormatter, chrome: Chrome
    ) -> String {
        let tz = chrome.timeZone
        var b = "<form method=\"get\" action=\"/security\" class=\"filters\">" + input("User name contains", "q", query)
        b += "\(tzSelect(tz)) <button type=\"submit\">Show</button></form>"
        b +=
            "<p class=\"note\">\(total) user\(total == 1 ? "" : "s"). Times in \(esc(tz)), with their offset. Status now: logged in, logged out, timed out (no logout within 12 h), locked or disabled.</p>"
        let rows = users.map { s in
            [
                s.user, s.status.rawValue, s.lastLogin.map(formatter.string) ?? "-",
                s.lastLogout.map(formatter.string) ?? "-",
                s.entry ?? "-", s.lastIP?.description ?? "-", s.locationText ?? "-", String(s.loginCount),
                String(s.failuresSinceLastSuccess),
            ]
        }
        let links = users.map { s -> [Int: String] in
            [
                0: "/user?u=\(FormData.encode(s.user))&tz=\(FormData.encode(tz))",
                2: "/user/logins?u=\(FormData.encode(s.user))&tz=\(FormData.encode(tz))",
            ]
        }
        b += table(
            [
                "User", "Status", "Last login", "Last logout", "Entry", "IP", "Location", "Logins",
                "Failures since success",
            ],
            rows, links: links,
            empty: query == nil ? "No users yet: no login events are stored." : "No user name contains that.")
        if let next {
            let q = FormData.query([("q", query ?? ""), ("tz", tz), ("after", next)])
            b += "<p class=\"more\"><a href=\"\(esc("/security?" + q))\">Next users →</a></p>"
        }
        return layout(title: "Security", chrome: chrome, body: b)
    }

    public struct HistoryFilters: Sendable {
        public var since: String?, until: String?, outcome: String?, action: String?, entry: String?, ip: String?,
            country: String?
        public var vpn = false
        public init() {}
        var params: [(String, String)] {
            [
                ("since", since ?? ""), ("until", until ?? ""), ("outcome", outcome ?? ""), ("action", action ?? ""),
                ("entry", entry ?? ""),
                ("ip", ip ?? ""), ("country", country ?? ""), ("vpn", vpn ? "1" : ""),
            ]
        }
    }

    /// A user's login history between dates, with filters (seed 003).
    public static func loginHistory(
        user: String, page: EventPage, filters f: HistoryFilters, formatter: TimeFormatter, chrome: Chrome
    ) -> String {
        let tz = chrome.timeZone
        var b =
            "<p><a href=\"/user?u=\(esc(FormData.encode(user)))&amp;tz=\(esc(FormData.encode(tz)))\">Manage user \(esc(user))</a></p>"
        b += "<form method=\"get\" action=\"/user/logins\" class=\"filters\">\(hidden("u", user))"
        b +=
            input("From", "since", f.since, placeholder: "YYYY-MM-DD or -7d")
            + input("Until (exclusive)", "until", f.until, placeholder: "YYYY-MM-DD")
        b += "<label>Outcome <select name=\"outcome\">"
        for o in ["", "success", "failure", "unknown"] {
            b +=
                "<option value=\"\(o)\"\(f.outcome == o || (f.outcome == nil && o.isEmpty) ? " selected" : "")>\(o.isEmpty ? "any" : o)</option>"
        }
        b += "</select></label>"
        b +=
            input("Action", "action", f.action, placeholder: "login, logout…")
            + input("Entry", "entry", f.entry, placeholder: "ssh, web…")
        b += input("IP", "ip", f.ip) + input("Country", "country", f.country, placeholder: "DE")
        b +=
            "<label><input type=\"checkbox\" name=\"vpn\" value=\"1\"\(f.vpn ? " checked" : "")> VPN/proxy/Tor only</label>"
        b += tzSelect(tz) + " <button type=\"submit\">Filter</button></form>"
        b += eventRows(page.events, formatter: formatter, tz: tz)
        b += nextLink("/user/logins", [("u", user), ("tz", tz)] + f.params, nextBefore: page.nextBefore)
        return layout(title: "Login history: \(user)", chrome: chrome, body: b)
    }

    /// Manage user (seed 000): login activity, user activity, admin activity on the account, with badges.
    public static func manageUser(
        user: String, logins: EventPage, activity: EventPage, admin: EventPage, formatter: TimeFormatter, chrome: Chrome
    ) -> String {
        let tz = chrome.timeZone
        let u = FormData.encode(user), z = FormData.encode(tz)
        var b =
            "<form method=\"get\" action=\"/user\" class=\"filters\">\(hidden("u", user))\(tzSelect(tz)) <button type=\"submit\">Show</button></form>"
        b += "<section><h2>Login activity</h2>" + eventRows(logins.events, formatter: formatter, tz: tz)
        if logins.nextBefore != nil {
            b +=
                "<p class=\"more\"><a href=\"/user/logins?u=\(esc(u))&amp;tz=\(esc(z))&amp;before=\(logins.nextBefore!)\">Older logins →</a></p>"
        }
        b += "</section><section><h2>User activity</h2>" + eventRows(activity.events, formatter: formatter, tz: tz)
        if activity.nextBefore != nil {
            b +=
                "<p class=\"more\"><a href=\"/user/events?u=\(esc(u))&amp;category=activity&amp;tz=\(esc(z))&amp;before=\(activity.nextBefore!)\">Older activity →</a></p>"
        }
        b +=
            "</section><section><h2>Admin activity on the account</h2>"
            + adminRows(admin.events, formatter: formatter, tz: tz)
        if admin.nextBefore != nil {
            b +=
                "<p class=\"more\"><a href=\"/user/events?u=\(esc(u))&amp;category=admin&amp;tz=\(esc(z))&amp;before=\(admin.nextBefore!)\">Older admin activity →</a></p>"
        }
        b += "</section>"
        return layout(title: "Manage user: \(user)", chrome: chrome, body: b)
    }

    static func adminRows(_ events: [ActivityEvent], formatter: TimeFormatter, tz: String) -> String {
        guard !events.isEmpty else { return "<p class=\"empty\">No admin activity on this account.</p>" }
        let rows = events.map { e in
            [
                formatter.string(from: e.time), e.action.rawValue, e.actor ?? "", e.actorRole ?? "", e.outcome.rawValue,
                e.comment ?? "", e.ip?.description ?? "",
            ]
        }
        let links = events.map { [0: "/event?seq=\($0.seq)&tz=\(FormData.encode(tz))"] }
        return table(["Time", "Action", "By", "Role", "Outcome", "Comment", "IP"], rows, links: links, empty: "")
    }

    /// One category of a user's events, paged (the "older" links of Manage user).
    public static func userEvents(
        user: String, category: String, page: EventPage, formatter: TimeFormatter, chrome: Chrome
    ) -> String {
        let tz = chrome.timeZone
        var b =
            "<p><a href=\"/user?u=\(esc(FormData.encode(user)))&amp;tz=\(esc(FormData.encode(tz)))\">Manage user \(esc(user))</a></p>"
        b +=
            category == "admin"
            ? adminRows(page.events, formatter: formatter, tz: tz)
            : eventRows(page.events, formatter: formatter, tz: tz)
        b += nextLink("/user/events", [("u", user), ("category", category), ("tz", tz)], nextBefore: page.nextBefore)
        return layout(
            title: "\((category.prefix(1).uppercased() + category.dropFirst())) events: \(user)", chrome: chrome,
            body: b)
    }

    /// Event details: every field, origin, risk and why.
    public static func event(_ e: ActivityEvent, formatter: TimeFormatter, chrome: Chrome) -> String {
        var b = "<p>\(badges(e))</p><table class=\"fields\"><tbody>"
        for name in EventField.names {
            guard let v = EventField.value(e, name, formatter: formatter), !v.isEmpty else { continue }
            b += "<tr><th>\(esc(name))</th><td>\(esc(v))</td></tr>"
        }
        if let raw = e.origin?.raw { b += "<tr><th>raw</th><td><code>\(esc(raw))</code></td></tr>" }
        for a in e.attrs.sorted(by: { $0.key < $1.key }) {
            b += "<tr><th>attrs.\(esc(a.key))</th><td>\(esc(a.value))</td></tr>"
        }
        b += "</tbody></table>"
        if let why = e.attrs["risk_why"] { b += "<h2>Why this login was flagged</h2><p>\(esc(why))</p>" }
        if let u = e.user {
            b +=
                "<p><a href=\"/user/logins?u=\(esc(FormData.encode(u)))&amp;tz=\(esc(FormData.encode(chrome.timeZone)))\">Login history of \(esc(u))</a></p>"
        }
        return layout(title: "Event \(e.seq)", chrome: chrome, body: b)
    }

    public struct UsersReportInput: Sendable {
        public var inactiveDays: Int
        public var since: String
        public var until: String?
        public var threshold: Int
        public var window: String
        public var inactive: [UserSummary]
        public var logins: LoginReport
        public var bursts: [FailureBurst]
        public var suspicious: [SuspiciousLogin]
        public init(
            inactiveDays: Int, since: String, until: String?, threshold: Int, window: String, inactive: [UserSummary],
            logins: LoginReport, bursts: [FailureBurst], suspicious: [SuspiciousLogin]
        ) {
            self.inactiveDays = inactiveDays; self.since = since; self.until = until; self.threshold = threshold;
            self.window = window
            self.inactive = inactive; self.logins = logins; self.bursts = bursts; self.suspicious = suspicious
        }
    }

    /// Users (seed 001): inactive for N days; logins per user; failure bursts; unusual locations.
    public static func users(_ r: UsersReportInput, formatter: TimeFormatter, chrome: Chrome) -> String {
        let tz = chrome.timeZone
        let userLink: (String) -> String? = { u in
            u == "*" ? nil : "/user?u=\(FormData.encode(u))&tz=\(FormData.encode(tz))"
        }
        var b = "<form method=\"get\" action=\"/users\" class=\"filters\">"
        b += input("Inactive for days", "inactive_days", String(r.inactiveDays), type: "number")
        b += input("From", "since", r.since) + input("Until (exclusive)", "until", r.until)
        b +=
            input("Burst: failures", "threshold", String(r.threshold), type: "number")
            + input("within", "window", r.window)
        b += tzSelect(tz) + " <button type=\"submit\">Show</button></form>"
        b += "<section><h2>Inactive for \(r.inactiveDays) days</h2>"
        b += table(
            Table.users(r.inactive, formatter: formatter), empty: "No user has been inactive that long.", linkColumn: 0,
            link: userLink)
        b += "</section><section><h2>Logins per user and usage frequency</h2>"
        b += table(
            Table.logins(r.logins, formatter: formatter), empty: "No logins in this interval.", linkColumn: 0,
            link: userLink)
        b += "</section><section><h2>Failed-attempt bursts</h2>"
        b += table(Table.bursts(r.bursts, formatter: formatter), empty: "No bursts of failed logins in this interval.")
        b += "</section><section><h2>Unusual locations and other suspicious logins</h2>"
        b += table(
            Table.suspicious(r.suspicious, formatter: formatter), empty: "No suspicious logins in this interval.",
            linkColumn: 1, link: userLink)
        b += "</section>"
        return layout(title: "Users", chrome: chrome, body: b)
    }

    /// Users activity report (seed 002): choose users, activities, interval; the table; Export as CSV.
    public static func report(
        params: [(String, String)], users: String, actions: String, category: String, since: String?, until: String?,
        page: EventPage?, formatter: TimeFormatter, chrome: Chrome
    ) -> String {
        let tz = chrome.timeZone
        var b = "<form method=\"get\" action=\"/report\" class=\"filters\">"
        b += input("Users", "user", users, placeholder: "alice, carol (empty: all)")
        b += input("Activities", "action", actions, placeholder: "order_placed, refund_issued (empty: all)")
        b += "<label>Category <select name=\"category\">"
        for c in ["", "activity", "login", "admin"] {
            b += "<option value=\"\(c)\"\(category == c ? " selected" : "")>\(c.isEmpty ? "any" : c)</option>"
        }
        b += "</select></label>"
        b +=
            input("From", "since", since, placeholder: "YYYY-MM-DD")
            + input("Until (exclusive)", "until", until, placeholder: "YYYY-MM-DD")
        b += tzSelect(tz) + " <button type=\"submit\" name=\"build\" value=\"1\">Build report</button></form>"
        guard let page else {
            b += "<p class=\"empty\">Choose users, activities and an interval, then build the report.</p>"
            return layout(title: "Users activity report", chrome: chrome, body: b)
        }
        let exportQuery = FormData.query(params.filter { $0.0 != "before" && $0.0 != "build" })
        b +=
            "<p><a class=\"button\" href=\"/report.csv?\(esc(exportQuery))\" download>Export as CSV</a> <span class=\"note\">The whole selection in event-time order, the same bytes as <code>activityctl export --csv</code> with these filters.</span></p>"
        let export = CSVExport(formatter: formatter)
        let rows = page.events.map { export.cells(for: $0) }
        let links = page.events.map { [0: "/event?seq=\($0.seq)&tz=\(FormData.encode(tz))"] }
        b += table(CSVExport.columns, rows, links: links, empty: "No events match this selection.")
        b += nextLink("/report", params, nextBefore: page.nextBefore)
        return layout(title: "Users activity report", chrome: chrome, body: b)
    }

    public static let stylesheet = """
        body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
        header{display:flex;justify-content:space-between;align-items:center;padding:.5rem 1rem;background:#1f2a44;color:#fff}
        header a{color:#cfe0ff;margin-right:1rem}header .who{display:flex;gap:.5rem;align-items:center}
        main{padding:1rem 1.5rem}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}
        table{border-collapse:collapse;background:#fff;width:100%;font-size:.9rem}th,td{border:1px solid #d9dde3;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#eef1f5}.fields th{width:12rem}
        form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin-bottom:1rem}
        form.filters label{display:flex;flex-direction:column;font-size:.8rem}
        form.login{display:flex;flex-direction:column;gap:.5rem;max-width:20rem}
        form.inline{display:inline}.badge{display:inline-block;background:#ffe8b3;color:#5a3d00;border-radius:.6rem;padding:0 .5rem;font-size:.75rem;margin-right:.2rem}
        .empty{color:#5b6470;font-style:italic}.error{color:#a40000}.note{color:#5b6470;font-size:.85rem}
        a.button{background:#1f5fbf;color:#fff;padding:.3rem .8rem;border-radius:.3rem;text-decoration:none}
        """
}
