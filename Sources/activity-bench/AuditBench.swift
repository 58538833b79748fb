import ActivityModel
import ActivityPipeline
import Foundation

/// Measures the audit-log parser and normalizer on one core, on an audit log generated in memory in the
/// shapes RHEL and Debian write (half ENRICHED, half RAW with `node=`): sshd logins with their PAM records,
/// failed passwords, logouts, sudo commands with their PAM session, kernel events of six records (SYSCALL, CWD,
/// two PATH, PROCTITLE, EOE) and useradd. Prints lines/s for parsing alone and for parsing plus
/// normalizing, and checks accuracy: the events produced must be exactly the events the generated stories
/// contain (one per login, failure, logout, command and new user; none for kernel events).
///
/// Usage: `activity-bench audit [LINES]` (default 1 000 000 lines per measurement). Build in release
/// (`swift run -c release activity-bench audit`); debug figures are meaningless.
///
/// - Parameter arguments: the arguments after `audit`.
public func runAuditBenchmark(arguments: [String]) {
    var total = 1_000_000
    for a in arguments { if let n = Int(a) { total = max(n, 1000) } }
    let (lines, expected) = AuditBenchLog.lines(stories: 4_000)
    print(
        "audit benchmark: \(total) lines per row, one core; \(lines.count) distinct lines, \(expected.values.reduce(0, +)) events expected per pass"
    )
    print("stage               lines/s      ns/line   events")

    // Accuracy: one pass, every action counted.
    var n = AuditNormalizer(host: "bench")
    var got: [String: Int] = [:]
    var unparsable = 0
    for l in lines {
        switch n.normalize(line: l[...]) {
        case nil: unparsable += 1
        case .events(let es)?: for e in es { got[e.action.rawValue, default: 0] += 1 }
        case .unmatched?: break
        }
    }

    _ = AuditBenchLog.parseOnly(lines, total: min(total, 50_000))  // warm up
    let (parseTime, parsed) = BenchLog.measure { AuditBenchLog.parseOnly(lines, total: total) }
    BenchLog.row("audit", "parse", total, parseTime, parsed)
    let (bothTime, events) = BenchLog.measure { AuditBenchLog.parseAndNormalize(lines, total: total) }
    BenchLog.row("audit", "parse+normalize", total, bothTime, events)

    let ok = got == expected && unparsable == 0
    print(
        "accuracy: \(ok ? "exact" : "MISMATCH") — expected \(expected.sorted { $0.key < $1.key }), got \(got.sorted { $0.key < $1.key }), unparsable \(unparsable)"
    )
}

/// The generated audit log of ``runAuditBenchmark(arguments:)``.
enum AuditBenchLog {
    static func parseOnly(_ lines: [String], total: Int) -> Int {
        var n = 0
        var i = 0
        for _ in 0..<total {
            if AuditParser.parse(lines[i][...]) != nil { n += 1 }
            i += 1
            if i == lines.count { i = 0 }
        }
        return n
    }

    static func parseAndNormalize(_ lines: [String], total: Int) -> Int {
        var normalizer = AuditNormalizer(host: "bench")
        var events = 0
        var i = 0
        for _ in 0..<total {
            if case .events(let es)? = normalizer.normalize(line: lines[i][...]) { events += es.count }
            i += 1
            if i == lines.count { i = 0 }
        }
        return events
    }

    /// `stories` stories of six kinds in turn, and the events they must give (by action).
    static func lines(stories: Int) -> ([String], [String: Int]) {
        var out: [String] = []
        var expected: [String: Int] = [:]
        var serial = 100_000
        var t = 1_795_341_600
        let users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
        for s in 0..<stories {
            let enriched = s % 2 == 0
            let prefix = enriched ? "" : "node=deb12 "
            let user = users[s % users.count]
            let uid = 1000 + s % users.count
            let pid = 20_000 + s
            let ip = "198.51.\(s % 250).\(s % 200 + 1)"
            func line(_ type: String, _ body: String, _ names: String) -> String {
                serial += 1
                let stamp = "\(t).\(String(format: "%03d", serial % 1000)):\(serial)"
                return prefix + "type=\(type) msg=audit(\(stamp)): " + body
                    + (enriched && !names.isEmpty ? "\u{1D}" + names : "")
            }
            let sshd = #"exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=ssh"#
            let unset = "uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023"
            let logged = "uid=0 auid=\(uid) ses=\(s) subj=system_u:system_r:sshd_t:s0-s0:c0.c1023"
            switch s % 6 {
            case 0:  // sshd login: PAM steps, USER_START, USER_LOGIN, USER_START
                out.append(
                    line(
                        "USER_AUTH",
                        #"pid=\#(pid) \#(unset) msg='op=PAM:authentication grantors=pam_unix acct="\#(user)" \#(sshd) res=success'"#,
                        #"UID="root" AUID="unset""#))
                out.append(
                    line(
                        "USER_ACCT",
                        #"pid=\#(pid) \#(unset) msg='op=PAM:accounting grantors=pam_unix,pam_localuser acct="\#(user)" \#(sshd) res=success'"#,
                        #"UID="root" AUID="unset""#))
                out.append(
                    line(
                        "CRYPTO_KEY_USER",
                        #"pid=\#(pid) \#(unset) msg='op=destroy kind=session fp=? direction=both spid=\#(pid + 1) suid=74 rport=51234 laddr=192.0.2.1 lport=22  exe="/usr/sbin/sshd" hostname=? addr=\#(ip) terminal=? res=success'"#,
                        #"UID="root" AUID="unset" SUID="sshd""#))
                out.append(
                    line(
                        "CRED_ACQ",
                        #"pid=\#(pid) \#(unset) msg='op=PAM:setcred grantors=pam_unix acct="\#(user)" \#(sshd) res=success'"#,
                        #"UID="root" AUID="unset""#))
                out.append(
                    line(
                        "LOGIN",
                        #"pid=\#(pid) uid=0 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 old-auid=4294967295 auid=\#(uid) tty=(none) old-ses=4294967295 ses=\#(s) res=1"#,
                        #"UID="root" OLD-AUID="unset" AUID="\#(user)""#))
                out.append(
                    line(
                        "USER_START",
                        #"pid=\#(pid) \#(logged) msg='op=PAM:session_open grantors=pam_selinux,pam_loginuid,pam_unix acct="\#(user)" \#(sshd) res=success'"#,
                        #"UID="root" AUID="\#(user)""#))
                out.append(
                    line(
                        "USER_LOGIN",
                        #"pid=\#(pid) \#(logged) msg='op=login id=\#(uid) exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=/dev/pts/0 res=success'"#,
                        #"UID="root" AUID="\#(user)" ID="\#(user)""#))
                out.append(
                    line(
                        "USER_START",
                        #"pid=\#(pid) \#(logged) msg='op=login id=\#(uid) exe="/usr/sbin/sshd" hostname=\#(ip) addr=\#(ip) terminal=/dev/pts/0 res=success'"#,
                        #"UID="root" AUID="\#(user)" ID="\#(user)""#))
                expected["login", default: 0] += 1
            case 1:  // failed password: PAM's USER_AUTH and sshd's USER_LOGIN of the same attempt
                out.append(
                    line(
                        "USER_AUTH",
                        #"pid=\#(pid) \#(unset) msg='op=PAM:authentication grantors=? acct="\#(user)" \#(sshd) res=failed'"#,
                        #"UID="root" AUID="unset""#))
                out.append(
                    line(
                        "USER_LOGIN",
                        #"pid=\#(pid) \#(unset) msg='op=login acct="\#(user)" exe="/usr/sbin/sshd" hostname=? addr=\#(ip) terminal=ssh res=failed'"#,
                        #"UID="root" AUID="unset""#))
                expected["login_failed", default: 0] += 1
            case 2:  // sudo: PAM steps, USER_CMD (hex cmd), PAM session
                let tty = #"hostname=? addr=? terminal=/dev/pts/0"#
                let id = "uid=\(uid) auid=\(uid) ses=\(s) subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"
                out.append(
                    line(
                        "USER_AUTH",
                        #"pid=\#(pid) \#(id) msg='op=PAM:authentication grantors=pam_unix acct="\#(user)" exe="/usr/bin/sudo" \#(tty) res=success'"#,
                        #"UID="\#(user)" AUID="\#(user)""#))
                out.append(
                    line(
                        "USER_ACCT",
                        #"pid=\#(pid) \#(id) msg='op=PAM:accounting grantors=pam_unix acct="\#(user)" exe="/usr/bin/sudo" \#(tty) res=success'"#,
                        #"UID="\#(user)" AUID="\#(user)""#))
                out.append(
                    line(
                        "USER_CMD",
                        #"pid=\#(pid) \#(id) msg='cwd="/home/\#(user)" cmd=73797374656D63746C2072657374617274206E67696E78 exe="/usr/bin/sudo" terminal=pts/0 res=success'"#,
                        #"UID="\#(user)" AUID="\#(user)""#))
                out.append(
                    line(
                        "CRED_REFR",
                        #"pid=\#(pid) \#(id) msg='op=PAM:setcred grantors=pam_unix acct="root" exe="/usr/bin/sudo" \#(tty) res=success'"#,
                        #"UID="\#(user)" AUID="\#(user)""#))
                out.append(
                    line(
                        "USER_START",
                        #"pid=\#(pid) \#(id) msg='op=PAM:session_open grantors=pam_limits,pam_unix acct="root" exe="/usr/bin/sudo" \#(tty) res=success'"#,
                        #"UID="root" AUID="\#(user)""#))
                out.append(
                    line(
                        "USER_END",
                        #"pid=\#(pid) \#(id) msg='op=PAM:session_close grantors=pam_limits,pam_unix acct="root" exe="/usr/bin/sudo" \#(tty) res=success'"#,
                        #"UID="root" AUID="\#(user)""#))
                out.append(
                    line(
                        "CRED_DISP",
                        #"pid=\#(pid) \#(id) msg='op=PAM:setcred grantors=pam_unix acct="root" exe="/usr/bin/sudo" \#(tty) res=success'"#,
                        #"UID="root" AUID="\#(user)""#))
                expected["privilege_escalation", default: 0] += 1
            case 3:  // a kernel event of six records: one serial
                serial += 1
                let stamp = "\(t).\(String(format: "%03d", serial % 1000)):\(serial)"
                let names =
                    enriched ? "\u{1D}" + #"ARCH=x86_64 SYSCALL=openat AUID="\#(user)" UID="root" GID="root""# : ""
                out.append(
                    prefix + "type=SYSCALL msg=audit(\(stamp)): "
                        + #"arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd a2=241 a3=1b6 items=2 ppid=\#(pid - 1) pid=\#(pid) auid=\#(uid) uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=\#(s) comm="vi" exe="/usr/bin/vim" subj=unconfined key="identity""#
                        + names)
                out.append(prefix + "type=CWD msg=audit(\(stamp)): " + #"cwd="/root""#)
                out.append(
                    prefix + "type=PATH msg=audit(\(stamp)): "
                        + #"item=0 name="/etc/" inode=131073 dev=fd:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0"#
                )
                out.append(
                    prefix + "type=PATH msg=audit(\(stamp)): "
                        + #"item=1 name="/etc/passwd" inode=132011 dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0"#
                )
                out.append(prefix + "type=PROCTITLE msg=audit(\(stamp)): proctitle=7669002F6574632F706173737764")
                out.append(prefix + "type=EOE msg=audit(\(stamp)): ")
            case 4:  // sshd logout of the login four stories back (same pid): USER_END, USER_LOGOUT, USER_END, CRED_DISP
                let lpid = pid - 4
                let luser = users[(s - 4) % users.count]
                let luid = 1000 + (s - 4) % users.count
                let lip = "198.51.\((s - 4) % 250).\((s - 4) % 200 + 1)"
                let l = "uid=0 auid=\(luid) ses=\(s - 4) subj=system_u:system_r:sshd_t:s0-s0:c0.c1023"
                out.append(
                    line(
                        "USER_END",
                        #"pid=\#(lpid) \#(l) msg='op=login id=\#(luid) exe="/usr/sbin/sshd" hostname=\#(lip) addr=\#(lip) terminal=/dev/pts/0 res=success'"#,
                        #"UID="root" AUID="\#(luser)" ID="\#(luser)""#))
                out.append(
                    line(
                        "USER_LOGOUT",
                        #"pid=\#(lpid) \#(l) msg='op=login id=\#(luid) exe="/usr/sbin/sshd" hostname=\#(lip) addr=\#(lip) terminal=/dev/pts/0 res=success'"#,
                        #"UID="root" AUID="\#(luser)" ID="\#(luser)""#))
                out.append(
                    line(
                        "USER_END",
                        #"pid=\#(lpid) \#(l) msg='op=PAM:session_close grantors=pam_selinux,pam_loginuid,pam_unix acct="\#(luser)" exe="/usr/sbin/sshd" hostname=\#(lip) addr=\#(lip) terminal=ssh res=success'"#,
                        #"UID="root" AUID="\#(luser)""#))
                out.append(
                    line(
                        "CRED_DISP",
                        #"pid=\#(lpid) \#(l) msg='op=PAM:setcred grantors=pam_unix acct="\#(luser)" exe="/usr/sbin/sshd" hostname=\#(lip) addr=\#(lip) terminal=ssh res=success'"#,
                        #"UID="root" AUID="\#(luser)""#))
                expected["logout", default: 0] += 1
            default:  // useradd with its own group (one event)
                out.append(
                    line(
                        "ADD_USER",
                        #"pid=\#(pid) uid=0 auid=\#(uid) ses=\#(s) subj=unconfined msg='op=add-user acct="svc\#(s)" exe="/usr/sbin/useradd" hostname=? addr=? terminal=pts/0 res=success'"#,
                        #"UID="root" AUID="\#(user)""#))
                out.append(
                    line(
                        "ADD_GROUP",
                        #"pid=\#(pid) uid=0 auid=\#(uid) ses=\#(s) subj=unconfined msg='op=add-group acct="svc\#(s)" exe="/usr/sbin/useradd" hostname=? addr=? terminal=pts/0 res=success'"#,
                        #"UID="root" AUID="\#(user)""#))
                expected["user_created", default: 0] += 1
            }
            t += 7
        }
        return (out, expected)
    }
}
