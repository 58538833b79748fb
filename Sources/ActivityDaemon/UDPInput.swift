import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import ServiceLifecycle
import ActivityModel
import ActivityConfig

/// Receives datagrams on the configured addresses (IPv4 and IPv6) with SwiftNIO and hands them, in the
/// batches one read cycle produced, to the pipeline queue. The event loop never waits: when the queue is
/// full, datagrams are dropped and counted (`dropped{reason="queue_full"}`).
final class UDPInput: Service, @unchecked Sendable {
    // @unchecked Sendable: `channels` is written once in `run` before `onBound` is called, and only read after.
    let configuration: UDPInputConfiguration
    let index: Int
    /// Sockets handed over by systemd (LISTEN_FDS); when present they are used instead of `listen`.
    let activatedDescriptors: [Int32]
    let queue: BoundedQueue<PipelineItem>
    let counters: DaemonCounters
    let logger: Logger
    let group: any EventLoopGroup
    let onBound: @Sendable ([SocketAddress]) -> Void
    private var channels: [any Channel] = []

    /// Datagrams read per `recvmmsg` call, and the slot size of each (a whole maximal UDP payload).
    static let vectorCount = 16
    /// Read cycles of a busy socket at most this often (``DatagramHandler``, read coalescing).
    static let coalesce = TimeAmount.milliseconds(1)
    static let slotBytes = 65_536

    init(
        configuration: UDPInputConfiguration, index: Int, activatedDescriptors: [Int32] = [],
        queue: BoundedQueue<PipelineItem>, counters: DaemonCounters,
        group: any EventLoopGroup, logger: Logger, onBound: @escaping @Sendable ([SocketAddress]) -> Void
    ) {
        self.configuration = configuration
        self.index = index
        self.activatedDescriptors = activatedDescriptors
        self.queue = queue
        self.counters = counters
        self.group = group
        self.logger = logger
        self.onBound = onBound
    }

    func run() async throws {
        var bound: [SocketAddress] = []
        let targets: [(address: HostPort?, fd: Int32?)] =
            activatedDescriptors.isEmpty
            ? configuration.listen.map { ($0, nil) }
            : activatedDescriptors.map { (nil, $0) }
        for target in targets {
            let handler = DatagramHandler(queue: queue, counters: counters, input: index, coalesce: UDPInput.coalesce)
            let bootstrap = DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(configuration.receiveBufferBytes))
                .channelOption(.datagramVectorReadMessageCount, value: UDPInput.vectorCount)
                .channelOption(
                    .recvAllocator,
                    value: FixedSizeRecvByteBufferAllocator(capacity: UDPInput.vectorCount * UDPInput.slotBytes)
                )
                .channelOption(.maxMessagesPerRead, value: 4)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
            let channel: any Channel
            if let fd = target.fd {
                channel = try await bootstrap.withBoundSocket(fd).get()
            } else if let hp = target.address {
                channel = try await bootstrap.bind(host: hp.host, port: hp.port).get()
            } else {
                continue
            }
            channels.append(channel)
            if let local = channel.localAddress { bound.append(local) }
            let granted = (try? await channel.getOption(.socketOption(.so_rcvbuf)).get()) ?? 0
            // Linux reports twice the usable size it granted.
            if Int(granted) / 2 < configuration.receiveBufferBytes {
                logger.warning(
                    "the kernel capped the UDP receive buffer; raise net.core.rmem_max for bursts",
                    metadata: [
                        "udp.requested_bytes": "\(configuration.receiveBufferBytes)",
                        "udp.granted_bytes": "\(Int(granted) / 2)",
                    ])
            }
            logger.info("listening", metadata: ["udp.address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        }
        onBound(bound)
        // Kernel drops on our sockets (the `drops` column of /proc/net/udp{,6}), read every second, so datagrams
        // lost before activityd saw them are counted too (`activityd_kernel_drops_total`).
        let ports = Set(bound.compactMap(\.port))
        let counters = self.counters
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let drops = UDPInput.kernelDrops(ports: ports)
            counters.update { s in for (p, d) in drops { s.kernelDropsByPort[p] = d } }
            try? await Task.sleep(for: .milliseconds(500))
        }
        for c in channels { try? await c.close() }
    }

    /// Sums the `drops` column of /proc/net/udp and udp6 per local port.
    static func kernelDrops(ports: Set<Int>) -> [Int: Int] {
        var out: [Int: Int] = [:]
        for file in ["/proc/net/udp", "/proc/net/udp6"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let cols = line.split(separator: " ")
                guard cols.count > 2, let colon = cols[1].lastIndex(of: ":"),
                    let port = Int(cols[1][cols[1].index(after: colon)...], radix: 16), ports.contains(port),
                    let d = Int(cols[cols.count - 1])
                else { continue }
                out[port, default: 0] += d
            }
        }
        return out
    }
}

/// Copies each datagram out of NIO's receive buffer and queues the batch of one read cycle.
///
/// When the pipeline queue is full, the handler keeps the batch and stops reading the socket (NIO's
/// `autoRead` off) until the queue has room again, checking every millisecond: meanwhile datagrams wait in the
/// socket's receive buffer (`receive_buffer`, 64 MiB by default), which costs no process memory, and only
/// when that overflows does the kernel drop them, counted per socket (`activityd_kernel_drops_total`).
/// Dropping here instead lost datagrams at every short stall although the kernel had room for them.
///
/// Read coalescing: when read cycles come less than ``coalesce`` apart and the last one emptied the socket, the
/// handler stops reading until ``coalesce`` after it, so a steady stream is read in bursts of that period's
/// datagrams instead of one wake-up per arrival (measured at 20k datagrams/s sent two at a time: ~10,000
/// wake-ups a second of the UDP loop, each a chance to preempt the check API's loop on a busy host). A cycle
/// that filled its read vectors is followed at once (more is waiting), and a slow stream is read as it comes,
/// so neither throughput nor a quiet sender's latency changes; a busy stream's datagrams wait at most
/// ``coalesce`` longer in the socket buffer. Order and loss are as without it.
final class DatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked Sendable: used only on its channel's event loop.
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let queue: BoundedQueue<PipelineItem>
    let counters: DaemonCounters
    let input: Int
    /// The shortest time between two read cycles of a busy stream; zero: read as soon as the socket is readable.
    let coalesce: TimeAmount
    /// The most datagrams one read cycle can return (vector size × messages per read): a cycle that read this
    /// many did not empty the socket.
    let cycleCapacity: Int
    private var batch: [Datagram] = []
    /// The payloads of the datagrams read since the last flush, back to back, and those datagrams (their
    /// `bytes` set when they move to `batch`).
    private var bytes: [UInt8] = []
    private var read: [ReadDatagram] = []
    private struct ReadDatagram {
        var range: Range<Int>
        var source: IPAddress?
        var port: Int
        var received: Timestamp
    }
    /// Datagrams read but not yet queued (the queue was full); reading is paused while there are any.
    private var pending: [Datagram] = []
    /// Datagrams read in the current cycle, and when the last cycle ended.
    private var cycleCount = 0
    private var lastCycle: NIODeadline?
    /// Reading is paused for coalescing (not for back-pressure).
    private(set) var isResting = false

    init(
        queue: BoundedQueue<PipelineItem>, counters: DaemonCounters, input: Int,
        coalesce: TimeAmount = .zero, cycleCapacity: Int = UDPInput.vectorCount * 4
    ) {
        self.queue = queue
        self.counters = counters
        self.input = input
        self.coalesce = coalesce
        self.cycleCapacity = cycleCapacity
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let (ip, port) = Self.source(envelope.remoteAddress)
        let start = bytes.count
        envelope.data.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
        read.append(ReadDatagram(range: start..<bytes.count, source: ip, port: port, received: SystemClock.now()))
        cycleCount += 1
        if read.count >= 256 { flush(context: context) }
    }

    /// Moves the datagrams read since the last call into `batch`, each payload a slice of one buffer: the copies
    /// out of NIO's receive buffer cost one allocation per read cycle instead of one per datagram (measured: the
    /// allocator was ~6 % of the daemon's samples on the event loop, and each datagram was freed again on the
    /// pipeline thread).
    private func takeRead() {
        guard !read.isEmpty else { return }
        let buffer = bytes
        batch.reserveCapacity(batch.count + read.count)
        for r in read {
            batch.append(
                Datagram(bytes: buffer[r.range], source: r.source, port: r.port, received: r.received, input: input))
        }
        read.removeAll(keepingCapacity: true)
        // A fresh buffer (the datagrams hold this one), sized for a cycle like the last.
        bytes = []
        bytes.reserveCapacity(Swift.max(4096, buffer.count + buffer.count / 4))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context: context)
        let n = cycleCount
        cycleCount = 0
        guard coalesce > .zero else { return }
        let now = context.eventLoop.now
        defer { lastCycle = now }
        guard n > 0, n < cycleCapacity, pending.isEmpty, !isResting, let last = lastCycle, now - last < coalesce else {
            return
        }
        isResting = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(deadline: now + coalesce) { [self] in
            isResting = false
            // Back-pressure (pending datagrams) keeps reading off; its own retry turns it back on.
            guard pending.isEmpty else { return }
            bound.value.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            bound.value.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket error (e.g. ICMP-driven) must not close the channel.
        counters.update { $0.dropped["socket_error", default: 0] += 1 }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Closing (shutdown): what is still held goes to the queue if it can, else it is counted as dropped.
        takeRead()
        pending += batch
        batch = []
        if !pending.isEmpty && !queue.tryPush(.datagrams(pending)) {
            let n = pending.count
            counters.update {
                $0.dropped["queue_full", default: 0] += n; $0.datagramsReceived += n
            }
        }
        pending = []
        context.fireChannelInactive()
    }

    private func flush(context: ChannelHandlerContext) {
        takeRead()
        guard !batch.isEmpty else { return }
        if pending.isEmpty && queue.tryPush(.datagrams(batch)) {
            // A fresh array: the queued one keeps its buffer, and one kept at the largest capacity ever seen
            // would make every queued batch as large as the biggest read cycle (measured: 14 MB under load).
            batch = []
            batch.reserveCapacity(16)
            return
        }
        // The queue is full (or already paused): hold the datagrams and stop reading until there is room.
        let wasPaused = !pending.isEmpty
        pending += batch
        batch = []
        guard !wasPaused else { return }
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        counters.update { $0.udpReadPauses += 1 }
        retry(context: NIOLoopBound(context, eventLoop: context.eventLoop))
    }

    private func retry(context: NIOLoopBound<ChannelHandlerContext>) {
        context.value.eventLoop.scheduleTask(in: .milliseconds(1)) { [self] in
            guard !pending.isEmpty else { return }
            guard queue.tryPush(.datagrams(pending)) else { return retry(context: context) }
            pending = []
            let ctx = context.value
            ctx.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            ctx.read()
        }
    }

    /// The sender's address, read from the sockaddr NIO received (no intermediate arrays: this runs per datagram).
    static func source(_ a: SocketAddress) -> (IPAddress?, Int) {
        switch a {
        case .v4(let v4):
            // sockaddr_in: family (2), port (2), then the 4 address bytes.
            let v = withUnsafeBytes(of: v4.address) {
                UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            }
            return (.v4(v), a.port ?? 0)
        case .v6(let v6):
            // sockaddr_in6 on Linux: family (2), port (2), flow info (4), then the 16 address bytes.
            let (hi, lo) = withUnsafeBytes(of: v6.address) { raw in
                (
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
                )
            }
            return (.v6(hi, lo), a.port ?? 0)
        case .unixDomainSocket:
            return (nil, 0)
        }
    }
}
