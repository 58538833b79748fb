import ActivityModel
import ActivityPipeline
import Foundation
import Testing
import ActivityTestSupport

/// A generated auth log of several thousand lines: login stories of many processes interleaved with each
/// other and with ordinary noise. Every produced event must be expected, in order, and nothing else.
@Suite("mixed auth log")
struct MixedLogTests {
    /// A fixed sequence (ActivityTestSupport's SplitMix64), so the log is the same on every run.
    struct Rng {
        var random: SeededRandom
        init(state: UInt64) { random = SeededRandom(seed: state) }
        mutating func next() -> UInt64 { random.next() }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// One step of a story: given the line's time (seconds) it gives the line body (after `host `) and the
    /// events it must produce.
    typealias Step = (Int64) -> (String, [String])

    static let start: Int64 = 1_795_219_200  // 2026-11-21T00:00:00Z

    static func stamp(_ t: Int64) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let (_, m, d) = CivilDate.fromDays(t / 86_400)
        let sod = t % 86_400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = d < 10 ? " \(d)" : "\(d)"
        return "\(months[Int(m) - 1]) \(day) \(two(sod / 3600)):\(two((sod % 3600) / 60)):\(two(sod % 60))"
    }

    static func iso(_ t: Int64) -> String { Timestamp(seconds: t).description }

    /// Builds the stories. Each gets its own pid, user and address.
    static func stories(_ rng: inout Rng) -> [[Step]] {
        var out: [[Step]] = []
        for k in 0..<400 {
            let pid = 10_000 + 4 * k
            let user = "user\(k)"
            let ip = "198.51.\(k / 250).\(k % 250 + 1)"
            let port = 40_000 + k
            switch k % 8 {
            case 0:  // ssh publickey login + logout
                var opened: Int64 = 0
                out.append([
                    { t in
                        opened = t
                        return (
                            "sshd[\(pid)]: Accepted publickey for \(user) from \(ip) port \(port) ssh2: ED25519 SHA256:fp\(k)",
                            [
                                "\(iso(t)) login login success user=\(user) actor=\(user) entry=ssh ip=\(ip) port=\(port) key_fingerprint=SHA256:fp\(k) key_type=ED25519 method=publickey"
                            ]
                        )
                    },
                    { _ in
                        (
                            "sshd[\(pid)]: pam_unix(sshd:session): session opened for user \(user)(uid=\(1000 + k)) by \(user)(uid=0)",
                            []
                        )
                    },
                    { _ in ("sshd[\(pid)]: Received disconnect from \(ip) port \(port):11: disconnected by user", []) },
                    { t in
                        (
                            "sshd[\(pid)]: Disconnected from user \(user) \(ip) port \(port)",
                            [
                                "\(iso(t)) login logout success user=\(user) actor=\(user) entry=ssh ip=\(ip) port=\(port) duration_s=\(t - opened)"
                            ]
                        )
                    },
                    { _ in ("sshd[\(pid)]: pam_unix(sshd:session): session closed for user \(user)", []) },
                ])
            case 1:  // invalid user with two attempts
                out.append([
                    { t in
                        (
                            "sshd[\(pid)]: Invalid user \(user) from \(ip) port \(port)",
                            [
                                "\(iso(t)) login login_failed failure reason=invalid_user user=\(user) actor=\(user) entry=ssh ip=\(ip) port=\(port)"
                            ]
                        )
                    },
                    { _ in
                        (
                            "sshd[\(pid)]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=\(ip)",
                            []
                        )
                    },
                    { _ in ("sshd[\(pid)]: Failed password for invalid user \(user) from \(ip) port \(port) ssh2", [])
                    },
                    { t in
                        (
                            "sshd[\(pid)]: Failed password for invalid user \(user) from \(ip) port \(port) ssh2",
                            [
                                "\(iso(t)) login login_failed failure reason=invalid_user user=\(user) actor=\(user) entry=ssh ip=\(ip) port=\(port) method=password"
                            ]
                        )
                    },
                    { _ in ("sshd[\(pid)]: Connection closed by invalid user \(user) \(ip) port \(port) [preauth]", [])
                    },
                ])
            case 2:  // sudo
                out.append([
                    { t in
                        (
                            "sudo[\(pid)]:   \(user) : TTY=pts/\(k % 9) ; PWD=/home/\(user) ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
                            [
                                "\(iso(t)) activity privilege_escalation success user=\(user) actor=\(user) entry=sudo device=pts/\(k % 9) command=/usr/bin/systemctl restart nginx pwd=/home/\(user) runas=root tty=pts/\(k % 9)"
                            ]
                        )
                    },
                    { _ in
                        (
                            "sudo[\(pid)]: pam_unix(sudo:session): session opened for user root(uid=0) by \(user)(uid=\(1000 + k))",
                            []
                        )
                    },
                    { _ in ("sudo[\(pid)]: pam_unix(sudo:session): session closed for user root", []) },
                ])
            case 3:  // su with paired logout
                var opened: Int64 = 0
                out.append([
                    { t in
                        opened = t
                        return (
                            "su[\(pid)]: (to root) \(user) on pts/1",
                            ["\(iso(t)) login login success user=root actor=\(user) entry=su device=pts/1"]
                        )
                    },
                    { _ in
                        (
                            "su[\(pid)]: pam_unix(su:session): session opened for user root(uid=0) by \(user)(uid=\(1000 + k))",
                            []
                        )
                    },
                    { t in
                        (
                            "su[\(pid)]: pam_unix(su:session): session closed for user root",
                            [
                                "\(iso(t)) login logout success user=root actor=\(user) entry=su device=pts/1 duration_s=\(t - opened)"
                            ]
                        )
                    },
                ])
            case 4:  // failed password for a real user, repeated by rsyslog
                let ev =
                    "login login_failed failure reason=invalid_password user=\(user) actor=\(user) entry=ssh ip=\(ip) port=\(port) method=password"
                out.append([
                    { t in
                        ("sshd[\(pid)]: Failed password for \(user) from \(ip) port \(port) ssh2", ["\(iso(t)) \(ev)"])
                    },
                    { t in
                        (
                            "sshd[\(pid)]: message repeated 2 times: [ Failed password for \(user) from \(ip) port \(port) ssh2]",
                            ["\(iso(t)) \(ev)", "\(iso(t)) \(ev)"]
                        )
                    },
                ])
            case 5:  // logind session
                out.append([
                    { t in
                        (
                            "systemd-logind[512]: New session \(k) of user \(user).",
                            ["\(iso(t)) login session_started success user=\(user) actor=\(user) session=\(k)"]
                        )
                    },
                    { t in
                        (
                            "systemd-logind[512]: Session \(k) logged out. Waiting for processes to exit.",
                            ["\(iso(t)) login session_ended success user=\(user) actor=\(user) session=\(k)"]
                        )
                    },
                    { _ in ("systemd-logind[512]: Removed session \(k).", []) },
                ])
            case 6:  // account administration
                out.append([
                    { _ in ("useradd[\(pid)]: new group: name=\(user), GID=\(2000 + k)", []) },
                    { t in
                        (
                            "useradd[\(pid)]: new user: name=\(user), UID=\(2000 + k), GID=\(2000 + k), home=/home/\(user), shell=/bin/bash, from=/dev/pts/0",
                            [
                                "\(iso(t)) admin user_created success user=\(user) role=admin from=/dev/pts/0 gid=\(2000 + k) home=/home/\(user) shell=/bin/bash uid=\(2000 + k)"
                            ]
                        )
                    },
                    { t in
                        (
                            "usermod[\(pid + 1)]: add '\(user)' to group 'docker'",
                            ["\(iso(t)) admin group_changed success user=\(user) role=admin change=added group=docker"]
                        )
                    },
                    { _ in ("usermod[\(pid + 1)]: add '\(user)' to shadow group 'docker'", []) },
                    { t in
                        (
                            "passwd[\(pid + 2)]: pam_unix(passwd:chauthtok): password changed for \(user)",
                            ["\(iso(t)) login password_changed success user=\(user) actor=\(user) role=user"]
                        )
                    },
                ])
            default:  // console login
                var opened: Int64 = 0
                out.append([
                    { t in
                        opened = t
                        return (
                            "login[\(pid)]: pam_unix(login:session): session opened for user \(user)(uid=\(1000 + k)) by LOGIN(uid=0)",
                            ["\(iso(t)) login login success user=\(user) actor=\(user) entry=console"]
                        )
                    },
                    { _ in ("login[\(pid)]: LOGIN ON tty\(k % 6 + 1) BY \(user)", []) },
                    { t in
                        (
                            "login[\(pid)]: pam_unix(login:session): session closed for user \(user)",
                            [
                                "\(iso(t)) login logout success user=\(user) actor=\(user) entry=console device=tty\(k % 6 + 1) duration_s=\(t - opened)"
                            ]
                        )
                    },
                ])
            }
        }
        return out
    }

    static func noise(_ rng: inout Rng, _ n: Int) -> String {
        let pid = 50_000 + n
        switch rng.below(12) {
        case 0: return "CRON[\(pid)]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
        case 1: return "CRON[\(pid)]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"
        case 2: return "CRON[\(pid)]: pam_unix(cron:session): session closed for user root"
        case 3:
            return
                "kernel: [\(n).\(rng.below(999_999))] audit: type=1400 audit(1700000000.123:\(n)): apparmor=\"STATUS\" operation=\"profile_load\""
        case 4:
            return
                "kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:00 SRC=203.0.113.\(rng.below(250)) DST=192.0.2.1 LEN=40 PROTO=TCP SPT=\(rng.below(60_000)) DPT=23"
        case 5: return "systemd[1]: Started Session \(n) of User root."
        case 6: return "systemd[1]: Starting Daily apt download activities..."
        case 7: return "postfix/smtpd[\(pid)]: connect from unknown[203.0.113.\(rng.below(250))]"
        case 8:
            return
                "postfix/qmgr[900]: 4F1A2B3C4D: from=<root@example.org>, size=\(rng.below(9000)), nrcpt=1 (queue active)"
        case 9: return "dhclient[700]: DHCPREQUEST for 192.0.2.\(rng.below(250)) on eth0 to 192.0.2.1 port 67"
        case 10:
            return "sshd[\(pid)]: Connection closed by 203.0.113.\(rng.below(250)) port \(rng.below(60_000)) [preauth]"
        default: return "systemd-logind[512]: Watching system buttons on /dev/input/event\(rng.below(4)) (Power Button)"
        }
    }

    @Test func everyEventAndNothingElse() throws {
        var rng = Rng(state: 42)
        var stories = MixedLogTests.stories(&rng)
        var cursors = Array(repeating: 0, count: stories.count)
        var active: [Int] = []
        var nextStory = 0
        var lines: [String] = []
        var expected: [String] = []
        var t = MixedLogTests.start
        var noiseCount = 0
        while nextStory < stories.count || !active.isEmpty {
            t += 7
            // Keep up to 12 stories in flight, interleaved with noise.
            if active.count < 12, nextStory < stories.count, rng.below(3) == 0 {
                active.append(nextStory)
                nextStory += 1
            }
            if active.isEmpty || rng.below(3) != 0 {
                lines.append("\(MixedLogTests.stamp(t)) web1 \(MixedLogTests.noise(&rng, noiseCount))")
                noiseCount += 1
                continue
            }
            let slot = rng.below(active.count)
            let s = active[slot]
            let (body, events) = stories[s][cursors[s]](t)
            lines.append("\(MixedLogTests.stamp(t)) web1 \(body)")
            expected += events
            cursors[s] += 1
            if cursors[s] == stories[s].count { active.remove(at: slot) }
        }
        stories.removeAll()
        #expect(lines.count > 3000)
        #expect(expected.count > 500)

        // The test writes the log, then reads it back as an input would.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "activityd-mixed-\(UInt32.random(in: 0...UInt32.max)).log")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let text = try String(contentsOf: url, encoding: .utf8)

        var n = Normalizer()
        var got: [String] = []
        var unmatched = 0
        var certainlyUnmatched = 0
        var notSyslog = 0
        for line in text.split(separator: "\n") {
            guard let r = utcParser.parse(line, now: testNow) else { notSyslog += 1; continue }
            switch n.normalize(r) {
            case .events(let es):
                if !es.isEmpty { #expect(Normalizer.mayMakeEvents(program: r.program, message: r.message)) }
                for e in es {
                    #expect(e.host == "web1")
                    #expect(e.service == r.program)
                    got.append("\(e.time) \(render(e))")
                }
            case .unmatched:
                unmatched += 1
                if !Normalizer.mayMakeEvents(program: r.program, message: r.message) { certainlyUnmatched += 1 }
            }
        }
        #expect(notSyslog == 0)
        // Most noise is told apart before normalizing (what spares the journald input a cursor per entry).
        #expect(certainlyUnmatched > 0 && certainlyUnmatched <= unmatched)
        #expect(unmatched >= noiseCount - noiseCount / 12 - 1)  // every noise line except sshd's preauth closes is unmatched
        #expect(got.count == expected.count)
        for (i, (g, e)) in zip(got, expected).enumerated() where g != e {
            Issue.record("event \(i): got \(g)\nexpected \(e)")
            break
        }
        #expect(got == expected)
    }
}
