import Foundation
import Crypto
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import ActivityModel
import ActivityConfig
import ActivityEnrich
import ActivityReports

/// `POST /v1/check` on `[api] listen` (docs/openapi/check.yaml): an application asks, before it lets a login
/// through, what the risk engine would flag, and gets `allow`, `challenge` or `block` by the `[risk]` policy,
/// with the reasons and the enrichment of the address.
///
/// It reads the risk state and the enrichment snapshot in memory and never waits for the store: a recorded
/// check (`api.record`) is offered to the pipeline queue without waiting, and counted as dropped when full.
final class CheckEndpoint: Service, @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable and Sendable or internally synchronized.
    let address: HostPort
    let api: CheckAPI
    let group: any EventLoopGroup
    let logger: Logger
    let onBound: @Sendable (SocketAddress?) -> Void

    init(
        address: HostPort, api: CheckAPI, group: any EventLoopGroup, logger: Logger,
        onBound: @escaping @Sendable (SocketAddress?) -> Void
    ) {
        self.address = address; self.api = api; self.group = group; self.logger = logger; self.onBound = onBound
    }

    func run() async throws {
        let api = self.api
        try await serveHTTP(
            address: address, group: group, logger: logger, message: "check API listening",
            metadataKey: "api.address", onBound: onBound
        ) { try CheckHandler.configure($0, api: api) }
    }
}

/// The check logic without the transport: authentication, validation, verdict, response body.
///
/// Per check it allocates little: the body is decoded by ``CheckRequest`` (no Foundation), the answer is written
/// as JSON bytes by a ``JSONWriter`` that ``CheckHandler`` copies into the one buffer it sends, and the verdict is
/// counted without the counters' lock (``CheckResultCounters``).
struct CheckAPI: Sendable {
    let configuration: APIConfiguration
    let risk: RiskHolder
    let enrichment: EnrichmentHolder
    let counters: DaemonCounters
    /// Where recorded checks go (the pipeline queue); nil when `record` is off.
    let record: BoundedQueue<PipelineItem>?

    /// Counts the refusal and writes its body: `{"error":label,"message":…}`.
    func refuse(_ status: HTTPResponseStatus, _ result: CheckResult, _ message: String, into w: inout JSONWriter)
        -> HTTPResponseStatus
    {
        counters.checkResults.add(result)
        w.begin(); w.name("error"); w.string(result.rawValue); w.name("message"); w.string(message); w.end()
        return status
    }

    /// The token named by an `Authorization: Bearer …` header, compared by SHA-256 in constant time.
    func token(_ header: String?) -> APIToken? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        let digest = SHA256.hash(data: Array(header.utf8.dropFirst(7)))
        var found: APIToken?
        for t in configuration.tokens {
            var diff: UInt8 = 0
            var n = 0
            for (a, b) in zip(t.sha256, digest) { diff |= a ^ b; n += 1 }
            if diff == 0 && t.sha256.count == n && n == SHA256.byteCount { found = t }
        }
        return found
    }

    /// Answers one request: writes the response body into `w` and returns its status. `token` is the caller's
    /// already checked token for this `Authorization` header (``CheckHandler`` keeps the last one per connection),
    /// or nil to check it here.
    func handle(
        method: HTTPMethod, uri: String, authorization: String?, body: UnsafeBufferPointer<UInt8>,
        token known: APIToken? = nil, into w: inout JSONWriter
    ) -> HTTPResponseStatus {
        guard uri == "/v1/check" else {
            return refuse(.notFound, .notFound, "the only resource is /v1/check", into: &w)
        }
        guard method == .POST else { return refuse(.methodNotAllowed, .methodNotAllowed, "use POST", into: &w) }
        guard let token = known ?? token(authorization) else {
            return refuse(.unauthorized, .unauthorized, "missing or unknown bearer token", into: &w)
        }
        let request: CheckRequest
        switch CheckRequest.decode(body) {
        case .success(let r): request = r
        case .failure(let f): return refuse(.badRequest, .badRequest, f.message, into: &w)
        }
        var ip: IPAddress?
        if let ipText = request.ip {
            guard let a = IPAddress(ipText) else {
                return refuse(.badRequest, .badRequest, "ip is not an IPv4 or IPv6 address", into: &w)
            }
            ip = a
        }
        let account = request.account
        if !token.accounts.isEmpty {
            guard let account, token.accounts.contains(account) else {
                return refuse(
                    .forbidden, .forbiddenAccount,
                    "this token may only ask about accounts: \(token.accounts.joined(separator: ", "))", into: &w)
            }
        }
        guard request.action == nil || request.action == "login" else {
            return refuse(.badRequest, .badRequest, "action must be \"login\"", into: &w)
        }

        var e = ActivityEvent(
            time: SystemClock.now(), category: .login, action: .login, outcome: .success, user: request.user)
        e.account = account
        e.device = request.device
        e.ip = ip
        if ip != nil { Enricher(snapshot: enrichment.snapshot).enrich(&e) }
        let verdict = risk.check(e)
        let policy = account.flatMap { risk.configuration.accounts[$0] } ?? risk.configuration.policy
        let decision = CheckResult(rawValue: policy.decision(for: verdict.flags)) ?? .allow
        counters.checkResults.add(decision)

        var checkID: String?
        if let record {
            let id = UUID().uuidString.lowercased()
            checkID = id
            var stored = e
            stored.action = Action(rawValue: "login_check")
            stored.outcome = .unknown
            stored.entry = "api"
            stored.attrs["check_id"] = id
            stored.attrs["verdict"] = decision.rawValue
            if !verdict.flags.isEmpty { stored.attrs["risk"] = verdict.flags.nameList }
            if !verdict.reasons.isEmpty { stored.attrs["risk_why"] = verdict.why }
            if !record.tryPush(.checks([stored])) {
                counters.update { $0.dropped["check_queue_full", default: 0] += 1 }
            }
        }

        w.begin()
        w.name("verdict"); w.string(decision.rawValue)
        w.name("flags"); w.raw("[")
        var first = true
        for (flag, name) in RiskFlags.names where verdict.flags.contains(flag) {
            if !first { w.raw(",") }
            first = false
            w.string(name)
        }
        w.raw("]")
        w.name("why"); w.raw("[")
        for (i, r) in verdict.reasons.enumerated() { if i > 0 { w.raw(",") }; w.string(r) }
        w.raw("]")
        w.name("enrichment"); w.begin()
        if let g = e.geo {
            w.field("country", g.country); w.field("city", g.city)
            if let asn = g.asn { w.name("asn"); w.integer(asn) }
            w.field("as_org", g.asOrg)
        }
        let n = e.net ?? NetFlags()
        w.name("vpn"); w.raw(n.vpn ? "true" : "false")
        w.name("proxy"); w.raw(n.proxy ? "true" : "false")
        w.name("tor"); w.raw(n.tor ? "true" : "false")
        w.name("hosting"); w.raw(n.hosting ? "true" : "false")
        w.name("lists"); w.raw("[")
        for (i, l) in n.lists.enumerated() { if i > 0 { w.raw(",") }; w.string(l) }
        w.raw("]")
        w.end()
        if let checkID { w.name("check_id"); w.string(checkID) }
        w.end()
        return .ok
    }
}

/// HTTP/1.1 framing for ``CheckAPI``: keep-alive, bodies bounded by `api.max_body` (413 beyond, then close).
///
/// It sits right after NIO's request decoder, without the response encoder or the pipelining handler: each
/// answer is written whole (status line, headers, body) as one buffer with one write and flush, since every
/// request is answered before the next part is read (so pipelined requests are answered in order anyway).
/// A request NIO cannot parse gets a 400 and the connection closes.
final class CheckHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked Sendable: used only on its channel's event loop.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer
    let api: CheckAPI
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    /// The last `Authorization` header that named a token on this connection, and its token: a client sends the
    /// same one with every request, so its SHA-256 is taken once per connection, not per check.
    private var lastAuthorization: String?
    private var lastToken: APIToken?

    init(api: CheckAPI) { self.api = api }

    /// A connection's handlers: NIO's request decoder, then this handler (which writes its answers as bytes).
    static func configure(_ pipeline: ChannelPipeline.SynchronousOperations, api: CheckAPI) throws {
        try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        try pipeline.addHandler(CheckHandler(api: api))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            tooLarge =
                (h.headers.first(name: "Content-Length").flatMap { Int($0) } ?? 0) > api.configuration.maxBodyBytes
        case .body(var buffer):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + buffer.readableBytes > api.configuration.maxBodyBytes {
                tooLarge = true; body = nil; return
            }
            if body == nil { body = buffer } else { body!.writeBuffer(&buffer) }
        case .end:
            guard let h = head else { return }
            head = nil
            var w = JSONWriter(capacity: 1024)
            let status: HTTPResponseStatus
            if tooLarge {
                status = api.refuse(
                    .payloadTooLarge, .tooLarge, "the body is larger than \(api.configuration.maxBodyBytes) bytes",
                    into: &w)
            } else {
                let authorization = h.headers.first(name: "Authorization")
                let known = authorization != nil && authorization == lastAuthorization ? lastToken : nil
                status = (body ?? ByteBuffer()).withUnsafeReadableBytes { raw in
                    raw.withMemoryRebound(to: UInt8.self) { bytes in
                        api.handle(
                            method: h.method, uri: h.uri, authorization: authorization, body: bytes, token: known,
                            into: &w)
                    }
                }
                if known == nil, status != .unauthorized, h.method == .POST, h.uri == "/v1/check", let authorization {
                    lastAuthorization = authorization
                    lastToken = api.token(authorization)
                }
            }
            w.newline()
            let close = tooLarge || !h.isKeepAlive
            var out = context.channel.allocator.buffer(capacity: w.output.count + 160)
            CheckHandler.writeHead(
                version: h.version, status: status, contentLength: w.output.count, close: close, into: &out)
            out.writeBytes(w.output.buffer)
            let done = context.writeAndFlush(wrapOutboundOut(out))
            if close {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in bound.value.close(promise: nil) }
            }
            body = nil
            tooLarge = false
        }
    }

    /// The status line and headers of an answer with a JSON body of `contentLength` bytes.
    static func writeHead(
        version: HTTPVersion, status: HTTPResponseStatus, contentLength: Int, close: Bool, into out: inout ByteBuffer
    ) {
        out.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        out.writeString(String(status.code))
        out.writeStaticString(" ")
        out.writeString(status.reasonPhrase)
        out.writeStaticString("\r\nContent-Type: application/json\r\nContent-Length: ")
        out.writeString(String(contentLength))
        if status == .unauthorized { out.writeStaticString("\r\nWWW-Authenticate: Bearer") }
        if close { out.writeStaticString("\r\nConnection: close") }
        out.writeStaticString("\r\n\r\n")
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Malformed HTTP (NIO's decoder failed): count it, answer 400 and close.
        api.counters.checkResults.add(.badRequest)
        var w = JSONWriter(capacity: 128)
        w.begin(); w.name("error"); w.string(CheckResult.badRequest.rawValue); w.name("message");
        w.string("malformed HTTP request"); w.end()
        w.newline()
        var out = context.channel.allocator.buffer(capacity: 256)
        CheckHandler.writeHead(
            version: .http1_1, status: .badRequest, contentLength: w.output.count, close: true, into: &out)
        out.writeBytes(w.output.buffer)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
