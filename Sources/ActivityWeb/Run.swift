import ActivityConfig
import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// Starting activity-web: what the executable calls.
public enum WebServer {
    /// A bcrypt hash for `web.user[].bcrypt`.
    public static func hashPassword(_ password: String, cost: UInt8 = 12) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// The session key: the configured file's bytes (at least 32), else random per start.
    public static func sessionKey(_ c: WebConfiguration) throws -> [UInt8] {
        guard let path = c.sessionKey else { return SessionSigner.randomKey() }
        guard let d = FileManager.default.contents(atPath: path) else {
            throw AuditError("cannot read web.session_key \(path)")
        }
        guard d.count >= 32 else {
            throw AuditError(
                "web.session_key \(path): at least 32 bytes are needed (head -c 32 /dev/urandom > \(path))")
        }
        return Array(d)
    }

    /// The server's TLS configuration from web.tls_certificate and web.tls_key (nil: plain HTTP).
    public static func tlsConfiguration(_ c: WebConfiguration) throws -> TLSConfiguration? {
        guard let certPath = c.tlsCertificate, let keyPath = c.tlsKey else { return nil }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(certPath) } catch {
            throw AuditError("web.tls_certificate \(certPath): not a readable PEM certificate (\(error))")
        }
        do { key = try NIOSSLPrivateKey(file: keyPath, format: .pem) } catch {
            throw AuditError("web.tls_key \(keyPath): not a readable PEM private key (\(error))")
        }
        guard !chain.isEmpty else { throw AuditError("web.tls_certificate \(certPath): no certificate in it") }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        return tls
    }

    /// Serves until SIGTERM or SIGINT. `onListening` gets the bound address (`127.0.0.1:8089`).
    public static func run(
        dataDirectory: String, configuration c: WebConfiguration, listen: HostPort, logger: Logger,
        onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        let app = try WebApp(
            dataDirectory: dataDirectory, configuration: c, sessionKey: try sessionKey(c), logger: logger)
        let server: HTTPServerBuilder =
            try tlsConfiguration(c).map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        let application = Application(
            router: app.router(),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(listen.host, port: listen.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                onListening(
                    HostPort("\(listen.host.contains(":") ? "[\(listen.host)]" : listen.host):\(port)")?.description
                        ?? "\(listen.host):\(port)")
            },
            logger: logger
        )
        try await application.runService()
    }
}
