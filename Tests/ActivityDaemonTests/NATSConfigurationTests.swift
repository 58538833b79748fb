import Testing
import ActivityConfig

@Suite("[forward.nats] and [input.nats] configuration")
struct NATSConfigurationTests {
    @Test("every key is read, with defaults and relative paths resolved")
    func keys() throws {
        let c = try DaemonConfiguration.parse(
            """
            [forward.nats]
            servers = ["nats://10.0.0.1:4222", "tls://10.0.0.2:4222"]
            stream = "ACT"
            stream_subjects = ["act.>"]
            replicas = 3
            subject = "act.web1"
            host_id = "web1"
            credentials = "nats.creds"
            tls_ca = "/etc/ssl/ca.pem"
            tls_cert = "c.pem"
            tls_key = "k.pem"
            timeout = "3s"
            retention_drops_unforwarded = true

            [input.nats]
            consumer = "central-a"
            subjects = "act.web*"
            batch = 100
            token = "s3cret"
            """, baseDirectory: "/etc/activityd")
        #expect(c.unknownKeys.isEmpty, "\(c.unknownKeys)")
        let f = try #require(c.forwardNATS)
        #expect(f.connection.servers == ["nats://10.0.0.1:4222", "tls://10.0.0.2:4222"])
        #expect(f.connection.stream == "ACT" && f.connection.streamSubjects == ["act.>"] && f.connection.replicas == 3)
        #expect(f.subject == "act.web1" && f.hostID == "web1" && f.retentionDropsUnforwarded)
        #expect(f.connection.credentials == "/etc/activityd/nats.creds" && f.connection.tlsCA == "/etc/ssl/ca.pem")
        #expect(f.connection.tlsCert == "/etc/activityd/c.pem" && f.connection.tlsKey == "/etc/activityd/k.pem")
        #expect(f.connection.timeout == 3_000_000_000)
        let n = try #require(c.natsInput)
        #expect(
            n.consumer == "central-a" && n.subjects == "act.web*" && n.batch == 100 && n.connection.token == "s3cret")
        #expect(
            n.connection.servers == ["nats://127.0.0.1:4222"] && n.connection.stream == "ACTIVITY"
                && n.connection.replicas == 3)
    }

    @Test("the subject defaults to activity.<host_id>; the host id to the host name before its first dot")
    func defaults() throws {
        let c = try DaemonConfiguration.parse("[forward.nats]\nhost_id = \"db-2\"\n")
        #expect(c.forwardNATS?.subject == "activity.db-2")
        let d = try DaemonConfiguration.parse("[forward.nats]\n")
        let host = try #require(d.forwardNATS?.hostID)
        #expect(!host.isEmpty && !host.contains("."))
        #expect(d.forwardNATS?.retentionDropsUnforwarded == false)
    }

    @Test(
        "bad values are refused with the key named",
        arguments: [
            ("[forward.nats]\nservers = [\"10.0.0.1:4222\"]", "forward.nats.servers"),
            ("[forward.nats]\nhost_id = \"a.b\"", "forward.nats.host_id"),
            ("[forward.nats]\nsubject = \"activity.*\"", "forward.nats.subject"),
            ("[forward.nats]\nreplicas = 7", "forward.nats.replicas"),
            ("[forward.nats]\ntls_cert = \"c.pem\"", "forward.nats.tls_cert"),
            ("[input.nats]\nconsumer = \"a b\"", "input.nats.consumer"),
            ("[input.nats]\nstream = \"A.B\"", "input.nats.stream"),
        ])
    func refused(_ text: String, _ key: String) {
        do {
            _ = try DaemonConfiguration.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.keyPath == key, "\(error)")
        }
    }

    @Test("unknown keys in the NATS tables are reported")
    func unknown() throws {
        let c = try DaemonConfiguration.parse(
            "[forward.nats]\nhost_id = \"h\"\nsubjekt = \"x\"\n[input.nats]\nbatchsize = 3\n")
        #expect(Set(c.unknownKeys) == ["forward.nats.subjekt", "input.nats.batchsize"])
    }
}
