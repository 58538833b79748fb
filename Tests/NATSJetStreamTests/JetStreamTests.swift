import ActivityTestSupport
import Foundation
import NATSJetStream
import Testing

/// Starts one real `nats-server -js` on loopback, or skips (outside CI) when there is none.
func singleServer(_ name: String) throws -> NATSServers? {
    if let why = NATSServers.unavailableReason {
        if NATSServers.mustRun { throw NATSTestError("CI=true: \(why)") }
        print("skipping NATS test: \(why)")
        return nil
    }
    return try NATSServers(count: 1, name: name)
}

@Suite("NATSJetStream against a real nats-server", .serialized)
struct JetStreamTests {
    @Test("stream create/info, publish with message id and expected last subject sequence, read back")
    func publishAndReadBack() throws {
        guard let servers = try singleServer("js-publish") else { return }
        defer { servers.stopAll() }
        let js = try JetStreamConnection(ConnectOptions(servers: servers.urls))
        #expect(try js.streamInfo("ACT") == nil)
        let info = try js.ensureStream(name: "ACT", subjects: ["act.>"], replicas: 1)
        #expect(info.name == "ACT" && info.subjects == ["act.>"] && info.replicas == 1 && info.messages == 0)
        #expect(try js.lastMessage(stream: "ACT", subject: "act.h1") == nil)

        // The first message on a subject: expected "none".
        let a1 = try js.publish(
            subject: "act.h1", data: Array("one".utf8), messageID: "h1:1", expectedLastSubjectSequence: 0)
        #expect(a1.sequence == 1 && !a1.duplicate && a1.stream == "ACT")
        // Another subject interleaves in the stream but not in h1's subject sequence.
        let b1 = try js.publish(
            subject: "act.h2", data: Array("b".utf8), messageID: "h2:1", expectedLastSubjectSequence: 0)
        #expect(b1.sequence == 2)
        let a2 = try js.publish(
            subject: "act.h1", data: Array("two".utf8), messageID: "h1:2", expectedLastSubjectSequence: 1)
        #expect(a2.sequence == 3)

        // A stale expectation is refused: a second writer on the subject cannot interleave.
        do {
            _ = try js.publish(
                subject: "act.h1", data: Array("x".utf8), messageID: "h1:9", expectedLastSubjectSequence: 1)
            Issue.record("a wrong expected last subject sequence was accepted")
        } catch {
            #expect(error.isWrongLastSequence, "\(error)")
        }
        do {
            _ = try js.publish(
                subject: "act.h1", data: Array("x".utf8), messageID: "h1:10", expectedLastSubjectSequence: 0)
            Issue.record("expected-no-message on a subject with messages was accepted")
        } catch {
            #expect(error.isWrongLastSequence, "\(error)")
        }
        // A repeated message id within the window is a duplicate, not a second message.
        let dup = try js.publish(
            subject: "act.h1", data: Array("two".utf8), messageID: "h1:2", expectedLastSubjectSequence: nil)
        #expect(dup.duplicate && dup.sequence == 3)

        let last = try #require(try js.lastMessage(stream: "ACT", subject: "act.h1"))
        #expect(
            last.sequence == 3 && last.messageID == "h1:2" && last.data == Array("two".utf8) && last.subject == "act.h1"
        )
        let first = try #require(try js.message(stream: "ACT", sequence: 2))
        #expect(first.messageID == "h2:1" && first.subject == "act.h2")
        #expect(try js.message(stream: "ACT", sequence: 99) == nil)
        let after = try #require(try js.streamInfo("ACT"))
        #expect(after.messages == 3 && after.lastSequence == 3)
    }

    @Test("a durable pull consumer delivers in stream order after a start sequence, filtered by subject, and acks")
    func pullConsumer() throws {
        guard let servers = try singleServer("js-pull") else { return }
        defer { servers.stopAll() }
        let js = try JetStreamConnection(ConnectOptions(servers: servers.urls))
        _ = try js.ensureStream(name: "ACT", subjects: ["act.>"], replicas: 1)
        var last: [String: UInt64] = [:]
        for i in 1...30 {
            let h = i % 3 == 0 ? "h2" : "h1"
            let a = try js.publish(
                subject: "act.\(h)", data: Array("\(i)".utf8), messageID: "\(h):\(i)",
                expectedLastSubjectSequence: last[h] ?? 0)
            last[h] = a.sequence
        }
        // All subjects, from the start.
        var c = try js.pullConsumer(stream: "ACT", durable: "central", filterSubject: nil, afterSequence: 0)
        var got: [UInt64] = []
        while got.count < 30 {
            let batch = try c.fetch(max: 7, timeoutMilliseconds: 2000)
            guard !batch.isEmpty else { break }
            got += batch.map(\.streamSequence)
            try batch.last!.acknowledge()
        }
        #expect(got == Array(1...30))
        #expect(try c.fetch(max: 5, timeoutMilliseconds: 200).isEmpty)

        // A new run resumes after its committed position, whatever the server's ack state.
        c = try js.pullConsumer(stream: "ACT", durable: "central", filterSubject: nil, afterSequence: 25)
        let rest = try c.fetch(max: 100, timeoutMilliseconds: 2000)
        #expect(rest.map(\.streamSequence) == Array(26...30))
        #expect(
            rest.first?.messageID == "h1:26" && rest.first?.data == Array("26".utf8) && rest.first?.subject == "act.h1")

        // Split by subject: a second collector takes only h2.
        let h2 = try js.pullConsumer(stream: "ACT", durable: "central-h2", filterSubject: "act.h2", afterSequence: 0)
        let h2msgs = try h2.fetch(max: 100, timeoutMilliseconds: 2000)
        #expect(h2msgs.map(\.streamSequence) == Array(stride(from: 3, through: 30, by: 3)).map(UInt64.init))
        #expect(h2msgs.allSatisfy { $0.subject == "act.h2" })
    }

    @Test("a message outlives the consumer that delivered it: acknowledged after the consumer is dropped and recreated")
    func messageOutlivesConsumer() throws {
        guard let servers = try singleServer("js-outlive") else { return }
        defer { servers.stopAll() }
        let js = try JetStreamConnection(ConnectOptions(servers: servers.urls))
        _ = try js.ensureStream(name: "ACT", subjects: ["act.>"], replicas: 1)
        for i in 1...5 {
            _ = try js.publish(
                subject: "act.h1", data: Array("\(i)".utf8), messageID: "h1:\(i)",
                expectedLastSubjectSequence: UInt64(i - 1))
        }
        // The collector's pattern: the store holds the newest message until its write is durable; meanwhile a
        // failed fetch makes the collector drop its consumer and create another. The held message must still
        // acknowledge (nats.c acks through the message's subscription: it must not have been destroyed).
        var held: ReceivedMessage?
        do {
            let c = try js.pullConsumer(stream: "ACT", durable: "central", filterSubject: nil, afterSequence: 0)
            held = try c.fetch(max: 5, timeoutMilliseconds: 2000).last
        }
        let fresh = try js.pullConsumer(stream: "ACT", durable: "central", filterSubject: nil, afterSequence: 5)
        let m = try #require(held)
        #expect(m.streamSequence == 5)
        try m.acknowledge()
        held = nil
        #expect(try fresh.fetch(max: 5, timeoutMilliseconds: 300).isEmpty)
    }

    @Test("a connect to a server that is not there fails with a clear error")
    func connectFails() throws {
        let port = try freePorts(1)[0]
        var o = ConnectOptions(servers: ["nats://127.0.0.1:\(port)"])
        o.timeoutMilliseconds = 500
        #expect(throws: NATSError.self) { try JetStreamConnection(o) }
    }
}
