import ActivityModel
import ActivityPipeline
import ActivityTestSupport
import Foundation
import PropertyBased
import Testing

/// sshd lines whose user name is the attacker's text, the odd and empty names real logs hold, and the forms
/// added for issue 19 (probes, older wordings, SunSSH). Lines are in the shapes of real logs (OpenSSH 6.x to
/// 9.x on Debian and RHEL, and the cases other projects' filter tests collect).
@Suite("sshd rule: hostile names, odd names, probes")
struct NormalizeSSHDHostileTests {
    static let cases: [NormalizeCase] = [
        NormalizeCase(
            "a user name that plants `from A port N ssh2` cannot move the address",
            [
                "Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2"
            ],
            [
                "login login_failed failure reason=invalid_user user=test from 10.10.1.2 port 55555 ssh2 actor=test from 10.10.1.2 port 55555 ssh2 entry=ssh ip=127.0.0.1 port=58946 method=password"
            ]),
        NormalizeCase(
            "a user name `from 10.10.1.1`",
            [
                "Nov 11 08:04:51 redbamboo sshd[2738]: Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2"
            ],
            [
                "login login_failed failure reason=invalid_user user=from 10.10.1.1 actor=from 10.10.1.1 entry=ssh ip=127.0.0.1 port=58946 method=password"
            ]),
        NormalizeCase(
            "password lines carry no key information: text after ssh2 is the user's",
            [
                "Nov 11 08:04:53 redbamboo sshd[2739]: Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2"
            ],
            [
                "login login_failed failure reason=invalid_user user=test from 127.0.0.1 port 58946 ssh2: actor=test from 127.0.0.1 port 58946 ssh2: entry=ssh ip=10.10.1.2 port=55555 method=password"
            ]),
        NormalizeCase(
            "a certificate ID cannot plant an address after the real one",
            [
                "Nov 22 09:00:00 host sshd[110]: Accepted publickey for eve from 203.0.113.9 port 2222 ssh2: RSA-CERT SHA256:abcd ID x from 10.0.0.1 port 1 ssh2 (serial 7) CA ED25519 SHA256:efgh"
            ],
            [
                "login login success user=eve actor=eve entry=ssh ip=203.0.113.9 port=2222 key_fingerprint=SHA256:abcd key_type=RSA-CERT method=publickey"
            ]),
        NormalizeCase(
            "hostbased: client user and host are key information",
            [
                "Sep 29 17:15:02 spaceman sshd[12946]: Failed hostbased for dan from 127.0.0.1 port 45785 ssh2: RSA 8c:e3:aa:0f:64:51:02:f7:14:79:89:3f:65:84:7c:30, client user \"dan from 1.2.3.4 port 1 ssh2\", client host \"localhost.localdomain\""
            ],
            [
                "login login_failed failure reason=invalid_key user=dan actor=dan entry=ssh ip=127.0.0.1 port=45785 method=hostbased"
            ]),
        NormalizeCase(
            "connection closed by an authenticating user whose name holds an address",
            [
                "Nov 22 11:03:00 web1 sshd[3003]: Connection closed by authenticating user alice 1.2.3.4 192.0.2.10 port 51000 [preauth]"
            ],
            [
                "login login_failed failure reason=aborted user=alice 1.2.3.4 actor=alice 1.2.3.4 entry=ssh ip=192.0.2.10 port=51000"
            ]),
        NormalizeCase(
            "empty user name: Invalid user, then the close adds nothing",
            [
                "Nov 22 11:20:00 web1 sshd[3100]: Invalid user  from 203.0.113.80 port 41000",
                "Nov 22 11:20:02 web1 sshd[3100]: Connection closed by invalid user  203.0.113.80 port 41000 [preauth]",
            ], ["login login_failed failure reason=invalid_user user= actor= entry=ssh ip=203.0.113.80 port=41000"]),
        NormalizeCase(
            "empty user name: only the close",
            [
                "Nov 22 11:20:05 web1 sshd[3101]: Connection closed by invalid user  203.0.113.81 port 41001 [preauth]"
            ], ["login login_failed failure reason=invalid_user user= actor= entry=ssh ip=203.0.113.81 port=41001"]),
        NormalizeCase(
            "SunSSH hides unknown names; Solaris [ID] tag",
            [
                "Mar 29 05:59:23 dusky sshd[20878]: [ID 800047 auth.info] Failed keyboard-interactive for <invalid username> from 205.186.180.55 port 42742 ssh2",
                "Apr 29 20:14:08 Jamess-iMac.local sshd[63814]: Failed keyboard-interactive for <invalid username> from 205.186.180.44 port 42742 ssh2",
                "Apr 29 20:13:08 Jamess-iMac.local sshd[63815]: Failed keyboard-interactive for james from 205.186.180.42 port 54520 ssh2",
            ],
            [
                "login login_failed failure reason=invalid_user entry=ssh ip=205.186.180.55 port=42742 method=keyboard-interactive",
                "login login_failed failure reason=invalid_user entry=ssh ip=205.186.180.44 port=42742 method=keyboard-interactive",
                "login login_failed failure reason=invalid_password user=james actor=james entry=ssh ip=205.186.180.42 port=54520 method=keyboard-interactive",
            ]),
        NormalizeCase(
            "old forms without port or protocol, IPv6",
            [
                "Feb 25 14:34:10 belka sshd[31602]: Failed password for invalid user ROOT from 194.117.26.70 port 12345",
                "Feb 25 14:34:11 belka sshd[31603]: Failed password for invalid user ROOT from aaaa:bbbb:cccc:1234::1:1",
                "Jul 20 14:42:11 localhost sshd[22708]: Invalid user ftp from 192.0.2.1",
                "Sep 29 16:28:02 spaceman sshd[16699]: Failed password for dan from 127.0.0.1 port 45416 ssh1",
            ],
            [
                "login login_failed failure reason=invalid_user user=ROOT actor=ROOT entry=ssh ip=194.117.26.70 port=12345 method=password",
                "login login_failed failure reason=invalid_user user=ROOT actor=ROOT entry=ssh ip=aaaa:bbbb:cccc:1234::1:1 method=password",
                "login login_failed failure reason=invalid_user user=ftp actor=ftp entry=ssh ip=192.0.2.1",
                "login login_failed failure reason=invalid_password user=dan actor=dan entry=ssh ip=127.0.0.1 port=45416 method=password",
            ]),
        NormalizeCase(
            "ROOT LOGIN REFUSED (PermitRootLogin no)",
            [
                "Jan  5 01:31:41 www sshd[1643]: ROOT LOGIN REFUSED FROM 1.2.3.4",
                "Jan  5 01:31:42 www sshd[1644]: ROOT LOGIN REFUSED FROM 1.2.3.4 port 12345 [preauth]",
                "Jan  5 01:31:43 www sshd[1645]: ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4",
            ],
            [
                "login login_failed failure reason=root_login_refused user=root actor=root entry=ssh ip=1.2.3.4",
                "login login_failed failure reason=root_login_refused user=root actor=root entry=ssh ip=1.2.3.4 port=12345",
                "login login_failed failure reason=root_login_refused user=root actor=root entry=ssh ip=1.2.3.4",
            ]),
        NormalizeCase(
            "AllowUsers, DenyUsers, AllowGroups, DenyGroups, no group, locked",
            [
                "Apr 16 22:01:15 al-ribat sshd[5154]: User root from 46.45.128.3 not allowed because listed in DenyUsers",
                "Jan 5 11:15:05 NAS sshd[1966]: User root from 10.0.0.40 not allowed because none of user's groups are listed in AllowGroups",
                "Feb 7 16:01:07 linux-m899 sshd[5106]: User root from 192.51.100.54 not allowed because a group is listed in DenyGroups",
                "Mar 26 04:56:27 angel sshd[9739]: User allena from example.com not allowed because not in any group",
                "Apr 24 01:39:19 host sshd[3719]: User root not allowed because account is locked",
                "Apr 24 01:39:20 host sshd[3720]: User x from 1.1.1.1 not allowed because y from 198.51.100.7 not allowed because not listed in AllowUsers",
            ],
            [
                "login login_failed failure reason=not_allowed user=root actor=root entry=ssh ip=46.45.128.3 detail=listed in DenyUsers",
                "login login_failed failure reason=not_allowed user=root actor=root entry=ssh ip=10.0.0.40 detail=none of user's groups are listed in AllowGroups",
                "login login_failed failure reason=not_allowed user=root actor=root entry=ssh ip=192.51.100.54 detail=a group is listed in DenyGroups",
                "login login_failed failure reason=not_allowed user=allena actor=allena entry=ssh detail=not in any group remote_host=example.com",
                "login login_failed failure reason=account_locked user=root actor=root entry=ssh detail=account is locked",
                "login login_failed failure reason=not_allowed user=x from 1.1.1.1 not allowed because y actor=x from 1.1.1.1 not allowed because y entry=ssh ip=198.51.100.7 detail=not listed in AllowUsers",
            ]),
        NormalizeCase(
            "too many authentication failures, old wording, no earlier max-attempts line",
            [
                "Nov 28 09:16:05 srv sshd[32310]: Failed publickey for git from 192.0.2.111 port 57910 ssh2: ECDSA 1e:fe:xx:xx:xx:xx:xx:xx:xx:xx:xx:xx:xx:xx:xx:xx",
                "Nov 28 09:16:05 srv sshd[32310]: Disconnecting: Too many authentication failures for git [preauth]",
                "Nov 28 09:16:05 srv sshd[32310]: Connection closed by 192.0.2.111 [preauth]",
            ],
            [
                "login login_failed failure reason=invalid_key user=git actor=git entry=ssh ip=192.0.2.111 port=57910 method=publickey",
                "login login_failed failure reason=too_many_attempts user=git actor=git entry=ssh ip=192.0.2.111 port=57910",
            ]),
        NormalizeCase(
            "too many authentication failures, OpenSSH 7.5+ wording for an invalid user",
            [
                "Nov 22 11:30:00 web1 sshd[3200]: Disconnecting invalid user oracle 203.0.113.90 port 40200: Too many authentication failures [preauth]"
            ],
            [
                "login login_failed failure reason=too_many_attempts user=oracle actor=oracle entry=ssh ip=203.0.113.90 port=40200 invalid_user=true"
            ]),
        NormalizeCase(
            "PAM failure with no Failed line: reported when the connection ends",
            [
                "Nov 22 11:31:00 web1 sshd[3300]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.44  user=carol",
                "Nov 22 11:31:30 web1 sshd[3300]: Connection closed by authenticating user carol 198.51.100.44 port 52000 [preauth]",
            ],
            [
                "login login_failed failure reason=invalid_password user=carol actor=carol entry=ssh ip=198.51.100.44 port=52000 detail=pam"
            ]),
        NormalizeCase(
            "PAM error for an unknown user, then a bare close",
            [
                "Dec 12 20:04:39 aragorn sshd[1328]: error: PAM: User not known to the underlying authentication module for illegal user kernelitshell from 10.215.4.227 ",
                "Dec 12 20:04:40 aragorn sshd[1328]: Connection closed by 10.215.4.227 port 40000 [preauth]",
            ],
            [
                "login login_failed failure reason=invalid_user user=kernelitshell actor=kernelitshell entry=ssh ip=10.215.4.227 port=40000 detail=pam"
            ]),
        NormalizeCase(
            "macOS PAM error `via` the local address, followed by its Failed line",
            [
                "Apr 29 12:53:38 Jamess-iMac.local sshd[47831]: error: PAM: authentication failure for james from 205.186.180.88 via 192.168.1.201",
                "Apr 29 12:53:39 Jamess-iMac.local sshd[47831]: Failed keyboard-interactive/pam for james from 205.186.180.88 port 54520 ssh2",
            ],
            [
                "login login_failed failure reason=invalid_password user=james actor=james entry=ssh ip=205.186.180.88 port=54520 method=keyboard-interactive/pam"
            ]),
        NormalizeCase(
            "pre-authentication probes",
            [
                "Nov 22 11:40:00 web1 sshd[3400]: Unable to negotiate with 198.51.100.60 port 50022: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
                "Nov 22 11:40:01 web1 sshd[3401]: Unable to negotiate with 198.51.100.61 port 50023: no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]",
                "Nov 22 11:40:02 web1 sshd[3402]: Did not receive identification string from 198.51.100.62 port 50024",
                "Nov 22 11:40:03 web1 sshd[3403]: Did not receive identification string from 198.51.100.63",
                "Nov 22 11:40:04 web1 sshd[3404]: Bad protocol version identification 'GET / HTTP/1.1 from 1.1.1.1 port 1' from 198.51.100.64 port 50025",
                "Nov 22 11:40:05 web1 sshd[3405]: banner exchange: Connection from 198.51.100.65 port 50026: invalid format",
                "Nov 11 23:33:27 Server sshd[5174]: refused connect from _U2FsdGVkX19P3BCJmFBHhjLza8BcMH06WCUVwttMHpE=_@::ffff:218.249.210.161 (::ffff:218.249.210.161)",
                "Nov 11 23:33:28 Server sshd[5175]: refused connect from 198.51.100.66 (198.51.100.66)",
                "Nov 26 13:03:30 srv sshd[45]: fatal: Unable to negotiate with 192.0.2.2 port 55419: no matching cipher found. Their offer: aes256-cbc [preauth]",
                "Nov 25 01:35:14 srv sshd[3625]: error: Received disconnect from 192.168.2.92 port 1684:14: No supported authentication methods available [preauth]",
                "Nov 25 01:34:12 srv sshd[123]: Received disconnect from 127.0.0.1: 14: No supported authentication methods available [preauth]",
            ],
            [
                "login probe failure reason=negotiation_failed entry=ssh ip=198.51.100.60 port=50022 detail=no matching key exchange method found",
                "login probe failure reason=negotiation_failed entry=ssh ip=198.51.100.61 port=50023 detail=no matching host key type found",
                "login probe failure reason=no_identification entry=ssh ip=198.51.100.62 port=50024",
                "login probe failure reason=no_identification entry=ssh ip=198.51.100.63",
                "login probe failure reason=bad_protocol_version entry=ssh ip=198.51.100.64 port=50025",
                "login probe failure reason=banner_exchange entry=ssh ip=198.51.100.65 port=50026 detail=invalid format",
                "login probe failure reason=tcp_wrappers_refused entry=ssh ip=218.249.210.161",
                "login probe failure reason=tcp_wrappers_refused entry=ssh ip=198.51.100.66",
                "login probe failure reason=negotiation_failed entry=ssh ip=192.0.2.2 port=55419 detail=no matching cipher found",
                "login probe failure reason=no_auth_methods entry=ssh ip=192.168.2.92 port=1684",
                "login probe failure reason=no_auth_methods entry=ssh ip=127.0.0.1",
            ]),
        NormalizeCase(
            "lines that are recognised and add nothing",
            [
                "Nov 28 09:16:03 srv sshd[32307]: Postponed publickey for git from 192.0.2.1 port 57904 ssh2 [preauth]",
                "Apr 24 01:39:19 host sshd[3719]: error: Received disconnect from 198.51.100.34: 11: Bye Bye [preauth]",
                "Nov 22 11:09:02 web1 sshd[3011]: error: kex_exchange_identification: Connection closed by remote host",
            ], []),
    ]

    @Test(arguments: cases)
    func sshd(_ c: NormalizeCase) {
        #expect(normalizeLines(c.lines) == c.expected)
    }

    @Test("a forged line with thousands of address-like candidates still gives sshd's address and the whole name")
    func manyCandidates() throws {
        let bait = String(repeating: " from 10.0.0.1 port 1 ssh2: RSA-CERT SHA256:x ID y", count: 2000)
        let message = "Failed publickey for invalid user eve\(bait) from 203.0.113.9 port 2222 ssh2: RSA SHA256:abcd"
        var n = Normalizer()
        let r = RawRecord(time: testNow, host: "h", program: "sshd", pid: 7, message: message)
        guard case .events(let es) = n.normalize(r) else { Issue.record("not recognised"); return }
        let e = try #require(es.first)
        #expect(e.ip == IPAddress("203.0.113.9"))
        #expect(e.user == "eve" + bait)
    }

    // MARK: property: whatever the user name, the address is sshd's and the name is whole

    /// Pieces of hostile names: addresses of both families, the keywords sshd's lines use, brackets.
    static let pieces = [
        "from", "port", "ssh2", "ssh1", "[preauth]", "1.2.3.4", "10.0.0.1", "2001:db8::1", "::ffff:9.9.9.9", "22",
        "65535", "invalid", "user", "for", "ssh2:", "RSA", "SHA256:abc", "ID", "(serial", "1)", "CA", ":", "x",
        "root", "ädmin", "'", "\"", "authenticating", "not allowed because", "via", "<invalid username>",
    ]

    /// A random name from `seed`: up to 8 pieces joined by one or two spaces, sometimes with a leading or
    /// trailing space.
    static func hostileName(_ seed: Int) -> String {
        var g = SeededRandom(seed: UInt64(truncatingIfNeeded: seed))
        let n = Int(g.next() % 9)
        var s = ""
        for k in 0..<n {
            if k > 0 || g.next() % 5 == 0 { s += g.next() % 4 == 0 ? "  " : " " }
            s += pieces[Int(g.next() % UInt64(pieces.count))]
        }
        if g.next() % 6 == 0 { s += " " }
        return s
    }

    struct Template: Sendable {
        var line: @Sendable (_ user: String, _ ip: String, _ port: Int) -> String
        /// The name may be any text (false: the line names an existing account, which cannot start with
        /// `invalid user ` or be empty).
        var anyName: Bool
        var hasPort = true
    }

    static let templates: [Template] = [
        Template(line: { "Failed password for invalid user \($0) from \($1) port \($2) ssh2" }, anyName: true),
        Template(line: { "Failed none for invalid user \($0) from \($1) port \($2) ssh2" }, anyName: true),
        Template(
            line: {
                "Failed publickey for invalid user \($0) from \($1) port \($2) ssh2: RSA SHA256:v3dpapGleDaUKf$4V1vKyR9"
            }, anyName: true),
        Template(line: { "Failed publickey for \($0) from \($1) port \($2) ssh2: ED25519 SHA256:qqq" }, anyName: false),
        Template(line: { "Failed password for \($0) from \($1) port \($2) ssh2" }, anyName: false),
        Template(line: { "Accepted password for \($0) from \($1) port \($2) ssh2" }, anyName: false),
        Template(
            line: { "Accepted publickey for \($0) from \($1) port \($2) ssh2: ED25519 SHA256:3s4nS8B0u6Rb" },
            anyName: false),
        Template(
            line: {
                "Accepted publickey for \($0) from \($1) port \($2) ssh2: RSA-CERT SHA256:abcd ID eve@corp (serial 7) CA ED25519 SHA256:efgh"
            }, anyName: false),
        Template(line: { "Invalid user \($0) from \($1) port \($2)" }, anyName: true),
        Template(
            line: {
                "error: maximum authentication attempts exceeded for invalid user \($0) from \($1) port \($2) ssh2 [preauth]"
            }, anyName: true),
        Template(line: { "Connection closed by authenticating user \($0) \($1) port \($2) [preauth]" }, anyName: true),
        Template(line: { "Connection closed by invalid user \($0) \($1) port \($2) [preauth]" }, anyName: true),
        Template(line: { "Connection reset by invalid user \($0) \($1) port \($2) [preauth]" }, anyName: true),
        Template(line: { "Disconnected from invalid user \($0) \($1) port \($2) [preauth]" }, anyName: true),
        Template(
            line: { "Disconnecting invalid user \($0) \($1) port \($2): Too many authentication failures [preauth]" },
            anyName: true),
        Template(line: { "Disconnected from user \($0) \($1) port \($2)" }, anyName: false),
        Template(
            line: { u, ip, _ in "User \(u) from \(ip) not allowed because not listed in AllowUsers" }, anyName: true,
            hasPort: false),
    ]

    @Test("for random hostile user names every sshd form reports sshd's address and the whole name")
    func hostileNames() async {
        let addresses = ["203.0.113.77", "198.51.100.1", "2001:db8:feed::42", "192.0.2.250"]
        await propertyCheck(count: 2000, input: Gen.int(in: 0...Int.max)) { seed in
            var name = Self.hostileName(seed)
            let t = Self.templates[seed % Self.templates.count]
            if !t.anyName {
                // An account name: no leading `invalid user` (the line would read as an unknown user's), not empty.
                name = name.replacingOccurrences(of: "<invalid username>", with: "y")
                while name.hasPrefix("invalid user") { name.removeFirst(12) }
                if name.isEmpty { name = "u" }
            }
            let ip = addresses[(seed / 7) % addresses.count]
            let port = 1024 + seed % 60_000
            let message = t.line(name, ip, port)
            var n = Normalizer()
            let r = RawRecord(
                time: Timestamp(seconds: 1_795_348_800), host: "h", program: "sshd", pid: 42, message: message)
            guard case .events(let events) = n.normalize(r), let e = events.first else {
                Issue.record("no event for: \(message)")
                return
            }
            #expect(e.ip == IPAddress(ip), "\(message)")
            #expect(e.user == name, "\(message)")
            if t.hasPort { #expect(e.port == UInt16(port), "\(message)") }
        }
    }
}
