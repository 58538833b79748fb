import Foundation
import Testing
import ActivityConfig
import ActivityModel
@testable import ActivityWeb

@Suite("ActivityWeb units")
struct ActivityWebUnitTests {
    @Test("form decoding: + is a space, %XX a byte, bad escapes stay literal, keys repeat, lists split at commas")
    func formData() {
        let f = FormData("u=a+b%2Bc&u=%E2%82%AC&x=%zz&user=alice,%20bob&user=carol&empty=&flag")
        #expect(f["u"] == "a b+c")
        #expect(f.list("u") == ["a b+c", "€"])
        #expect(f["x"] == "%zz")
        #expect(f.list("user") == ["alice", "bob", "carol"])
        #expect(f["empty"] == nil)
        #expect(f.has("flag"))
        #expect(FormData.decodePathSegment("a+b%3Cc") == "a+b<c")
        #expect(FormData.encode("<script> a/b") == "%3Cscript%3E%20a%2Fb")
        #expect(FormData.query([("u", "a&b"), ("v", "")]) == "u=a%26b")
    }

    @Test("HTML escaping covers the five characters and leaves the rest")
    func escaping() {
        #expect(esc(#"<a href="x" onclick='y'>&"#) == "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;")
        #expect(esc("王伟 é") == "王伟 é")
    }

    @Test("session cookies: round trip, expiry, tampering, another key")
    func sessions() {
        let s = SessionSigner(key: Array(repeating: 7, count: 32), lifetimeSeconds: 3600)
        let c = s.cookieValue(name: "ann", now: 1000)
        #expect(s.name(fromCookie: c, now: 1001) == "ann")
        #expect(s.name(fromCookie: c, now: 4600) == nil)
        var bad = c
        bad.removeLast()
        bad += c.hasSuffix("a") ? "b" : "a"
        #expect(s.name(fromCookie: bad, now: 1001) == nil)
        let forged = c.replacingOccurrences(of: "v1.616e6e", with: "v1.626f62")  // "ann" → "bob"
        #expect(s.name(fromCookie: forged, now: 1001) == nil)
        let other = SessionSigner(key: Array(repeating: 8, count: 32), lifetimeSeconds: 3600)
        #expect(other.name(fromCookie: c, now: 1001) == nil)
        #expect(s.name(fromCookie: "garbage", now: 1) == nil)
    }

    @Test("the login limiter refuses after N failures in the window and forgets them after it")
    func limiter() {
        let l = LoginLimiter(limit: 3, windowNanos: 100)
        for t in [0, 10, 20] as [Int64] {
            #expect(!l.isBlocked("a", now: t))
            l.recordFailure("a", now: t)
        }
        #expect(l.isBlocked("a", now: 30))
        #expect(!l.isBlocked("b", now: 30))
        #expect(!l.isBlocked("a", now: 111))
    }

    @Test("principals: admin may everything, scoped ones see only their accounts and never account-less events")
    func principals() {
        let p = Principal(name: "o", kind: .person, roles: [.activity], accounts: ["acme"])
        #expect(p.may(.activity) && !p.may(.security) && !p.may(.admin))
        #expect(Principal(name: "a", kind: .token, roles: [.admin]).may(.security))
        var e = ActivityEvent(time: Timestamp(seconds: 1), category: .login, action: Action(rawValue: "login"))
        #expect(!p.sees(e))
        e.account = "acme"
        #expect(p.sees(e))
        e.account = "globex"
        #expect(!p.sees(e))
        #expect(Principal(name: "a", kind: .person, roles: [.security]).sees(e))
    }

    @Test("[web] configuration: defaults, principals, refusals")
    func configuration() throws {
        let hash = "$2b$04$" + String(repeating: "a", count: 53)
        let c = try DaemonConfiguration.parse(
            """
            [web]
            session_ttl = "2h"
            [[web.user]]
            name = "ann"
            bcrypt = "\(hash)"
            roles = ["security", "activity"]
            accounts = ["acme"]
            [[web.token]]
            name = "portal"
            sha256 = "\(String(repeating: "0f", count: 32))"
            roles = "admin"
            """)
        #expect(c.web.listen.description == "127.0.0.1:8089")
        #expect(c.web.sessionTTL == 7_200_000_000_000)
        #expect(c.web.users.first?.roles == [.security, .activity])
        #expect(c.web.users.first?.accounts == ["acme"])
        #expect(c.web.tokens.first?.sha256?.count == 32)
        #expect(c.unknownKeys.isEmpty)
        for (text, message) in [
            ("listen = \"10.0.0.1:80\"", "not a loopback address"),
            (
                "listen = \"[::1]:80\"\n[[web.user]]\nname = \"a\"\nbcrypt = \"pw\"\nroles = [\"admin\"]",
                "never a password"
            ),
            ("[[web.user]]\nname = \"a\"\nbcrypt = \"\(hash)\"", "required"),
            ("[[web.user]]\nname = \"a\"\nbcrypt = \"\(hash)\"\nroles = [\"root\"]", "not a role"),
            (
                "[[web.user]]\nname = \"a\"\nbcrypt = \"\(hash)\"\nroles = [\"admin\"]\n[[web.user]]\nname = \"a\"\nbcrypt = \"\(hash)\"\nroles = [\"admin\"]",
                "twice"
            ),
            ("audit_app = \"web\"", "go together"),
            ("tls_certificate = \"/x.pem\"", "go together"),
            ("page_size = 0", "between"),
        ] {
            #expect(throws: ConfigError.self) { try DaemonConfiguration.parse("[web]\n" + text) }
            do { _ = try DaemonConfiguration.parse("[web]\n" + text) } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        let tls = try DaemonConfiguration.parse(
            "[web]\nlisten = \"0.0.0.0:8443\"\ntls_certificate = \"/c.pem\"\ntls_key = \"/k.pem\"")
        #expect(tls.web.hasTLS && tls.web.listen.description == "0.0.0.0:8443")
        let unknown = try DaemonConfiguration.parse(
            "[web]\nlistn = \"x\"\n[[web.user]]\nname = \"a\"\nbcrypt = \"\(hash)\"\nroles = [\"admin\"]\npasword = \"x\""
        )
        #expect(Set(unknown.unknownKeys) == ["web.listn", "web.user[0].pasword"])
    }
}
