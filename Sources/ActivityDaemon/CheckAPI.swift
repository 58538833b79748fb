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

    init(address: HostPort, api: CheckAPI, group: any EventLoopGroup, logger: Logger,
         onBound: @escaping @Sendable (SocketAddress?) -> Void) {
        self.address = address; self.api = api; self.group = group; self.logger = logger; self.onBound = onBound
    }

    func run() async throws {
        let api = self.api
        try await serveHTTP(address: address, group: group, logger: logger, message: "check API listening",
                            metadataKey: "api.address", onBound: onBound) { CheckHandler(api: api) }
    }
}

/// The check logic without the transport: authentication, validation, verdict, response body.
struct CheckAPI: Sendable {
    let configuration: APIConfiguration
    let risk: RiskHolder
    let enrichment: EnrichmentHolder
    let counters: DaemonCounters
    /// Where recorded checks go (the pipeline queue); nil when `record` is off.
    let record: BoundedQueue<PipelineItem>?

    struct Response { var status: HTTPResponseStatus; var body: String }

    func refuse(_ status: HTTPResponseStatus, _ label: String, _ message: String) -> Response {
        counters.update { $0.checks[label, default: 0] += 1 }
        var w = JSONWriter()
        w.begin(); w.key("error"); w.string(label); w.key("message"); w.string(message); w.end()
        return Response(status: status, body: w.out + "\n")
    }

    /// The token named by an `Authorization: Bearer …` header, compared by SHA-256 in constant time.
    func token(_ header: String?) -> APIToken? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        let digest = Array(SHA256.hash(data: Array(header.dropFirst(7).utf8)))
        var found: APIToken?
        for t in configuration.tokens {
            var diff: UInt8 = 0
            for (a, b) in zip(t.sha256, digest) { diff |= a ^ b }
            if diff == 0 && t.sha256.count == digest.count { found = t }
        }
        return found
    }

    func handle(method: HTTPMethod, uri: String, authorization: String?, body: [UInt8]) -> Response {
        guard uri == "/v1/check" else { return refuse(.notFound, "not_found", "the only resource is /v1/check") }
        guard method == .POST else { return refuse(.methodNotAllowed, "method_not_allowed", "use POST") }
        guard let token = token(authorization) else { return refuse(.unauthorized, "unauthorized", "missing or unknown bearer token") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return refuse(.badRequest, "bad_request", "the body must be a JSON object")
        }
        for key in object.keys where !["user", "ip", "device", "action", "account"].contains(key) {
            return refuse(.badRequest, "bad_request", "unknown member \"\(key)\"")
        }
        func text(_ k: String) -> String?? {
            guard let v = object[k] else { return .some(nil) }
            guard let s = v as? String, !s.isEmpty, s.utf8.count <= 256 else { return nil }
            return .some(s)
        }
        guard let user = text("user"), let user, let ipText = text("ip"), let device = text("device"),
              let action = text("action"), let account = text("account")
        else { return refuse(.badRequest, "bad_request", "user is required; user, ip, device, action and account are non-empty strings of at most 256 bytes") }
        var ip: IPAddress?
        if let ipText {
            guard let a = IPAddress(ipText) else { return refuse(.badRequest, "bad_request", "ip is not an IPv4 or IPv6 address") }
            ip = a
        }
        if !token.accounts.isEmpty {
            guard let account, token.accounts.contains(account) else {
                return refuse(.forbidden, "forbidden_account", "this token may only ask about accounts: \(token.accounts.joined(separator: ", "))")
            }
        }
        let verb = action ?? "login"
        guard verb == "login" else { return refuse(.badRequest, "bad_request", "action must be \"login\"") }

        var e = ActivityEvent(time: SystemClock.now(), category: .login, action: Action(rawValue: "login"), outcome: .success, user: user)
        e.account = account
        e.device = device
        e.ip = ip
        if ip != nil { Enricher(snapshot: enrichment.snapshot).enrich(&e) }
        let verdict = risk.check(e)
        let policy = account.flatMap { risk.configuration.accounts[$0] } ?? risk.configuration.policy
        let names = RiskPolicy.names(verdict.flags)
        let decision = policy.decision(for: verdict.flags)
        counters.update { $0.checks[decision, default: 0] += 1 }

        var checkID: String?
        if let record {
            let id = UUID().uuidString.lowercased()
            checkID = id
            var stored = e
            stored.action = Action(rawValue: "login_check")
            stored.outcome = .unknown
            stored.entry = "api"
            stored.attrs["check_id"] = id
            stored.attrs["verdict"] = decision
            if !names.isEmpty { stored.attrs["risk"] = names.joined(separator: ",") }
            if !verdict.reasons.isEmpty { stored.attrs["risk_why"] = verdict.why }
            if !record.tryPush(.checks([stored])) { counters.update { $0.dropped["check_queue_full", default: 0] += 1 } }
        }

        var w = JSONWriter()
        w.begin()
        w.key("verdict"); w.string(decision)
        w.key("flags"); w.raw("[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        w.key("why"); w.raw("[")
        for (i, r) in verdict.reasons.enumerated() { if i > 0 { w.raw(",") }; w.string(r) }
        w.raw("]")
        w.key("enrichment"); w.begin()
        if let g = e.geo {
            w.field("country", g.country); w.field("city", g.city)
            if let asn = g.asn { w.key("asn"); w.raw(String(asn)) }
            w.field("as_org", g.asOrg)
        }
        let n = e.net ?? NetFlags()
        for (k, v) in [("vpn", n.vpn), ("proxy", n.proxy), ("tor", n.tor), ("hosting", n.hosting)] { w.key(k); w.raw(v ? "true" : "false") }
        w.key("lists"); w.raw("[")
        for (i, l) in n.lists.enumerated() { if i > 0 { w.raw(",") }; w.string(l) }
        w.raw("]")
        w.end()
        if let checkID { w.key("check_id"); w.string(checkID) }
        w.end()
        return Response(status: .ok, body: w.out + "\n")
    }
}

/// HTTP/1.1 framing for ``CheckAPI``: keep-alive, bodies bounded by `api.max_body` (413 beyond, then close).
final class CheckHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked Sendable: used only on its channel's event loop.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let api: CheckAPI
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(api: CheckAPI) { self.api = api }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.removeAll(keepingCapacity: true)
            tooLarge = (h.headers.first(name: "Content-Length").flatMap { Int($0) } ?? 0) > api.configuration.maxBodyBytes
        case .body(var buffer):
            guard !tooLarge else { return }
            if body.count + buffer.readableBytes > api.configuration.maxBodyBytes { tooLarge = true; body = []; return }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let h = head else { return }
            head = nil
            let response = tooLarge
                ? api.refuse(.payloadTooLarge, "too_large", "the body is larger than \(api.configuration.maxBodyBytes) bytes")
                : api.handle(method: h.method, uri: h.uri, authorization: h.headers.first(name: "Authorization"), body: body)
            let close = tooLarge || !h.isKeepAlive
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(response.body.utf8.count))
            if response.status == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Bearer") }
            if close { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: response.status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: response.body)))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if close {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in bound.value.close(promise: nil) }
            }
            body.removeAll(keepingCapacity: true)
            tooLarge = false
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Malformed HTTP: NIO's decoder fails the channel; count it and close.
        api.counters.update { $0.checks["bad_request", default: 0] += 1 }
        context.close(promise: nil)
    }
}
