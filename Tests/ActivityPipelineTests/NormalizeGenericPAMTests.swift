import ActivityModel
import ActivityPipeline
import Testing

@Suite("generic PAM failures")
struct NormalizeGenericPAMTests {
    static let cases: [NormalizeCase] = [
        NormalizeCase(
            "cockpit: pam_unix failure with an address",
            [
                "Nov 22 10:00:00 web1 cockpit-session[2100]: pam_unix(cockpit:auth): authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=192.0.2.9 user=alice"
            ],
            [
                "login login_failed failure reason=invalid_password user=alice actor=alice entry=web ip=192.0.2.9 pam_service=cockpit"
            ]),
        NormalizeCase(
            "vsftpd: pam_unix failure, tty=ftp is no device, ruser is the actor",
            [
                "Nov 22 10:00:00 ftp1 vsftpd[3100]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=::ffff:198.51.100.4  user=bob"
            ],
            [
                "login login_failed failure reason=invalid_password user=bob actor=bob entry=ftp ip=::ffff:198.51.100.4 pam_service=vsftpd"
            ]),
        NormalizeCase(
            "pam_sss, an unknown service, a host name instead of an address",
            [
                "Nov 22 10:00:00 h1 myportal[77]: pam_sss(myportal:auth): authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=client.example.org user=carol"
            ],
            [
                "login login_failed failure reason=invalid_password user=carol actor=carol pam_service=myportal remote_host=client.example.org"
            ]),
        NormalizeCase(
            "pam_ldap on a console-like service with a tty",
            [
                "Nov 22 10:00:00 h1 xscreensaver[900]: pam_ldap(xscreensaver:auth): authentication failure; logname=dave uid=1000 euid=1000 tty=:0 ruser= rhost=  user=dave"
            ],
            [
                "login login_failed failure reason=invalid_password user=dave actor=dave entry=desktop device=:0 pam_service=xscreensaver"
            ]),
        NormalizeCase(
            "failure without a user (unknown account)",
            [
                "Nov 22 10:00:00 mail dovecot[1200]: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=x rhost=203.0.113.3"
            ],
            ["login login_failed failure reason=invalid_password actor=x entry=mail ip=203.0.113.3 pam_service=dovecot"]
        ),
        NormalizeCase(
            "pam_faillock locks the account",
            [
                "Nov 22 10:00:00 ftp1 vsftpd[3101]: pam_faillock(vsftpd:auth): Consecutive login failures for user erin account temporarily locked"
            ], ["login login_failed failure reason=account_locked user=erin actor=erin entry=ftp pam_service=vsftpd"]),
        NormalizeCase(
            "other PAM lines of programs without a rule: nothing",
            [
                "Nov 22 10:00:00 web1 CRON[20000]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                "Nov 22 10:00:00 web1 cockpit-session[2101]: pam_unix(cockpit:auth): check pass; user unknown",
                "Nov 22 10:00:00 web1 cockpit-session[2101]: pam_unix(cockpit:session): session opened for user alice(uid=1000) by (uid=0)",
                "Nov 22 10:00:00 web1 app[1]: pam_is_not_a_module: authentication failure; user=x",
                "Nov 22 10:00:00 web1 app[1]: please authenticate",
            ], []),
    ]

    @Test(arguments: cases)
    func genericPAM(_ c: NormalizeCase) {
        #expect(normalizeLines(c.lines) == c.expected)
    }

    @Test("PAM lines that are not failures stay unmatched under their program")
    func unmatched() {
        var n = Normalizer()
        let r = RawRecord(
            time: testNow, host: "h", program: "CRON", pid: 1,
            message: "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
        #expect(n.normalize(r) == .unmatched(program: "CRON"))
        #expect(!Normalizer.mayMakeEvents(program: r.program, message: r.message))
        let f = RawRecord(
            time: testNow, host: "h", program: "cockpit-session", pid: 2,
            message:
                "pam_unix(cockpit:auth): authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=192.0.2.9 user=alice"
        )
        guard case .events(let es) = n.normalize(f) else {
            Issue.record("not recognised")
            return
        }
        #expect(es.map(\.service) == ["cockpit-session"])
        #expect(Normalizer.mayMakeEvents(program: f.program, message: f.message))
    }

    @Test("records that may make events: a program with a rule, no program, or a PAM auth line")
    func mayMakeEvents() {
        #expect(Normalizer.mayMakeEvents(program: "sshd", message: "Server listening on 0.0.0.0 port 22."))
        #expect(Normalizer.mayMakeEvents(program: nil, message: "last message repeated 3 times"))
        #expect(Normalizer.mayMakeEvents(program: "", message: "anything"))
        #expect(!Normalizer.mayMakeEvents(program: "kernel", message: "eth0: link up"))
        #expect(!Normalizer.mayMakeEvents(program: "CRON", message: "p"))
        #expect(!Normalizer.mayMakeEvents(program: "vsftpd", message: "pam_unix(vsftpd:session): session opened"))
        #expect(Normalizer.mayMakeEvents(program: "vsftpd", message: "pam_unix(vsftpd:auth): authentication failure"))
    }
}
