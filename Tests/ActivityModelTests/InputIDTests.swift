import Testing
import ActivityModel

/// `InputID.stored` is what the segments' commit frames hold: existing stores must read back identically.
@Suite struct InputIDTests {
    @Test(
        "stored names read back as their cases",
        arguments: [
            ("journald", InputID.journald),
            ("file:/var/log/auth.log", .file(path: "/var/log/auth.log")),
            ("file:relative/with:colon", .file(path: "relative/with:colon")),
            ("file:", .file(path: "")),
            ("nats:ACTIVITY:activityd", .nats(stream: "ACTIVITY", consumer: "activityd")),
            ("udp:192.0.2.1", .udp(sender: "192.0.2.1")),
            ("nats:no-consumer", .other("nats:no-consumer")),
            ("journald:test", .other("journald:test")),
            ("", .other("")),
        ])
    func reads(stored: String, expected: InputID) {
        let id = InputID(stored: stored)
        #expect(id == expected)
        #expect(id.stored == stored, "the on-disk form must round-trip byte for byte")
    }

    @Test("every case writes the form it reads")
    func roundTrip() {
        let ids: [InputID] = [
            .journald, .file(path: "/var/log/secure"), .nats(stream: "S_1", consumer: "c-2"),
            .udp(sender: "2001:db8::1"), .other("x:y"),
        ]
        for id in ids { #expect(InputID(stored: id.stored) == id, "\(id)") }
    }

    @Test("kind and path are what events record in origin")
    func kinds() {
        #expect(InputID.file(path: "/a").kind == "file" && InputID.file(path: "/a").filePath == "/a")
        #expect(InputID.journald.kind == "journald" && InputID.journald.filePath == nil)
        #expect(InputID.nats(stream: "S", consumer: "c").kind == "nats")
        #expect(InputID.udp(sender: "h").kind == "udp")
    }

    @Test("stored positions keyed by input")
    func positions() {
        let p = InputID.positions(["journald": "s=1", "file:/x": "v1:1:2:3:00", "nats:S:c": "7"])
        #expect(p == [.journald: "s=1", .file(path: "/x"): "v1:1:2:3:00", .nats(stream: "S", consumer: "c"): "7"])
    }
}
