import ActivityModel
import ActivityPipeline
import Testing

@Suite("sudo, su, login, logind, passwd, shadow-utils, display managers")
struct NormalizeRulesTests {
    static let sudoCases: [NormalizeCase] = [
        NormalizeCase(
            "Debian sudo 1.9 command (leading spaces), PAM session lines add nothing",
            [
                "Nov 22 10:01:00 web1 sudo[4100]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update",
                "Nov 22 10:01:00 web1 sudo[4100]: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
                "Nov 22 10:01:05 web1 sudo[4100]: pam_unix(sudo:session): session closed for user root",
            ],
            [
                "activity privilege_escalation success user=alice actor=alice entry=sudo device=pts/0 command=/usr/bin/apt update pwd=/home/alice runas=root tty=pts/0"
            ]),
        NormalizeCase(
            "RHEL sudo 1.8 with GROUP and a command containing ' ; '",
            [
                "Nov 22 10:02:00 db2 sudo[5000]: bob : TTY=pts/1 ; PWD=/root ; USER=postgres ; GROUP=postgres ; COMMAND=/bin/sh -c echo a ; echo b"
            ],
            [
                "activity privilege_escalation success user=bob actor=bob entry=sudo device=pts/1 command=/bin/sh -c echo a ; echo b pwd=/root runas=postgres runas_group=postgres tty=pts/1"
            ]),
        NormalizeCase(
            "incorrect password attempts, PAM failure first",
            [
                "Nov 22 10:03:00 web1 sudo[4200]: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice",
                "Nov 22 10:03:09 web1 sudo[4200]:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/ls /root",
            ],
            [
                "activity privilege_escalation failure reason=auth_failure user=alice actor=alice entry=sudo device=pts/0 target_user=alice tty=pts/0",
                "activity privilege_escalation failure reason=invalid_password user=alice actor=alice entry=sudo device=pts/0 attempts=3 command=/usr/bin/ls /root pwd=/home/alice runas=root tty=pts/0",
            ]),
        NormalizeCase(
            "user NOT in sudoers",
            [
                "Nov 22 10:04:00 web1 sudo[4300]:      bob : user NOT in sudoers ; TTY=pts/2 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash"
            ],
            [
                "activity privilege_escalation failure reason=not_in_sudoers user=bob actor=bob entry=sudo device=pts/2 command=/bin/bash pwd=/home/bob runas=root tty=pts/2"
            ]),
        NormalizeCase(
            "command not allowed, no tty",
            [
                "Nov 22 10:05:00 web1 sudo[4400]: carol : command not allowed ; TTY=unknown ; PWD=/ ; USER=root ; COMMAND=/usr/bin/passwd root"
            ],
            [
                "activity privilege_escalation failure reason=command_not_allowed user=carol actor=carol entry=sudo command=/usr/bin/passwd root pwd=/ runas=root tty=unknown"
            ]),
        NormalizeCase(
            "a password is required (sudo -n)",
            [
                "Nov 22 10:05:30 web1 sudo[4401]: deploy : a password is required ; TTY=unknown ; PWD=/srv ; USER=root ; COMMAND=/usr/bin/systemctl restart app"
            ],
            [
                "activity privilege_escalation failure reason=password_required user=deploy actor=deploy entry=sudo command=/usr/bin/systemctl restart app pwd=/srv runas=root tty=unknown"
            ]),
        NormalizeCase(
            "other sudo lines",
            [
                "Nov 22 10:06:00 web1 sudo[4500]: pam_unix(sudo:auth): conversation failed",
                "Nov 22 10:06:00 web1 sudo[4500]: pam_unix(sudo:auth): auth could not identify password for [alice]",
            ], []),
    ]

    static let suCases: [NormalizeCase] = [
        NormalizeCase(
            "Debian util-linux su: (to root) then PAM session, paired logout",
            [
                "Nov 22 10:10:00 web1 su[6000]: (to root) alice on pts/0",
                "Nov 22 10:10:00 web1 su[6000]: pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)",
                "Nov 22 10:12:00 web1 su[6000]: pam_unix(su:session): session closed for user root",
            ],
            [
                "login login success user=root actor=alice entry=su device=pts/0",
                "login logout success user=root actor=alice entry=su device=pts/0 duration_s=120",
            ]),
        NormalizeCase(
            "RHEL su -l: PAM session only",
            [
                "Nov 22 10:11:00 db2 su[6100]: pam_unix(su-l:session): session opened for user postgres by bob(uid=1001)",
                "Nov 22 10:11:30 db2 su[6100]: pam_unix(su-l:session): session closed for user postgres",
            ],
            [
                "login login success user=postgres actor=bob entry=su",
                "login logout success user=postgres actor=bob entry=su duration_s=30",
            ]),
        NormalizeCase(
            "failed su: PAM failure and FAILED SU are one failure",
            [
                "Nov 22 10:13:00 web1 su[6200]: pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=root",
                "Nov 22 10:13:02 web1 su[6200]: FAILED SU (to root) alice on pts/0",
            ], ["login login_failed failure reason=invalid_password user=root actor=alice entry=su device=pts/0"]),
        NormalizeCase(
            "FAILED SU alone",
            [
                "Nov 22 10:14:00 web1 su[6300]: FAILED SU (to postgres) bob on pts/3"
            ], ["login login_failed failure reason=invalid_password user=postgres actor=bob entry=su device=pts/3"]),
        NormalizeCase(
            "shadow su forms",
            [
                "Nov 22 10:15:00 old su[6400]: Successful su for root by carol",
                "Nov 22 10:15:10 old su[6401]: - pts/4 dave:root",
            ],
            [
                "login login success user=root actor=carol entry=su",
                "login login_failed failure reason=invalid_password user=root actor=dave entry=su device=pts/4",
            ]),
    ]

    static let loginCases: [NormalizeCase] = [
        NormalizeCase(
            "util-linux console login: PAM session first, then LOGIN ON",
            [
                "Nov 22 08:00:00 kiosk login[700]: pam_unix(login:session): session opened for user alice(uid=1000) by LOGIN(uid=0)",
                "Nov 22 08:00:00 kiosk login[700]: LOGIN ON tty1 BY alice",
                "Nov 22 09:00:00 kiosk login[700]: pam_unix(login:session): session closed for user alice",
            ],
            [
                "login login success user=alice actor=alice entry=console",
                "login logout success user=alice actor=alice entry=console device=tty1 duration_s=3600",
            ]),
        NormalizeCase(
            "login -h from a remote host",
            [
                "Nov 22 08:00:30 old login[705]: LOGIN ON pts/3 BY erin FROM 192.0.2.44"
            ], ["login login success user=erin actor=erin entry=console device=pts/3 ip=192.0.2.44"]),
        NormalizeCase(
            "ROOT LOGIN",
            [
                "Nov 22 08:01:00 kiosk login[701]: ROOT LOGIN ON tty2",
                "Nov 22 08:01:05 srv login[702]: ROOT LOGIN  on '/dev/ttyS0'",
            ],
            [
                "login login success user=root actor=root entry=console device=tty2",
                "login login success user=root actor=root entry=console device=ttyS0",
            ]),
        NormalizeCase(
            "FAILED LOGIN, util-linux and shadow wording; PAM failure adds nothing",
            [
                "Nov 22 08:02:00 kiosk login[703]: pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=/dev/tty1 ruser= rhost=  user=alice",
                "Nov 22 08:02:03 kiosk login[703]: FAILED LOGIN 1 FROM tty1 FOR alice, Authentication failure",
                "Nov 22 08:02:10 old login[704]: FAILED LOGIN (2) on '/dev/tty3' FOR 'UNKNOWN', User not known to the underlying authentication module",
            ],
            [
                "login login_failed failure reason=invalid_password user=alice actor=alice entry=console device=tty1 attempts=1 detail=Authentication failure",
                "login login_failed failure reason=invalid_user user=UNKNOWN actor=UNKNOWN entry=console device=tty3 attempts=2 detail=User not known to the underlying authentication module",
            ]),
    ]

    static let logindCases: [NormalizeCase] = [
        NormalizeCase(
            "classic wording",
            [
                "Nov 22 10:00:02 web1 systemd-logind[512]: New session 42 of user alice.",
                "Nov 22 10:30:01 web1 systemd-logind[512]: Session 42 logged out. Waiting for processes to exit.",
                "Nov 22 10:30:01 web1 systemd-logind[512]: Removed session 42.",
            ],
            [
                "login session_started success user=alice actor=alice session=42",
                "login session_ended success user=alice actor=alice session=42",
            ]),
        NormalizeCase(
            "systemd 256 wording with class and type; greeter/background ignored",
            [
                "Nov 22 10:00:02 ws systemd-logind[600]: New session '3' of user 'bob' with class 'user' and type 'wayland'.",
                "Nov 22 10:00:02 ws systemd-logind[600]: New session 'c1' of user 'gdm' with class 'greeter' and type 'wayland'.",
                "Nov 22 10:00:02 ws systemd-logind[600]: New session '9' of user 'root' with class 'background' and type 'unspecified'.",
                "Nov 22 10:40:00 ws systemd-logind[600]: Removed session 3.",
            ],
            [
                "login session_started success user=bob actor=bob session=3 class=user type=wayland",
                "login session_ended success user=bob actor=bob session=3",
            ]),
        NormalizeCase(
            "other logind lines",
            [
                "Nov 22 10:00:00 web1 systemd-logind[512]: Watching system buttons on /dev/input/event0 (Power Button)",
                "Nov 22 10:00:00 web1 systemd-logind[512]: New seat seat0.",
            ], []),
    ]

    static let passwordCases: [NormalizeCase] = [
        NormalizeCase(
            "self-service passwd",
            [
                "Nov 22 12:00:00 web1 passwd[7000]: pam_unix(passwd:chauthtok): password changed for alice"
            ], ["login password_changed success user=alice actor=alice role=user"]),
        NormalizeCase(
            "shadow passwd by root",
            [
                "Nov 22 12:01:00 old passwd[7001]: password for 'bob' changed by 'root'",
                "Nov 22 12:01:30 old passwd[7002]: password for 'carol' changed by 'carol'",
            ],
            [
                "admin password_set success user=bob actor=root role=admin",
                "login password_changed success user=carol actor=carol role=user",
            ]),
        NormalizeCase(
            "chpasswd batch",
            [
                "Nov 22 12:02:00 web1 chpasswd[7003]: pam_unix(chpasswd:chauthtok): password changed for dave"
            ], ["admin password_set success user=dave role=admin"]),
        NormalizeCase(
            "chage",
            [
                "Nov 22 12:03:00 web1 chage[7004]: changed password expiry for erin"
            ], ["admin user_modified success user=erin role=admin change=password_expiry"]),
    ]

    static let shadowUtilsCases: [NormalizeCase] = [
        NormalizeCase(
            "useradd on Debian: user, own group echo, supplementary group",
            [
                "Nov 22 13:00:00 web1 useradd[8000]: new group: name=frank, GID=1005",
                "Nov 22 13:00:00 web1 useradd[8000]: new user: name=frank, UID=1005, GID=1005, home=/home/frank, shell=/bin/bash, from=/dev/pts/0",
                "Nov 22 13:00:00 web1 useradd[8000]: add 'frank' to group 'sudo'",
                "Nov 22 13:00:00 web1 useradd[8000]: add 'frank' to shadow group 'sudo'",
            ],
            [
                "admin user_created success user=frank role=admin from=/dev/pts/0 gid=1005 home=/home/frank shell=/bin/bash uid=1005",
                "admin group_changed success user=frank role=admin change=added group=sudo",
            ]),
        NormalizeCase(
            "RHEL useradd without from=",
            [
                "Nov 22 13:01:00 db2 useradd[8001]: new user: name=svc, UID=990, GID=990, home=/var/lib/svc, shell=/sbin/nologin"
            ], ["admin user_created success user=svc role=admin gid=990 home=/var/lib/svc shell=/sbin/nologin uid=990"]),
        NormalizeCase(
            "usermod changes",
            [
                "Nov 22 13:02:00 web1 usermod[8002]: add 'frank' to group 'docker'",
                "Nov 22 13:02:00 web1 usermod[8002]: add 'frank' to shadow group 'docker'",
                "Nov 22 13:02:10 web1 usermod[8003]: change user 'frank' shell from '/bin/bash' to '/bin/zsh'",
                "Nov 22 13:02:20 web1 usermod[8004]: lock user 'frank' password",
                "Nov 22 13:02:30 web1 usermod[8005]: change user name 'frank' to 'franklin'",
                "Nov 22 13:02:40 web1 usermod[8006]: delete 'franklin' from group 'docker'",
            ],
            [
                "admin group_changed success user=frank role=admin change=added group=docker",
                "admin user_modified success user=frank role=admin change=shell detail=from '/bin/bash' to '/bin/zsh'",
                "admin user_modified success user=frank role=admin change=lock",
                "admin user_modified success user=franklin role=admin change=name old_name=frank",
                "admin group_changed success user=franklin role=admin change=removed group=docker",
            ]),
        NormalizeCase(
            "userdel",
            [
                "Nov 22 13:03:00 web1 userdel[8007]: delete user 'franklin'",
                "Nov 22 13:03:00 web1 userdel[8007]: removed group 'franklin' owned by 'franklin'",
                "Nov 22 13:03:00 web1 userdel[8007]: removed shadow group 'franklin' owned by 'franklin'",
            ], ["admin user_deleted success user=franklin role=admin"]),
        NormalizeCase(
            "groupadd, groupdel, gpasswd",
            [
                "Nov 22 13:04:00 web1 groupadd[8008]: group added to /etc/group: name=devs, GID=1010",
                "Nov 22 13:04:00 web1 groupadd[8008]: group added to /etc/gshadow: name=devs",
                "Nov 22 13:04:00 web1 groupadd[8008]: new group: name=devs, GID=1010",
                "Nov 22 13:04:10 web1 gpasswd[8009]: user alice added by root to group devs",
                "Nov 22 13:04:20 web1 gpasswd[8010]: user alice removed by root from group devs",
                "Nov 22 13:04:30 web1 groupdel[8011]: group 'devs' removed from /etc/group",
                "Nov 22 13:04:30 web1 groupdel[8011]: group 'devs' removed from /etc/gshadow",
                "Nov 22 13:04:30 web1 groupdel[8011]: group 'devs' removed",
            ],
            [
                "admin group_changed success role=admin change=created gid=1010 group=devs",
                "admin group_changed success user=alice actor=root role=admin change=added group=devs",
                "admin group_changed success user=alice actor=root role=admin change=removed group=devs",
                "admin group_changed success role=admin change=deleted group=devs",
            ]),
    ]

    static let displayManagersCases: [NormalizeCase] = [
        NormalizeCase(
            "GDM (Ubuntu): greeter ignored, user session paired",
            [
                "Nov 22 07:59:00 ws gdm-launch-environment]: pam_unix(gdm-launch-environment:session): session opened for user gdm(uid=120) by (uid=0)",
                "Nov 22 08:00:00 ws gdm-password]: pam_unix(gdm-password:session): session opened for user alice(uid=1000) by (uid=0)",
                "Nov 22 17:00:00 ws gdm-password]: pam_unix(gdm-password:session): session closed for user alice",
            ],
            [
                "login login success user=alice actor=alice entry=desktop pam_service=gdm-password",
                "login logout success user=alice actor=alice entry=desktop duration_s=32400",
            ]),
        NormalizeCase(
            "GDM wrong password",
            [
                "Nov 22 08:05:00 ws gdm-password]: pam_unix(gdm-password:auth): authentication failure; logname= uid=0 euid=0 tty=/dev/tty1 ruser= rhost=  user=alice"
            ],
            [
                "login login_failed failure reason=invalid_password user=alice actor=alice entry=desktop device=tty1 pam_service=gdm-password"
            ]),
        NormalizeCase(
            "LightDM",
            [
                "Nov 22 08:10:00 pc lightdm: pam_unix(lightdm-greeter:session): session opened for user lightdm(uid=113) by (uid=0)",
                "Nov 22 08:10:30 pc lightdm[900]: pam_unix(lightdm:session): session opened for user bob(uid=1001) by (uid=0)",
                "Nov 22 08:40:30 pc lightdm[900]: pam_unix(lightdm:session): session closed for user bob",
            ],
            [
                "login login success user=bob actor=bob entry=desktop pam_service=lightdm",
                "login logout success user=bob actor=bob entry=desktop duration_s=1800",
            ]),
        NormalizeCase(
            "SDDM (Fedora KDE)",
            [
                "Nov 22 08:20:00 kde sddm-helper[1200]: pam_unix(sddm:session): session opened for user carol(uid=1002) by (uid=0)",
                "Nov 22 08:21:00 kde sddm-helper[1300]: pam_unix(sddm:auth): authentication failure; logname= uid=0 euid=0 tty=:0 ruser= rhost=  user=dave",
            ],
            [
                "login login success user=carol actor=carol entry=desktop pam_service=sddm",
                "login login_failed failure reason=invalid_password user=dave actor=dave entry=desktop device=:0 pam_service=sddm",
            ]),
    ]

    @Test(arguments: sudoCases) func sudo(_ c: NormalizeCase) { #expect(normalizeLines(c.lines) == c.expected) }
    @Test(arguments: suCases) func su(_ c: NormalizeCase) { #expect(normalizeLines(c.lines) == c.expected) }
    @Test(arguments: loginCases) func login(_ c: NormalizeCase) { #expect(normalizeLines(c.lines) == c.expected) }
    @Test(arguments: logindCases) func logind(_ c: NormalizeCase) { #expect(normalizeLines(c.lines) == c.expected) }
    @Test(arguments: passwordCases) func password(_ c: NormalizeCase) { #expect(normalizeLines(c.lines) == c.expected) }
    @Test(arguments: shadowUtilsCases) func shadowUtils(_ c: NormalizeCase) {
        #expect(normalizeLines(c.lines) == c.expected)
    }
    @Test(arguments: displayManagersCases) func displayManagers(_ c: NormalizeCase) {
        #expect(normalizeLines(c.lines) == c.expected)
    }

    @Test func logindFromJournalFields() {
        var n = Normalizer()
        let start = RawRecord(
            time: testNow, host: "web1", program: "systemd-logind", pid: 512, message: "New session 7 of user alice.",
            fields: [
                "MESSAGE_ID": "8d45620c1a4348dbb17410da57c60c66", "SESSION_ID": "7", "USER_ID": "alice",
                "LEADER": "4242",
            ])
        let stop = RawRecord(
            time: testNow, host: "web1", program: "systemd-logind", pid: 512, message: "Removed session 7.",
            fields: ["MESSAGE_ID": "3354939424b4456d9802ca8333ed424a", "SESSION_ID": "7", "USER_ID": "alice"])
        var out: [String] = []
        for r in [start, stop] { if case .events(let es) = n.normalize(r) { out += es.map(render) } }
        #expect(
            out == [
                "login session_started success user=alice actor=alice session=7 leader_pid=4242",
                "login session_ended success user=alice actor=alice session=7",
            ])
    }

    @Test func gdmJournalIdentifierKeepsItsBracket() {
        var n = Normalizer()
        let r = RawRecord(
            time: testNow, host: "ws", program: "gdm-password]", pid: 2345,
            message: "pam_unix(gdm-password:session): session opened for user alice(uid=1000) by (uid=0)",
            fields: ["SYSLOG_IDENTIFIER": "gdm-password]"])
        guard case .events(let es) = n.normalize(r) else { Issue.record("unmatched"); return }
        #expect(es.map(render) == ["login login success user=alice actor=alice entry=desktop pam_service=gdm-password"])
    }

    @Test func adminActorFromJournalFields() {
        var n = Normalizer()
        let r = RawRecord(
            time: testNow, host: "web1", program: "useradd", pid: 1,
            message: "new user: name=gina, UID=1020, GID=1020, home=/home/gina, shell=/bin/bash",
            fields: ["SUDO_USER": "alice"])
        let r2 = RawRecord(
            time: testNow, host: "web1", program: "passwd", pid: 2,
            message: "pam_unix(passwd:chauthtok): password changed for gina",
            fields: ["SUDO_USER": "alice"])
        let r3 = RawRecord(
            time: testNow, host: "web1", program: "userdel", pid: 3, message: "delete user 'gina'",
            fields: ["_AUDIT_LOGINUID": "1000"])
        var out: [String] = []
        for x in [r, r2, r3] { if case .events(let es) = n.normalize(x) { out += es.map(render) } }
        #expect(
            out == [
                "admin user_created success user=gina actor=alice role=admin gid=1020 home=/home/gina shell=/bin/bash uid=1020",
                "admin password_set success user=gina actor=alice role=admin",
                "admin user_deleted success user=gina actor=uid:1000 role=admin",
            ])
    }
}
