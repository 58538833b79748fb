import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import ActivityConfig

/// Serves every counter as Prometheus text (format 0.0.4) at `GET /metrics` on `[metrics] listen`.
final class MetricsEndpoint: Service, @unchecked Sendable {
    // @unchecked Sendable: `channel` is set once in `run` and only read after.
    let address: HostPort
    let counters: DaemonCounters
    let group: any EventLoopGroup
    let logger: Logger
    let onBound: @Sendable (SocketAddress?) -> Void

    init(
        address: HostPort, counters: DaemonCounters, group: any EventLoopGroup, logger: Logger,
        onBound: @escaping @Sendable (SocketAddress?) -> Void
    ) {
        self.address = address
        self.counters = counters
        self.group = group
        self.logger = logger
        self.onBound = onBound
    }

    func run() async throws {
        let counters = self.counters
        try await serveHTTP(
            address: address, group: group, logger: logger, message: "metrics endpoint listening",
            metadataKey: "metrics.address", onBound: onBound
        ) { pipeline in
            try pipeline.configureHTTPServerPipeline()
            try pipeline.addHandler(MetricsHandler(counters: counters))
        }
    }
}

final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked Sendable: used only on its channel's event loop.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let counters: DaemonCounters
    private var head: HTTPRequestHead?

    init(counters: DaemonCounters) { self.counters = counters }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            let (status, body): (HTTPResponseStatus, String) =
                (h.method == .GET && (h.uri == "/metrics" || h.uri == "/"))
                ? (.ok, counters.snapshot.prometheusText()) : (.notFound, "not found\n")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: status, headers: headers))),
                promise: nil)
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
            head = nil
        }
    }
}
