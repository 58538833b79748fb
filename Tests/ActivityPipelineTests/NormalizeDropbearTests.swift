import ActivityModel
import ActivityPipeline
import ActivityTestSupport
import PropertyBased
import Testing

@Suite("dropbear")
struct NormalizeDropbearTests {
    static let cases: [NormalizeCase] = [
        NormalizeCase(
            "password login, then exit: paired logout with duration",
            [
                "Nov 22 10:00:00 router dropbear[2201]: Child connection from 192.0.2.1:51234",
                "Nov 22 10:00:01 router dropbear[2201]: Password auth succeeded for 'root' from 192.0.2.1:51234",
                "Nov 22 10:05:01 router dropbear[2201]: Exit (root) from <192.0.2.1:51234>: Disconnect received",
            ],
            [
                "login login success user=root actor=root entry=ssh ip=192.0.2.1 port=51234 method=password",
                "login logout success user=root actor=root entry=ssh ip=192.0.2.1 port=51234 detail=Disconnect received duration_s=300",
            ]),
        NormalizeCase(
            "public key (2020+ format), IPv6 address without brackets",
            [
                "Nov 22 10:00:00 bmc dropbear[300]: Pubkey auth succeeded for 'alice' with ssh-ed25519 key SHA256:3s4nXkq9TfL0 from 2001:db8::1:51234"
            ],
            [
                "login login success user=alice actor=alice entry=ssh ip=2001:db8::1 port=51234 key_fingerprint=SHA256:3s4nXkq9TfL0 key_type=ssh-ed25519 method=publickey"
            ]),
        NormalizeCase(
            "public key (older format: fingerprint only)",
            [
                "Nov 22 10:00:00 old dropbear[301]: Pubkey auth succeeded for 'root' with key md5 0b:7e:2a:11 from 192.0.2.7:40000"
            ],
            [
                "login login success user=root actor=root entry=ssh ip=192.0.2.7 port=40000 key_fingerprint=md5 0b:7e:2a:11 method=publickey"
            ]),
        NormalizeCase(
            "OpenWrt logread layout, public key without key details",
            [
                "Nov 22 10:00:00 OpenWrt authpriv.notice dropbear[21949]: Pubkey auth succeeded for 'root' from 192.168.1.222:50661"
            ], ["login login success user=root actor=root entry=ssh ip=192.168.1.222 port=50661 method=publickey"]),
        NormalizeCase(
            "blank password",
            [
                "Nov 22 10:00:00 r dropbear[302]: Auth succeeded with blank password for 'guest' from 192.0.2.8:1000"
            ], ["login login success user=guest actor=guest entry=ssh ip=192.0.2.8 port=1000 method=none"]),
        NormalizeCase(
            "first of two factors: no login yet",
            [
                "Nov 22 10:00:00 r dropbear[303]: Password auth succeeded for 'root' from 192.0.2.1:51234, extra auth required"
            ], []),
        NormalizeCase(
            "bad passwords then max auth tries",
            [
                "Nov 22 10:00:00 router dropbear[400]: Bad password attempt for 'root' from 203.0.113.5:40000",
                "Nov 22 10:00:02 router dropbear[400]: Bad password attempt for 'root' from 203.0.113.5:40000",
                "Nov 22 10:00:04 router dropbear[400]: Exit before auth from <203.0.113.5:40000>: (user 'root', 10 fails): Max auth tries reached - user 'root'",
            ],
            [
                "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=203.0.113.5 port=40000 method=password",
                "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=203.0.113.5 port=40000 method=password",
                "login login_failed failure reason=too_many_attempts user=root actor=root entry=ssh ip=203.0.113.5 port=40000",
            ]),
        NormalizeCase(
            "older exit line without address takes the connection's",
            [
                "Nov 22 10:00:00 router dropbear[401]: Bad password attempt for 'root' from 203.0.113.6:40001",
                "Nov 22 10:00:04 router dropbear[401]: Exit before auth (user 'root', 10 fails): Max auth tries reached - user 'root'",
            ],
            [
                "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=203.0.113.6 port=40001 method=password",
                "login login_failed failure reason=too_many_attempts user=root actor=root entry=ssh ip=203.0.113.6 port=40001",
            ]),
        NormalizeCase(
            "unknown user: max auth tries says 'is invalid'",
            [
                "Nov 22 10:00:00 router dropbear[402]: Login attempt for nonexistent user from 203.0.113.7:40002",
                "Nov 22 10:00:09 router dropbear[402]: Exit before auth from <203.0.113.7:40002>: Max auth tries reached - user 'is invalid'",
            ],
            [
                "login login_failed failure reason=invalid_user entry=ssh ip=203.0.113.7 port=40002",
                "login login_failed failure reason=too_many_attempts entry=ssh ip=203.0.113.7 port=40002 invalid_user=true",
            ]),
        NormalizeCase(
            "newer nonexistent-user line names the user",
            [
                "Nov 22 10:00:00 router dropbear[403]: Login attempt for nonexistent user 'admin' from 203.0.113.8:40003"
            ],
            [
                "login login_failed failure reason=invalid_user user=admin actor=admin entry=ssh ip=203.0.113.8 port=40003"
            ]),
        NormalizeCase(
            "PAM build: unknown user is one failure, the address from the connection",
            [
                "Jan 08 00:05:28 br dropbear[13123]: Child connection from 10.0.0.100:60270",
                "Jan 08 00:05:30 br dropbear[13123]: Login attempt for nonexistent user",
                "Jan 08 00:05:30 br dropbear[13123]: pam_unix(dropbear:auth): check pass; user unknown",
                "Jan 08 00:05:30 br dropbear[13123]: pam_unix(dropbear:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.100",
                "Jan 08 00:05:32 br dropbear[13123]: pam_authenticate() failed, rc=7, Authentication failure",
                "Jan 08 00:05:32 br dropbear[13123]: Bad PAM password attempt for '<invalid username>' from 10.0.0.100:60270",
                "Jan 08 00:10:29 br dropbear[13123]: Exit before auth from <10.0.0.100:60270>: Timeout before auth",
            ], ["login login_failed failure reason=invalid_user entry=ssh ip=10.0.0.100 port=60270"]),
        NormalizeCase(
            "PAM build: wrong password",
            [
                "Nov 22 10:00:00 bmc dropbear[404]: Bad PAM password attempt for 'testuser' from 192.0.2.30:5000"
            ],
            [
                "login login_failed failure reason=invalid_password user=testuser actor=testuser entry=ssh ip=192.0.2.30 port=5000 method=password"
            ]),
        NormalizeCase(
            "bad public key signature",
            [
                "Nov 22 10:00:00 r dropbear[405]: Pubkey auth bad signature for 'alice' with key SHA256:zzz from 192.0.2.31:5001"
            ],
            [
                "login login_failed failure reason=invalid_key user=alice actor=alice entry=ssh ip=192.0.2.31 port=5001 method=publickey"
            ]),
        NormalizeCase(
            "locked account, address from the connection",
            [
                "Nov 22 10:00:00 r dropbear[406]: Child connection from 192.0.2.32:5002",
                "Nov 22 10:00:01 r dropbear[406]: User account 'bob' is locked",
            ], ["login login_failed failure reason=account_locked user=bob actor=bob entry=ssh ip=192.0.2.32 port=5002"]
        ),
        NormalizeCase(
            "refusals",
            [
                "Nov 22 10:00:00 r dropbear[407]: User 'git' has invalid shell, rejected",
                "Nov 22 10:00:00 r dropbear[408]: root login rejected",
                "Nov 22 10:00:00 r dropbear[409]: Login attempt with wrong user bob from 192.0.2.33:5003",
                "Nov 22 10:00:00 bmc dropbear[410]: Logins are restricted to the group priv-admin but user 'testuser' is not a member",
            ],
            [
                "login login_failed failure reason=not_allowed user=git actor=git entry=ssh detail=has invalid shell, rejected",
                "login login_failed failure reason=not_allowed user=root actor=root entry=ssh detail=root login rejected",
                "login login_failed failure reason=not_allowed user=bob actor=bob entry=ssh ip=192.0.2.33 port=5003 detail=wrong user",
                "login login_failed failure reason=not_allowed user=testuser actor=testuser entry=ssh detail=not a member of group priv-admin group=priv-admin",
            ]),
        NormalizeCase(
            "bracketed IPv6 and IPv4-mapped addresses",
            [
                "Nov 22 10:00:00 r dropbear[411]: Bad password attempt for 'root' from [2001:db8::5]:40000",
                "Nov 22 10:00:00 r dropbear[412]: Bad password attempt for 'root' from 2001:db8:0:1::9:22222",
            ],
            [
                "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=2001:db8::5 port=40000 method=password",
                "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=2001:db8:0:1::9 port=22222 method=password",
            ]),
        NormalizeCase(
            "a name that plants an address does not move it",
            [
                "Nov 22 10:00:00 r dropbear[413]: Bad password attempt for 'alice' from 10.0.0.1:1' from 203.0.113.5:40000",
                "Nov 22 10:00:00 r dropbear[414]: Pubkey auth succeeded for 'x' with ssh-rsa key SHA256:a from 10.0.0.1:1' with ssh-ed25519 key SHA256:b from 192.0.2.1:5",
            ],
            [
                "login login_failed failure reason=invalid_password user=alice' from 10.0.0.1:1 actor=alice' from 10.0.0.1:1 entry=ssh ip=203.0.113.5 port=40000 method=password",
                "login login success user=x' with ssh-rsa key SHA256:a from 10.0.0.1:1 actor=x' with ssh-rsa key SHA256:a from 10.0.0.1:1 entry=ssh ip=192.0.2.1 port=5 key_fingerprint=SHA256:b key_type=ssh-ed25519 method=publickey",
            ]),
        NormalizeCase(
            "other exits and chatter: no event",
            [
                "Nov 22 10:00:00 r dropbear[415]: Exit before auth from <192.0.2.40:1>: Exited normally",
                "Nov 22 10:00:00 r dropbear[416]: Early exit from <192.0.2.41:2>: Failed to get kex value",
            ], []),
    ]

    @Test(arguments: cases)
    func dropbear(_ c: NormalizeCase) {
        #expect(normalizeLines(c.lines) == c.expected)
    }

    @Test("lines that are not auth events stay unmatched")
    func unmatched() throws {
        var n = Normalizer()
        for m in [
            "Failed listening on '22': Error listening: Address already in use", "Running in background",
            "Not backgrounding",
        ] {
            let r = RawRecord(time: testNow, host: "r", program: "dropbear", pid: 1, message: m)
            #expect(n.normalize(r) == .unmatched(program: "dropbear"), "\(m)")
        }
    }

    /// Pieces a hostile client puts in a name: quotes, spaces, addresses, dropbear's own words.
    static let pieces = [
        "a", "root", "'", "''", " ", "from", " from ", "10.0.0.1:1", "[2001:db8::66]:22", "::1:2", "with", "' with ",
        "key", "ssh-rsa", "SHA256:xyz", ":", ":80", ">", "<", "extra auth required", ",", "' from 10.9.8.7:65000",
    ]

    static func hostileName(_ seed: Int) -> String {
        var g = SeededRandom(seed: UInt64(truncatingIfNeeded: seed))
        let n = 1 + Int(g.next() % 7)
        var s = ""
        for _ in 0..<n { s += pieces[Int(g.next() % UInt64(pieces.count))] }
        return s
    }

    static let templates: [@Sendable (String, String) -> String] = [
        { "Bad password attempt for '\($0)' from \($1)" },
        { "Bad PAM password attempt for '\($0)' from \($1)" },
        { "Password auth succeeded for '\($0)' from \($1)" },
        { "Pubkey auth succeeded for '\($0)' with ssh-ed25519 key SHA256:3s4nXk from \($1)" },
        { "Pubkey auth succeeded for '\($0)' with key md5 0b:7e:2a from \($1)" },
        { "Pubkey auth bad signature for '\($0)' with key SHA256:zz from \($1)" },
        { "Login attempt for nonexistent user '\($0)' from \($1)" },
        { "Too-long password attempt for '\($0)' from \($1)" },
    ]

    @Test("for random hostile user names every dropbear form reports dropbear's address and the whole name")
    func hostileNames() async {
        let addresses: [(String, String, UInt16)] = [
            ("203.0.113.77:40000", "203.0.113.77", 40000), ("2001:db8:feed::42:22", "2001:db8:feed::42", 22),
            ("[2001:db8::7]:5555", "2001:db8::7", 5555), ("198.51.100.1:1", "198.51.100.1", 1),
        ]
        await propertyCheck(count: 2000, input: Gen.int(in: 0...Int.max)) { seed in
            let name = Self.hostileName(seed)
            let template = Self.templates[seed % Self.templates.count]
            let (addr, ip, port) = addresses[(seed / 11) % addresses.count]
            let message = template(name, addr)
            var n = Normalizer()
            let r = RawRecord(time: testNow, host: "h", program: "dropbear", pid: 42, message: message)
            guard case .events(let events) = n.normalize(r) else {
                Issue.record("not recognised: \(message)")
                return
            }
            guard let e = events.first else {
                Issue.record("no event for: \(message)")
                return
            }
            #expect(e.ip == IPAddress(ip), "\(message)")
            #expect(e.port == port, "\(message)")
            #expect(e.user == name, "\(message)")
        }
    }
}
