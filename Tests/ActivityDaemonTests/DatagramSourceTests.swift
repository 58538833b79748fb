import ActivityModel
import NIOCore
import NIOEmbedded
import Testing
@testable import ActivityDaemon

@Suite("Datagram sender address")
struct DatagramSourceTests {
    @Test(
        "IPv4 and IPv6 senders are read with their ports",
        arguments: [
            ("192.0.2.7", 40000), ("127.0.0.1", 1), ("2001:db8::1", 65535), ("::ffff:198.51.100.9", 514), ("::1", 9),
        ])
    func source(ip: String, port: Int) throws {
        let (got, gotPort) = DatagramHandler.source(try SocketAddress(ipAddress: ip, port: port))
        #expect(got == IPAddress(ip))
        #expect(gotPort == port)
    }
}

@Suite("UDP back-pressure")
struct UDPBackPressureTests {
    func envelope(_ text: String) throws -> AddressedEnvelope<ByteBuffer> {
        AddressedEnvelope(
            remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 40000), data: ByteBuffer(string: text))
    }

    @Test("a full pipeline queue pauses reading and holds the datagrams; they are queued, in order, once there is room")
    func pausesAndResumes() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let queue = BoundedQueue<PipelineItem>(capacity: 1)
        let counters = DaemonCounters()
        try channel.pipeline.syncOperations.addHandler(DatagramHandler(queue: queue, counters: counters, input: 0))
        func texts(_ item: PipelineItem) -> [String] {
            guard case .datagrams(let ds) = item else { return [] }
            return ds.map { String(decoding: $0.bytes, as: UTF8.self) }
        }

        try channel.writeInbound(try envelope("a"))  // one read cycle: queued
        try channel.writeInbound(try envelope("b"))  // the queue is full: held, reading paused
        try channel.writeInbound(try envelope("c"))  // (a second cycle while paused: held too)
        // (EmbeddedChannel keeps no autoRead option to look at: the pause shows in its counter.)
        #expect(counters.snapshot.udpReadPauses == 1)
        #expect(counters.snapshot.droppedTotal == 0)

        loop.advanceTime(by: .milliseconds(5))  // still full: still held

        let first = try #require(queue.popBatch(max: 10, timeout: 0))
        #expect(first.flatMap(texts) == ["a"])
        loop.advanceTime(by: .milliseconds(1))  // room now: the held datagrams go, reading resumes
        let second = try #require(queue.popBatch(max: 10, timeout: 0))
        #expect(second.flatMap(texts) == ["b", "c"])
        try channel.writeInbound(try envelope("d"))  // resumed: straight to the queue again
        #expect(try #require(queue.popBatch(max: 10, timeout: 0)).flatMap(texts) == ["d"])
        #expect(counters.snapshot.udpReadPauses == 1)
        #expect(counters.snapshot.droppedTotal == 0)
        _ = try channel.finish()
    }

    @Test("datagrams still held when the channel closes are queued if there is room, else counted as dropped")
    func closeCountsWhatIsHeld() throws {
        let channel = EmbeddedChannel()
        let queue = BoundedQueue<PipelineItem>(capacity: 1)
        let counters = DaemonCounters()
        try channel.pipeline.syncOperations.addHandler(DatagramHandler(queue: queue, counters: counters, input: 0))
        try channel.writeInbound(try envelope("a"))
        try channel.writeInbound(try envelope("b"))
        _ = try channel.finish()
        #expect(counters.snapshot.dropped["queue_full"] == 1)
        #expect(counters.snapshot.datagramsReceived == 1)
    }
}

/// Counts the reads a handler asks its channel for (a probe placed in front of the handler under test).
final class ReadRequests: ChannelOutboundHandler, @unchecked Sendable {
    // @unchecked Sendable: used only on the embedded channel's loop.
    typealias OutboundIn = Any
    var count = 0
    func read(context: ChannelHandlerContext) { count += 1; context.read() }
}

@Suite("UDP read coalescing")
struct UDPCoalescingTests {
    func envelope(_ text: String) throws -> AddressedEnvelope<ByteBuffer> {
        AddressedEnvelope(
            remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 40000), data: ByteBuffer(string: text))
    }

    func texts(_ items: [PipelineItem]) -> [String] {
        items.flatMap { item -> [String] in
            guard case .datagrams(let ds) = item else { return [] }
            return ds.map { String(decoding: $0.bytes, as: UTF8.self) }
        }
    }

    func setUp(cycleCapacity: Int = 64) throws -> (
        EmbeddedEventLoop, EmbeddedChannel, DatagramHandler, ReadRequests, BoundedQueue<PipelineItem>
    ) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let queue = BoundedQueue<PipelineItem>(capacity: 100)
        let probe = ReadRequests()
        let handler = DatagramHandler(
            queue: queue, counters: DaemonCounters(), input: 0, coalesce: .milliseconds(1), cycleCapacity: cycleCapacity
        )
        try channel.pipeline.syncOperations.addHandler(probe)
        try channel.pipeline.syncOperations.addHandler(handler)
        return (loop, channel, handler, probe, queue)
    }

    @Test(
        "read cycles closer than the period rest until it has passed, then read again; every datagram is queued in order"
    )
    func busyStreamRests() throws {
        let (loop, channel, handler, probe, queue) = try setUp()
        try channel.writeInbound(try envelope("a"))  // the first cycle: nothing to compare with
        #expect(!handler.isResting)
        try channel.writeInbound(try envelope("b"))  // a second one at once: rest for the period
        #expect(handler.isResting)
        try channel.writeInbound(try envelope("c"))  // (whatever arrives meanwhile is kept, in order)
        let reads = probe.count
        loop.advanceTime(by: .microseconds(999))
        #expect(handler.isResting && probe.count == reads)
        loop.advanceTime(by: .microseconds(1))  // the period is over: reading again
        #expect(!handler.isResting && probe.count == reads + 1)
        #expect(texts(try #require(queue.popBatch(max: 10, timeout: 0))) == ["a", "b", "c"])
        _ = try channel.finish()
    }

    @Test("a quiet stream is read as it comes, and a cycle that filled its vectors is followed at once")
    func quietOrFull() throws {
        let (loop, channel, handler, _, queue) = try setUp()
        for t in ["a", "b", "c"] {
            try channel.writeInbound(try envelope(t))
            #expect(!handler.isResting)
            loop.advanceTime(by: .milliseconds(5))
        }
        #expect(texts(try #require(queue.popBatch(max: 10, timeout: 0))) == ["a", "b", "c"])
        _ = try channel.finish()

        let (_, full, fullHandler, _, _) = try setUp(cycleCapacity: 1)
        try full.writeInbound(try envelope("a"))
        try full.writeInbound(try envelope("b"))  // at once, but the cycle was full: more may be waiting
        #expect(!fullHandler.isResting)
        _ = try full.finish()
    }
}
