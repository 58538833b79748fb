import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import ActivityConfig

/// The daemon's small HTTP/1.1 servers (`/metrics`, the check API): binds `address` on `group`, gives each
/// connection the handlers `configure` adds, logs `message` with the bound address under `metadataKey`, and
/// serves until graceful shutdown.
func serveHTTP(
    address: HostPort, group: any EventLoopGroup, logger: Logger, message: Logger.Message, metadataKey: String,
    onBound: @Sendable (SocketAddress?) -> Void,
    configure: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void
) async throws {
    let channel = try await ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .serverChannelOption(.backlog, value: 1024)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try configure(channel.pipeline.syncOperations)
            }
        }
        .bind(host: address.host, port: address.port).get()
    logger.info(message, metadata: [metadataKey: "\(channel.localAddress.map { "\($0)" } ?? "?")"])
    onBound(channel.localAddress)
    try? await gracefulShutdown()
    try? await channel.close()
}
