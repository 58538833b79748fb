import ActivityModel
import ActivityPipeline
import Testing

@Suite("sshd rule")
struct NormalizeSSHDTests {
    static let cases: [NormalizeCase] = [
        NormalizeCase(
            "Debian publickey login, logout by Disconnected, PAM lines add nothing",
            [
                "Nov 22 10:00:01 web1 sshd[2201]: Accepted publickey for alice from 192.0.2.10 port 51234 ssh2: ED25519 SHA256:3s4nS8B0u6RbsM1D3GZ3vY7oXh0V0s6xY9v1m2Q4rT8",
                "Nov 22 10:00:01 web1 sshd[2201]: pam_unix(sshd:session): session opened for user alice(uid=1000) by alice(uid=0)",
                "Nov 22 10:30:01 web1 sshd[2201]: Received disconnect from 192.0.2.10 port 51234:11: disconnected by user",
                "Nov 22 10:30:01 web1 sshd[2201]: Disconnected from user alice 192.0.2.10 port 51234",
                "Nov 22 10:30:01 web1 sshd[2201]: pam_unix(sshd:session): session closed for user alice",
            ],
            [
                "login login success user=alice actor=alice entry=ssh ip=192.0.2.10 port=51234 key_fingerprint=SHA256:3s4nS8B0u6RbsM1D3GZ3vY7oXh0V0s6xY9v1m2Q4rT8 key_type=ED25519 method=publickey",
                "login logout success user=alice actor=alice entry=ssh ip=192.0.2.10 port=51234 duration_s=1800",
            ]),
        NormalizeCase(
            "RHEL 7 password login over IPv6, logout from PAM pairing",
            [
                "Nov 22 09:12:44 db2 sshd[31337]: Accepted password for bob from 2001:db8::7 port 40022 ssh2",
                "Nov 22 09:12:44 db2 sshd[31337]: pam_unix(sshd:session): session opened for user bob by (uid=0)",
                "Nov 22 09:20:00 db2 sshd[31337]: pam_unix(sshd:session): session closed for user bob",
            ],
            [
                "login login success user=bob actor=bob entry=ssh ip=2001:db8::7 port=40022 method=password",
                "login logout success user=bob actor=bob entry=ssh ip=2001:db8::7 port=40022 duration_s=436",
            ]),
        NormalizeCase(
            "keyboard-interactive/pam",
            [
                "Nov 22 09:00:00 host sshd[100]: Accepted keyboard-interactive/pam for carol from 198.51.100.4 port 60000 ssh2"
            ],
            [
                "login login success user=carol actor=carol entry=ssh ip=198.51.100.4 port=60000 method=keyboard-interactive/pam"
            ]),
        NormalizeCase(
            "gssapi-with-mic",
            [
                "Nov 22 09:00:00 host sshd[101]: Accepted gssapi-with-mic for dave from 10.0.0.5 port 50100 ssh2"
            ], ["login login success user=dave actor=dave entry=ssh ip=10.0.0.5 port=50100 method=gssapi-with-mic"]),
        NormalizeCase(
            "certificate key",
            [
                "Nov 22 09:00:00 host sshd[102]: Accepted publickey for eve from 203.0.113.9 port 2222 ssh2: RSA-CERT SHA256:abcd ID eve@corp (serial 7) CA ED25519 SHA256:efgh"
            ],
            [
                "login login success user=eve actor=eve entry=ssh ip=203.0.113.9 port=2222 key_fingerprint=SHA256:abcd key_type=RSA-CERT method=publickey"
            ]),
        NormalizeCase(
            "OpenSSH 9.8 sshd-session in an rsyslog ISO file",
            [
                "2026-11-22T10:00:00.123456+01:00 web3 sshd-session[9001]: Accepted publickey for alice from 192.0.2.10 port 51234 ssh2: ED25519 SHA256:xyz",
                "2026-11-22T10:00:00.200000+01:00 web3 sshd-session[9001]: pam_unix(sshd:session): session opened for user alice(uid=1000) by alice(uid=0)",
                "2026-11-22T10:05:00.000000+01:00 web3 sshd-session[9001]: pam_unix(sshd:session): session closed for user alice",
            ],
            [
                "login login success user=alice actor=alice entry=ssh ip=192.0.2.10 port=51234 key_fingerprint=SHA256:xyz key_type=ED25519 method=publickey",
                "login logout success user=alice actor=alice entry=ssh ip=192.0.2.10 port=51234 duration_s=299",
            ]),
        NormalizeCase(
            "failed password for an existing user (PAM line adds nothing)",
            [
                "Nov 22 11:00:00 web1 sshd[3000]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.50  user=root",
                "Nov 22 11:00:02 web1 sshd[3000]: Failed password for root from 203.0.113.50 port 40000 ssh2",
                "Nov 22 11:00:05 web1 sshd[3000]: Failed password for root from 203.0.113.50 port 40000 ssh2",
                "Nov 22 11:00:06 web1 sshd[3000]: error: maximum authentication attempts exceeded for root from 203.0.113.50 port 40000 ssh2 [preauth]",
                "Nov 22 11:00:06 web1 sshd[3000]: Disconnecting authenticating user root 203.0.113.50 port 40000: Too many authentication failures [preauth]",
                "Nov 22 11:00:06 web1 sshd[3000]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.50  user=root",
            ],
            [
                "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=203.0.113.50 port=40000 method=password",
                "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=203.0.113.50 port=40000 method=password",
                "login login_failed failure reason=too_many_attempts user=root actor=root entry=ssh ip=203.0.113.50 port=40000",
            ]),
        NormalizeCase(
            "invalid user: one failure per attempt, at least one per connection",
            [
                "Nov 22 11:01:00 web1 sshd[3001]: Invalid user admin from 203.0.113.51 port 40002",
                "Nov 22 11:01:00 web1 sshd[3001]: pam_unix(sshd:auth): check pass; user unknown",
                "Nov 22 11:01:00 web1 sshd[3001]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.51",
                "Nov 22 11:01:02 web1 sshd[3001]: Failed password for invalid user admin from 203.0.113.51 port 40002 ssh2",
                "Nov 22 11:01:04 web1 sshd[3001]: Failed password for invalid user admin from 203.0.113.51 port 40002 ssh2",
                "Nov 22 11:01:05 web1 sshd[3001]: Connection closed by invalid user admin 203.0.113.51 port 40002 [preauth]",
            ],
            [
                "login login_failed failure reason=invalid_user user=admin actor=admin entry=ssh ip=203.0.113.51 port=40002",
                "login login_failed failure reason=invalid_user user=admin actor=admin entry=ssh ip=203.0.113.51 port=40002 method=password",
            ]),
        NormalizeCase(
            "scanner probing an invalid user, no attempt",
            [
                "Nov 22 11:02:00 web1 sshd[3002]: Invalid user test from 198.51.100.23 port 55555",
                "Nov 22 11:02:00 web1 sshd[3002]: Received disconnect from 198.51.100.23 port 55555:11: Bye Bye [preauth]",
                "Nov 22 11:02:00 web1 sshd[3002]: Disconnected from invalid user test 198.51.100.23 port 55555 [preauth]",
            ],
            [
                "login login_failed failure reason=invalid_user user=test actor=test entry=ssh ip=198.51.100.23 port=55555"
            ]),
        NormalizeCase(
            "authenticating user gave up",
            [
                "Nov 22 11:03:00 web1 sshd[3003]: Connection closed by authenticating user alice 192.0.2.10 port 51000 [preauth]"
            ], ["login login_failed failure reason=aborted user=alice actor=alice entry=ssh ip=192.0.2.10 port=51000"]),
        NormalizeCase(
            "RHEL max attempts for an invalid user",
            [
                "Nov 22 11:04:00 db2 sshd[3004]: error: maximum authentication attempts exceeded for invalid user oracle from 203.0.113.52 port 40100 ssh2 [preauth]"
            ],
            [
                "login login_failed failure reason=too_many_attempts user=oracle actor=oracle entry=ssh ip=203.0.113.52 port=40100 invalid_user=true"
            ]),
        NormalizeCase(
            "failed publickey",
            [
                "Nov 22 11:05:00 web1 sshd[3005]: Failed publickey for alice from 192.0.2.10 port 51001 ssh2: RSA SHA256:qqq"
            ],
            [
                "login login_failed failure reason=invalid_key user=alice actor=alice entry=ssh ip=192.0.2.10 port=51001 method=publickey"
            ]),
        NormalizeCase(
            "failed none for an invalid user",
            [
                "Nov 22 11:05:30 web1 sshd[3006]: Failed none for invalid user guest from 203.0.113.60 port 4000 ssh2"
            ],
            [
                "login login_failed failure reason=invalid_user user=guest actor=guest entry=ssh ip=203.0.113.60 port=4000 method=none"
            ]),
        NormalizeCase(
            "rsyslog repeated message",
            [
                "Nov 22 11:06:00 web1 sshd[3007]: Failed password for root from 203.0.113.50 port 40000 ssh2",
                "Nov 22 11:06:10 web1 sshd[3007]: message repeated 2 times: [ Failed password for root from 203.0.113.50 port 40000 ssh2]",
            ],
            Array(
                repeating:
                    "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=203.0.113.50 port=40000 method=password",
                count: 3)),
        NormalizeCase(
            "classic last message repeated",
            [
                "Nov 22 11:07:00 web1 sshd[3008]: Failed password for root from 203.0.113.50 port 40000 ssh2",
                "Nov 22 11:07:10 web1 last message repeated 2 times",
            ],
            Array(
                repeating:
                    "login login_failed failure reason=invalid_password user=root actor=root entry=ssh ip=203.0.113.50 port=40000 method=password",
                count: 3)),
        NormalizeCase(
            "session opened without Accepted (journal subset)",
            [
                "Nov 22 11:08:00 web1 sshd[3009]: pam_unix(sshd:session): session opened for user frank(uid=1001) by (uid=0)"
            ], ["login login success user=frank actor=frank entry=ssh"]),
        NormalizeCase(
            "user not allowed by AllowUsers, then its attempt (RHEL)",
            [
                "Nov 22 11:10:00 db2 sshd[3020]: User root from 203.0.113.70 not allowed because not listed in AllowUsers",
                "Nov 22 11:10:02 db2 sshd[3020]: Failed password for invalid user root from 203.0.113.70 port 50000 ssh2",
                "Nov 22 11:10:04 db2 sshd[3020]: Connection reset by invalid user root 203.0.113.70 port 50000 [preauth]",
            ],
            [
                "login login_failed failure reason=not_allowed user=root actor=root entry=ssh ip=203.0.113.70 detail=not listed in AllowUsers"
            ]),
        NormalizeCase(
            "locked account, host name instead of address (UseDNS)",
            [
                "Nov 22 11:11:00 db2 sshd[3021]: User bob from client.example.org not allowed because account is locked"
            ],
            [
                "login login_failed failure reason=account_locked user=bob actor=bob entry=ssh detail=account is locked remote_host=client.example.org"
            ]),
        NormalizeCase(
            "RHEL keyboard-interactive failure: PAM error line adds nothing",
            [
                "Nov 22 11:12:00 db2 sshd[3022]: error: PAM: Authentication failure for carol from 198.51.100.4",
                "Nov 22 11:12:00 db2 sshd[3022]: Failed keyboard-interactive/pam for carol from 198.51.100.4 port 60001 ssh2",
                "Nov 22 11:12:05 db2 sshd[3022]: Connection reset by authenticating user carol 198.51.100.4 port 60001 [preauth]",
            ],
            [
                "login login_failed failure reason=invalid_password user=carol actor=carol entry=ssh ip=198.51.100.4 port=60001 method=keyboard-interactive/pam"
            ]),
        NormalizeCase(
            "ordinary sshd lines",
            [
                "Nov 22 11:09:00 web1 sshd[800]: Server listening on 0.0.0.0 port 22.",
                "Nov 22 11:09:00 web1 sshd[800]: Server listening on :: port 22.",
                "Nov 22 11:09:01 web1 sshd[3010]: Connection closed by 198.51.100.99 port 41000 [preauth]",
                "Nov 22 11:09:02 web1 sshd[3011]: error: kex_exchange_identification: Connection closed by remote host",
                "Nov 22 11:09:03 web1 sshd[3012]: Received signal 15; terminating.",
            ], []),
    ]

    @Test(arguments: cases)
    func sshd(_ c: NormalizeCase) {
        #expect(normalizeLines(c.lines) == c.expected)
    }

    @Test func eventCarriesTimeHostService() throws {
        let r = try #require(
            utcParser.parse(
                "Nov 22 10:00:01 web1 sshd[2201]: Accepted password for alice from 192.0.2.10 port 51234 ssh2",
                now: testNow))
        var n = Normalizer()
        guard case .events(let es) = n.normalize(r) else { Issue.record("no events"); return }
        let e = try #require(es.first)
        #expect(e.time.description == "2026-11-22T10:00:01Z")
        #expect(e.host == "web1")
        #expect(e.service == "sshd")
        #expect(e.category == .login)
    }

    @Test func unmatchedReportsProgram() throws {
        var n = Normalizer()
        let r = try #require(
            utcParser.parse("Nov 22 11:09:00 web1 sshd[800]: Server listening on 0.0.0.0 port 22.", now: testNow))
        #expect(n.normalize(r) == .unmatched(program: "sshd"))
        let cron = try #require(
            utcParser.parse(
                "Nov 22 11:09:00 web1 CRON[801]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                now: testNow))
        #expect(n.normalize(cron) == .unmatched(program: "CRON"))
    }

    @Test func pairingStateIsBounded() {
        var n = Normalizer()
        for i in 0..<(Normalizer.maxTracked * 3) {
            let r = RawRecord(
                time: Timestamp(seconds: Int64(i)), host: "h", program: "sshd", pid: i,
                message: "Accepted password for u\(i) from 192.0.2.1 port 22 ssh2")
            _ = n.normalize(r)
        }
        // Still pairs the most recent session.
        let last = Normalizer.maxTracked * 3 - 1
        let close = RawRecord(
            time: Timestamp(seconds: Int64(last + 10)), host: "h", program: "sshd", pid: last,
            message: "pam_unix(sshd:session): session closed for user u\(last)")
        guard case .events(let es) = n.normalize(close), let e = es.first else { Issue.record("no logout"); return }
        #expect(e.ip?.description == "192.0.2.1")
        #expect(e.attrs["duration_s"] == "10")
    }
}
