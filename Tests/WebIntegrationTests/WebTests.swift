import Foundation
import Testing
import ActivityModel
import ActivityStore
import ActivityPipeline
import ActivityTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// activity-web end to end: the real binary, a real store, HTTP over loopback.
@Suite("activity-web")
struct WebTests {
    static let pages = [
        "/security", "/users", "/user?u=alice", "/user/logins?u=alice", "/user/events?u=alice&category=activity",
        "/event?seq=1", "/report?build=1",
    ]

    @Test(
        "no credentials: pages redirect to the login form, the API answers 401 with a Basic challenge; wrong ones are 401 and counted"
    )
    func unauthenticated() throws {
        let (_, config) = try WebFixture.make("unauth")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        let page = try http(web.port, "/security?tz=UTC")
        #expect(page.status == 303)
        #expect(page.header("Location") == "/login?next=%2Fsecurity%3Ftz%3DUTC")
        let api = try http(web.port, "/api/v1/users")
        #expect(api.status == 401)
        #expect(api.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
        #expect(try api.json()["error"] as? String == "authentication required")
        #expect(try http(web.port, "/api/v1/users", headers: basic("sec", "wrong")).status == 401)
        #expect(try http(web.port, "/api/v1/users", headers: basic("nobody", "x")).status == 401)
        #expect(try http(web.port, "/api/v1/users", headers: ["Authorization": "Bearer not-the-token"]).status == 401)
        let metrics = try http(web.port, "/metrics", headers: basic("adm")).text
        #expect(metrics.contains("activity_web_login_failures_total 3"))
        // The login page itself is open and carries the security headers.
        let login = try http(web.port, "/login")
        #expect(login.status == 200)
        #expect(login.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(!login.text.contains("<script"))
    }

    @Test("roles: security cannot export, activity cannot see the security page or the users API (403); admin sees all")
    func roles() throws {
        let (_, config) = try WebFixture.make("roles")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        #expect(try http(web.port, "/api/v1/export.csv", headers: basic("sec")).status == 403)
        #expect(try http(web.port, "/report.csv", headers: basic("sec")).status == 403)
        #expect(try http(web.port, "/report", headers: basic("sec")).status == 403)
        #expect(try http(web.port, "/security", headers: basic("act")).status == 403)
        #expect(try http(web.port, "/api/v1/users", headers: basic("act")).status == 403)
        #expect(try http(web.port, "/api/v1/users/alice/events", headers: basic("act")).status == 403)
        #expect(try http(web.port, "/metrics", headers: basic("sec")).status == 403)
        #expect(try http(web.port, "/report?build=1", headers: basic("act")).status == 200)
        #expect(try http(web.port, "/api/v1/export.csv", headers: basic("act")).status == 200)
        for p in WebTests.pages {
            let r = try http(web.port, p, headers: basic("adm"))
            #expect(r.status == 200, "\(p): \(r.status) \(r.text)")
            #expect(r.header("X-Frame-Options") == "DENY")
            #expect(r.header("Cache-Control") == "no-store")
            #expect(r.header("Content-Security-Policy")?.contains("script-src") == false)  // default-src 'none': no script at all
        }
        let forbidden = try http(web.port, "/security", headers: basic("act"))
        #expect(forbidden.text.contains("needs the security role"))
        #expect(forbidden.header("X-Frame-Options") == "DENY")
    }

    @Test("an account-scoped principal sees only its accounts: users, histories, events, reports, CSV, details, errors")
    func accountScoping() throws {
        let (_, config) = try WebFixture.make("scope")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        let acme = basic("acme")
        // What only other accounts' events (and events without an account) hold.
        let hidden = [
            "globex", "Linköping", "89.160.20.115", "HYPERLINK", "support.kim", "Android", "pts/0", "81.2.69.170",
        ]
        var bodies: [(String, String)] = []
        for p in WebTests.pages + [
            "/user?u=bob", "/user/logins?u=bob", "/user/events?u=bob&category=admin", "/report?build=1&user=bob",
            "/api/v1/users", "/api/v1/reports/inactive?days=1", "/api/v1/reports/logins", "/api/v1/reports/failures",
            "/api/v1/reports/suspicious", "/api/v1/events?limit=1000", "/api/v1/users/bob/events", "/api/v1/export.csv",
            "/report.csv", "/users?since=2026-01-01&inactive_days=0",
        ] {
            let r = try http(web.port, p, headers: acme)
            #expect(r.status == 200, "\(p): \(r.status)")
            bodies.append((p, r.text))
        }
        for (p, text) in bodies {
            for h in hidden { #expect(!text.contains(h), "\(p) shows \(h)") }
            // Other accounts' user names, unless the request itself named them.
            if !p.contains("bob") { #expect(!text.contains("bob"), "\(p) shows bob") }
            #expect(!text.contains("dave"), "\(p) shows dave")
        }
        // Their own users are there.
        let users = try http(web.port, "/api/v1/users", headers: acme).json()["users"] as? [[String: Any]] ?? []
        #expect(Set(users.compactMap { $0["user"] as? String }) == ["alice", "carol", WebFixture.scriptUser])
        // Another account's event reads exactly like one that does not exist.
        let all =
            try http(web.port, "/api/v1/events?user=bob&limit=10", headers: basic("adm")).json()["events"]
            as? [[String: Any]] ?? []
        let bobSeq = try #require(all.first?["seq"] as? Int)
        let theirs = try http(web.port, "/api/v1/events/\(bobSeq)", headers: acme)
        let none = try http(web.port, "/api/v1/events/999999", headers: acme)
        #expect(theirs.status == 404 && none.status == 404)
        #expect(
            theirs.text.replacingOccurrences(of: String(bobSeq), with: "N")
                == none.text.replacingOccurrences(of: "999999", with: "N"))
        // The scoped token too.
        let tokenUsers = try http(web.port, "/api/v1/users", headers: ["Authorization": "Bearer portal-token"])
        #expect(tokenUsers.status == 200)
        #expect(!tokenUsers.text.contains("bob"))
        // An unscoped principal sees both accounts.
        #expect(try http(web.port, "/api/v1/users", headers: basic("sec")).text.contains("bob"))
    }

    @Test("stored strings render inert: a <script> user name and device are escaped in pages and links")
    func escaping() throws {
        let (_, config) = try WebFixture.make("escape")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        let enc = WebFixture.scriptUser.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        for p in [
            "/security", "/users?since=2026-01-01&inactive_days=0", "/user?u=\(enc)", "/user/logins?u=\(enc)",
            "/report?build=1&user=\(enc)&category=login",
        ] {
            let r = try http(web.port, p, headers: basic("adm"))
            #expect(r.status == 200)
            #expect(!r.text.contains("<script"), "\(p)")
            #expect(!r.text.contains("<img"), "\(p)")
            #expect(r.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(p)")
        }
        // JSON escapes nothing away: the name comes back exactly.
        let api = try http(web.port, "/api/v1/users", headers: basic("adm")).json()["users"] as? [[String: Any]] ?? []
        #expect(api.contains { $0["user"] as? String == WebFixture.scriptUser })
        // Bad input is refused clearly and counted, without echoing markup.
        let bad = try http(web.port, "/user/logins?u=alice&since=%3Cb%3Enot-a-date", headers: basic("adm"))
        #expect(bad.status == 400)
        #expect(!bad.text.contains("<b>"))
        #expect(try http(web.port, "/security?tz=Mars/Olympus", headers: basic("adm")).status == 400)
        #expect(
            try http(web.port, "/metrics", headers: basic("adm")).text.contains("activity_web_bad_requests_total 2"))
    }

    @Test("Export CSV is the same bytes as activityctl export --csv for the same selection")
    func csvMatchesCLI() throws {
        let (dir, config) = try WebFixture.make("csv")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        let selections: [(query: String, args: [String])] = [
            ("", []),
            ("tz=Europe/Berlin", ["--tz", "Europe/Berlin"]),
            (
                "user=alice&user=bob&since=2026-11-02&until=2026-11-07&tz=America/New_York",
                [
                    "--user", "alice", "--user", "bob", "--since", "2026-11-02", "--until", "2026-11-07", "--tz",
                    "America/New_York",
                ]
            ),
            (
                "category=activity&action=refund_issued&action=order_placed&tz=UTC",
                ["--category", "activity", "--action", "refund_issued", "--action", "order_placed", "--tz", "UTC"]
            ),
            (
                "outcome=failure&ip=198.51.100.7&order=seq&tz=UTC",
                ["--outcome", "failure", "--ip", "198.51.100.7", "--order", "seq", "--tz", "UTC"]
            ),
        ]
        for s in selections {
            let web1 = try http(web.port, "/api/v1/export.csv?" + s.query, headers: basic("act"))
            let web2 = try http(web.port, "/report.csv?" + s.query, headers: basic("adm"))
            let (status, cli, err) = try runTool(
                "activityctl",
                ["export", "--csv", "--data-dir", dir + "/data"]
                    + (s.args.contains("--tz") ? s.args : s.args + ["--tz", "UTC"]))
            #expect(status == 0, "\(err)")
            #expect(web1.status == 200)
            #expect(web1.header("Content-Type")?.hasPrefix("text/csv") == true)
            #expect(web1.body == Array(cli.utf8), "\(s.query)")
            #expect(web2.body == web1.body)
            #expect(
                cli.split(separator: "\r\n").count > 1 || s.query.contains("outcome"),
                "\(s.query): an empty selection proves little")
        }
        // Formula cells are neutralized as in the CLI.
        let all = try http(web.port, "/api/v1/export.csv?tz=UTC", headers: basic("adm")).text
        #expect(all.contains("\"'=HYPERLINK(\"\"http://x\"\")\""))
        #expect(all.contains(",-5.00,"))
    }

    @Test(
        "login form: a signed HttpOnly SameSite=Strict cookie opens the pages; a tampered or logged-out cookie does not"
    )
    func loginForm() throws {
        let (_, config) = try WebFixture.make("login")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        let form = ["Content-Type": "application/x-www-form-urlencoded"]
        let wrong = try http(
            web.port, "POST", "/login", headers: form, body: "username=sec&password=nope&next=%2Fsecurity")
        #expect(wrong.status == 401)
        #expect(wrong.text.contains("Wrong user name or password."))
        #expect(wrong.header("Set-Cookie") == nil)
        let ok = try http(
            web.port, "POST", "/login", headers: form, body: "username=sec&password=sec-pw&next=%2Fuser%3Fu%3Dalice")
        #expect(ok.status == 303)
        #expect(ok.header("Location") == "/user?u=alice")
        let setCookie = try #require(ok.header("Set-Cookie"))
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        let cookie = String(setCookie.split(separator: ";")[0])
        let page = try http(web.port, "/security", headers: ["Cookie": cookie])
        #expect(page.status == 200)
        #expect(page.text.contains("alice"))
        var tampered = cookie
        tampered.removeLast()
        tampered += cookie.hasSuffix("0") ? "1" : "0"
        #expect(try http(web.port, "/security", headers: ["Cookie": tampered]).status == 303)
        // Someone else's name in a cookie signed by no one.
        let forged = cookie.replacingOccurrences(of: "v1.736563", with: "v1.61646d")
        #expect(try http(web.port, "/security", headers: ["Cookie": forged]).status == 303)
        // An open redirect is not followed.
        let evil = try http(
            web.port, "POST", "/login", headers: form, body: "username=sec&password=sec-pw&next=%2F%2Fevil.example")
        #expect(evil.header("Location") == "/")
        let out = try http(web.port, "POST", "/logout", headers: ["Cookie": cookie])
        #expect(out.header("Set-Cookie")?.contains("Max-Age=0") == true)
    }

    @Test("failed logins from one address are limited (429) and counted, for the form and for Basic")
    func rateLimit() throws {
        let (_, config) = try WebFixture.make("limit", extraWeb: "login_failures = 3\nlogin_failure_window = \"1h\"")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        let form = ["Content-Type": "application/x-www-form-urlencoded"]
        for _ in 0..<2 {
            #expect(
                try http(web.port, "POST", "/login", headers: form, body: "username=sec&password=bad").status == 401)
        }
        #expect(try http(web.port, "/api/v1/users", headers: basic("sec", "bad")).status == 401)
        // Now even the right password is refused from this address.
        #expect(try http(web.port, "POST", "/login", headers: form, body: "username=sec&password=sec-pw").status == 429)
        let refused = try http(web.port, "/api/v1/users", headers: basic("sec"))
        #expect(refused.status == 429)
        // The log line arrives through a pipe: wait for it (bounded).
        let deadline = Date().addingTimeInterval(20)
        while !web.log.contains("failed console login") && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(web.log.contains("failed console login"))
    }

    @Test("paging is a cursor by seq: pages do not overlap, and together they are the whole history, newest first")
    func paging() throws {
        let (_, config) = try WebFixture.make("paging")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        var seqs: [Int] = []
        var path = "/api/v1/users/alice/events?category=activity&limit=40"
        var pages = 0
        while true {
            let o = try http(web.port, path, headers: basic("sec")).json()
            let evs = o["events"] as? [[String: Any]] ?? []
            seqs += evs.compactMap { $0["seq"] as? Int }
            pages += 1
            guard let next = o["next_before"] as? Int else { break }
            path = "/api/v1/users/alice/events?category=activity&limit=40&before=\(next)"
            #expect(pages < 10)
        }
        #expect(pages == 4)
        #expect(seqs.count == 151)
        #expect(seqs == seqs.sorted(by: >))
        #expect(Set(seqs).count == seqs.count)
        // The page's "older" link carries the cursor.
        let html = try http(web.port, "/user/events?u=alice&category=activity&limit=40", headers: basic("sec")).text
        #expect(html.contains("before=\(seqs[39])"))
        #expect(try http(web.port, "/api/v1/events?before=abc", headers: basic("sec")).status == 400)
    }

    @Test("every view of a user's data and every export is sent as an admin event the daemon's decoder accepts")
    func audit() throws {
        // A UDP socket of the test's own stands in for activityd's input.
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let port = Int(UInt16(bigEndian: sa.sin_port))
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))

        let (_, config) = try WebFixture.make("audit", extraWeb: "audit_to = \"127.0.0.1:\(port)\"")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        #expect(try http(web.port, "/user/logins?u=alice&since=2026-11-01", headers: basic("sec")).status == 200)
        #expect(try http(web.port, "/api/v1/export.csv?user=carol", headers: basic("act")).status == 200)
        var got: [ActivityEvent] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<2 {
            let n = recv(fd, &buf, buf.count, 0)
            #expect(n > 0)
            guard n > 0 else { break }
            for r in AppEventDecoder().decode(
                datagram: Array(buf[0..<n]), receivedAt: t("2026-12-01T00:00:00Z"), source: "test")
            {
                if case .event(let e) = r { got.append(e) } else { Issue.record("not accepted: \(r)") }
            }
        }
        #expect(got.count == 2)
        #expect(got.allSatisfy { $0.category == .admin && $0.attrs["page"] != nil })
        #expect(got.first?.action.rawValue == "console_view")
        #expect(got.first?.actor == "sec")
        #expect(got.first?.user == "alice")
        #expect(got.first?.attrs["filters"] == "u=alice&since=2026-11-01")
        #expect(got.last?.action.rawValue == "console_export")
        #expect(got.last?.actor == "act")
        #expect(got.last?.user == "carol")
    }

    @Test("--check-config refuses a non-loopback listen, a password instead of a bcrypt hash, an unknown role")
    func configRefusals() throws {
        let dir = TestScratch.directory("web-config")
        func check(_ web: String) throws -> (Int32, String) {
            let path = dir + "/c.toml"
            try "data_dir = \"\(dir)\"\n[web]\n\(web)\n".write(toFile: path, atomically: true, encoding: .utf8)
            let (s, o, e) = try runTool("activity-web", ["--config", path, "--check-config"])
            return (s, o + e)
        }
        let (s1, o1) = try check("listen = \"0.0.0.0:8089\"")
        #expect(s1 != 0 && o1.contains("not a loopback address"))
        let (s2, o2) = try check("[[web.user]]\nname = \"a\"\nbcrypt = \"hunter2\"\nroles = [\"admin\"]")
        #expect(s2 != 0 && o2.contains("never a password"))
        let (s3, o3) = try check(
            "[[web.token]]\nname = \"t\"\nsha256 = \"\(String(repeating: "ab", count: 32))\"\nroles = [\"root\"]")
        #expect(s3 != 0 && o3.contains("is not a role"))
        let (s4, o4) = try check("listen = \"127.0.0.1:8089\"\nsession_ttl = \"1h\"")
        #expect(s4 == 0 && o4.contains("configuration OK"), "\(o4)")
        let (s5, o5) = try check("listn = \"127.0.0.1:8089\"")
        #expect(s5 == 0 && o5.contains("unknown configuration key web.listn"))
    }

    @Test("systemd/activity-web.service: systemd-analyze verify is clean and security rates it OK or better")
    func systemdUnit() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let dir = TestScratch.directory("web-unit")
        let text = try String(contentsOf: root.appendingPathComponent("systemd/activity-web.service"), encoding: .utf8)
        #expect(text.contains("ReadOnlyPaths=/var/lib/activityd"))
        try text.replacingOccurrences(
            of: "/usr/bin/activity-web", with: binDir.appendingPathComponent("activity-web").path
        )
        .write(toFile: dir + "/activity-web.service", atomically: true, encoding: .utf8)
        let (s1, out1, err1) = try runTool(
            "/usr/bin/env", ["systemd-analyze", "verify", dir + "/activity-web.service"], absolute: true)
        #expect(s1 == 0 && !(out1 + err1).contains("activity-web.service:"), "\(out1)\(err1)")
        let (_, out2, _) = try runTool(
            "/usr/bin/env", ["systemd-analyze", "security", "--offline=yes", dir + "/activity-web.service"],
            absolute: true)
        let line = out2.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let level = Double(line.split(separator: " ").first { Double($0) != nil } ?? "") ?? 99
        #expect(level <= 3.9, "\(line)")
    }

    @Test(
        "the security page pages users by name (cursor), filters by name, and follows the store as it grows and seals")
    func securityPagingAndFreshness() throws {
        let (dir, config) = try WebFixture.make("secpage", extraWeb: "page_size = 2")
        let web = try WebProcess(config: config)
        defer { web.stop() }
        func names(_ html: String) -> [String] {
            html.components(separatedBy: "<tr><td><a href=\"/user?u=").dropFirst().map {
                String($0.prefix { $0 != "&" })
            }
        }
        let p1 = try http(web.port, "/security?tz=UTC", headers: basic("sec")).text
        #expect(names(p1) == ["%3Cscript%3Ealert%281%29%3C%2Fscript%3E", "alice"])
        #expect(p1.contains("5 users."))
        #expect(p1.contains("after=alice"))
        let p2 = try http(web.port, "/security?tz=UTC&after=alice", headers: basic("sec")).text
        #expect(names(p2) == ["bob", "carol"])
        let p3 = try http(web.port, "/security?tz=UTC&after=carol", headers: basic("sec")).text
        #expect(names(p3) == ["dave"])
        #expect(!p3.contains("Next users"))
        #expect(names(try http(web.port, "/security?q=AR", headers: basic("sec")).text) == ["carol"])
        // New events, in the active segment and then sealed: the next answer includes them.
        var options = StoreOptions()
        options.segmentMaxBytes = 8 * 1024
        var e = ActivityEvent(
            time: t("2026-11-20T10:00:00Z"), category: .login, action: Action(rawValue: "login"), outcome: .success,
            user: "zed")
        e.account = "acme"
        let w = try SegmentWriter(dataDirectory: dir + "/data", options: options, host: "test")
        _ = try w.append([e])
        try w.sync()
        func users() throws -> [String] {
            let o = try http(web.port, "/api/v1/users", headers: basic("sec")).json()
            return (o["users"] as? [[String: Any]] ?? []).compactMap { $0["user"] as? String }
        }
        #expect(try users().contains("zed"))
        var e2 = e
        e2.user = "yan"
        _ = try w.append([e2])
        try w.rotate(now: t("2026-11-20T11:00:00Z"))
        try w.close()
        let after = try users()
        #expect(after.contains("zed") && after.contains("yan"))
        #expect(after.count == 7)
    }

    @Test(
        "with web.tls_certificate and web.tls_key it serves HTTPS (Secure cookie, HSTS) and may listen beyond loopback")
    func tls() throws {
        let dir = TestScratch.directory("web-tls")
        let (s0, _, e0) = try runTool(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                "-days", "2", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
            ], absolute: true)
        #expect(s0 == 0, "\(e0)")
        let tlsKeys = "tls_certificate = \"\(dir)/cert.pem\"\ntls_key = \"\(dir)/key.pem\""
        let (_, config) = try WebFixture.make("tls", extraWeb: tlsKeys)
        let web = try WebProcess(config: config)
        defer { web.stop() }
        let url = "https://127.0.0.1:\(web.port)"
        let (s1, out1, err1) = try runTool(
            "/usr/bin/env", ["curl", "-sk", "-D", "-", "-o", "/dev/null", "-u", "sec:sec-pw", url + "/api/v1/users"],
            absolute: true)
        #expect(s1 == 0, "\(err1)")
        #expect(out1.hasPrefix("HTTP/1.1 200"), "\(out1)")
        #expect(out1.lowercased().contains("strict-transport-security: max-age=31536000"))
        let (_, out2, _) = try runTool(
            "/usr/bin/env",
            ["curl", "-sk", "-D", "-", "-o", "/dev/null", "--data", "username=sec&password=sec-pw", url + "/login"],
            absolute: true)
        #expect(out2.contains("HttpOnly; SameSite=Strict; Secure"), "\(out2)")
        // Plain HTTP on the TLS port gets no answer.
        #expect((try? http(web.port, "/login"))?.status == nil)
        // Beyond loopback: refused without TLS, accepted with it.
        let path = dir + "/c.toml"
        try "data_dir = \"\(dir)\"\n[web]\nlisten = \"0.0.0.0:8089\"\n\(tlsKeys)\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let (s3, out3, err3) = try runTool("activity-web", ["--config", path, "--check-config"])
        #expect(s3 == 0 && out3.contains("https://0.0.0.0:8089"), "\(out3)\(err3)")
        try
            "data_dir = \"\(dir)\"\n[web]\nlisten = \"0.0.0.0:8089\"\ntls_certificate = \"\(dir)/key.pem\"\ntls_key = \"\(dir)/key.pem\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let (s4, _, err4) = try runTool("activity-web", ["--config", path, "--check-config"])
        #expect(s4 != 0 && err4.contains("web.tls_certificate"), "\(err4)")
    }
}
