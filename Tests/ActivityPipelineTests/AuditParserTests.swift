import ActivityModel
import ActivityPipeline
import Testing

@Suite("audit parser")
struct AuditParserTests {
    @Test("RAW record: header, record fields, then the fields of msg='…'")
    func rawRecord() throws {
        let line =
            #"type=USER_LOGIN msg=audit(1763800000.160:1010): pid=2201 uid=0 auid=1000 ses=7 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=192.0.2.10 addr=192.0.2.10 terminal=/dev/pts/0 res=success'"#
        let r = try #require(AuditParser.parse(line[...]))
        #expect(r.node == nil)
        #expect(r.type == "USER_LOGIN")
        #expect(r.time == Timestamp(seconds: 1_763_800_000, nanos: 160_000_000))
        #expect(r.serial == 1010)
        #expect(
            r.fields.map(\.key) == [
                "pid", "uid", "auid", "ses", "subj", "op", "id", "exe", "hostname", "addr", "terminal", "res",
            ])
        #expect(r["subj"] == "system_u:system_r:sshd_t:s0-s0:c0.c1023")
        #expect(r["exe"] == "/usr/sbin/sshd")
        #expect(r["terminal"] == "/dev/pts/0")
        #expect(r["res"] == "success")
        #expect(r.enriched.isEmpty)
    }

    @Test("ENRICHED record: the names after \\x1d are kept apart, node= prefix read")
    func enrichedRecord() throws {
        let line =
            "node=web1 type=USER_START msg=audit(1763800000.130:1007): pid=2201 uid=0 auid=1000 ses=7 subj=unconfined msg='op=PAM:session_open grantors=pam_selinux,pam_loginuid acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=192.0.2.10 addr=192.0.2.10 terminal=ssh res=success'\u{1D}UID=\"root\" AUID=\"alice\"\n"
        let r = try #require(AuditParser.parse(line[...]))
        #expect(r.node == "web1")
        #expect(r.type == "USER_START")
        #expect(r["acct"] == "alice")
        #expect(r["grantors"] == "pam_selinux,pam_loginuid")
        #expect(r["res"] == "success")
        #expect(r.enriched == [AuditField(key: "UID", value: "root"), AuditField(key: "AUID", value: "alice")])
        #expect(r.enriched("AUID") == "alice")
        #expect(r["AUID"] == nil)
    }

    @Test("hex-encoded values of encodable fields are decoded; numbers and other fields are not")
    func hexValues() throws {
        let line =
            #"type=USER_CMD msg=audit(1763800300.000:3003): pid=4200 uid=1000 auid=1000 ses=7 subj=unconfined msg='cwd="/home/alice" cmd=61707420757064617465 exe="/usr/bin/sudo" terminal=pts/0 res=success'"#
        let r = try #require(AuditParser.parse(line[...]))
        #expect(r["cmd"] == "apt update")
        #expect(r["pid"] == "4200")
        let invalid =
            #"type=USER_LOGIN msg=audit(1763800200.000:2010): pid=3310 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=28696E76616C6964207573657229 exe="/usr/sbin/sshd" hostname=? addr=198.51.100.7 terminal=ssh res=failed'"#
        #expect(AuditParser.parse(invalid[...])?["acct"] == "(invalid user)")
        // proctitle: NUL-separated argv.
        let title =
            "type=PROCTITLE msg=audit(1763800300.000:3004): proctitle=2F7573722F62696E2F7375646F00617074007570646174650A"
        #expect(AuditParser.parse(title[...])?["proctitle"] == "/usr/bin/sudo apt update\n")
        // Not hex (lower case, odd length, other characters): kept as written.
        let other = "type=SYSCALL msg=audit(1.5:9): key=(null) comm=abc exe=ABC"
        let o = try #require(AuditParser.parse(other[...]))
        #expect(o["key"] == "(null)")
        #expect(o["comm"] == "abc")
        #expect(o["exe"] == "ABC")
        #expect(o.time == Timestamp(seconds: 1, nanos: 500_000_000))
    }

    @Test("a bare word continues the previous value (shadow-utils `op=adding user`)")
    func bareWords() throws {
        let line =
            #"type=ADD_USER msg=audit(1763800500.000:6001): pid=5000 uid=0 auid=1000 ses=7 msg='op=adding user id=1005 exe="/usr/sbin/useradd" hostname=web1 addr=? terminal=pts/0 res=success'"#
        let r = try #require(AuditParser.parse(line[...]))
        #expect(r["op"] == "adding user")
        #expect(r["id"] == "1005")
        #expect(r["addr"] == "?")
    }

    @Test("kernel records and EOE")
    func kernelRecords() throws {
        let eoe = try #require(AuditParser.parse("type=EOE msg=audit(1763800300.001:5000): "))
        #expect(eoe.type == "EOE")
        #expect(eoe.serial == 5000)
        #expect(eoe.fields.isEmpty)
        let sys = try #require(
            AuditParser.parse(
                #"type=SYSCALL msg=audit(1763800300.001:5000): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 items=2 ppid=4299 pid=4300 auid=1000 uid=0 tty=pts1 ses=7 comm="sudo" exe="/usr/bin/sudo" subj=unconfined key="priv""#
            ))
        #expect(sys["comm"] == "sudo")
        #expect(sys["key"] == "priv")
        #expect(sys["tty"] == "pts1")
        let unknown = try #require(AuditParser.parse("type=UNKNOWN[1337] msg=audit(1763800300.001:5001): x=1"))
        #expect(unknown.type == "UNKNOWN[1337]")
    }

    @Test(
        "not an audit record: nil",
        arguments: [
            "", " ", "hello", "type=", "type=X", "type=X msg=", "type=X msg=audit(", "type=X msg=audit(1",
            "type=X msg=audit(1:2",
            "type=X msg=audit(1:2)", "type=X msg=audit(abc:2): ", "type=X msg=audit(1.:2): ",
            "type=X msg=audit(1.5:x): ",
            "node=", "node=web1", "node=web1 msg=audit(1:2): ",
            "Nov 22 10:00:01 web1 sshd[1]: Accepted password for a from 1.2.3.4 port 1 ssh2",
            "type=X msg=audit(99999999999999999999:1): ",
        ])
    func notAudit(_ line: String) {
        #expect(AuditParser.parse(line[...]) == nil)
    }

    @Test("every prefix of every fixture line, and junk, parse without trapping")
    func prefixesAreSafe() {
        var parsed = 0
        for line in AuditFixtures.all {
            var prefix = Substring(line)
            while !prefix.isEmpty {
                if AuditParser.parse(prefix) != nil { parsed += 1 }
                prefix = prefix.dropLast()
            }
        }
        #expect(parsed > 1000)
        let junk = [
            "type=X msg=audit(1:2): msg='", "type=X msg=audit(1:2): msg=''", "type=X msg=audit(1:2): a= b=\"",
            "type=X msg=audit(1:2): ='x",
            "type=X msg=audit(1:2): acct=4", "type=X msg=audit(1:2): acct=ZZ", "type=X msg=audit(1:2): \u{1D}",
            "type=X msg=audit(1:2): \u{1D}\u{1D}=",
            "type=X msg=audit(1:2): x=\u{FFFD}\u{0}\u{7F} msg='a=' '", String(repeating: "a=b ", count: 1000),
        ]
        for j in junk { _ = AuditParser.parse(j[...]) }
        let many = AuditParser.parse(("type=X msg=audit(1:2): " + String(repeating: "a=b ", count: 1000))[...])
        #expect(many?.fields.count == AuditParser.maxFields)
    }
}
