import ActivityConfig
import ActivityEnrich
import ActivityModel
import Foundation
import NIOCore
import NIOEmbedded
import Testing
@testable import ActivityDaemon

@Suite("Check API request decoder")
struct CheckRequestTests {
    /// `{"user":"…"}` with `count` times `unit`.
    static func long(_ unit: String, _ count: Int) -> String {
        #"{"user":""# + String(repeating: unit, count: count) + #""}"#
    }

    static let wellFormed: [(String, CheckRequest)] = [
        (#"{"user":"ann"}"#, CheckRequest(user: "ann")),
        (" \n\t{ \"user\" : \"ann\" , \"ip\":\"192.0.2.1\" }\r\n ", CheckRequest(user: "ann", ip: "192.0.2.1")),
        (
            #"{"account":"acme","action":"login","device":"iPhone","ip":"2001:db8::1","user":"bob"}"#,
            CheckRequest(user: "bob", ip: "2001:db8::1", device: "iPhone", action: "login", account: "acme")
        ),
        (#"{"user":"a\"b\\c\/d\n\t"}"#, CheckRequest(user: "a\"b\\c/d\n\t")),
        (#"{"user":"\u00e9t\u00E9 \ud83d\ude00"}"#, CheckRequest(user: "été 😀")),
        (#"{"\u0075ser":"escaped key"}"#, CheckRequest(user: "escaped key")),
        ("{\"user\":\"Zoë 東京\"}", CheckRequest(user: "Zoë 東京")),
        (Self.long("a", 256), CheckRequest(user: String(repeating: "a", count: 256))),
    ]

    @Test("well-formed bodies decode to their members", arguments: wellFormed)
    func decodes(body: String, expected: CheckRequest) throws {
        #expect(try CheckRequest.decode(Array(body.utf8)).get() == expected)
    }

    static let refusals: [(String, CheckRequest.Failure)] = [
        ("", .syntax(offset: 0)),
        ("   ", .syntax(offset: 3)),
        (#"{"user":"#, .syntax(offset: 8)),
        (#"{"user":"ann""#, .syntax(offset: 13)),
        (#"{"user":"ann",}"#, .syntax(offset: 14)),
        (#"{"user":"ann"} {}"#, .syntax(offset: 15)),
        (#"{"user" "ann"}"#, .syntax(offset: 8)),
        (#"{user:"ann"}"#, .syntax(offset: 1)),
        ("{\"user\":\"a\u{01}b\"}", .syntax(offset: 10)),
        (#"{"user":"a\xb"}"#, .syntax(offset: 11)),
        (#"{"user":"\ud800"}"#, .syntax(offset: 14)),  // a lone surrogate: JSONReader reports the end of the escape
        (#"{"user":"\udc00x"}"#, .syntax(offset: 14)),
        (#"{"user":"\u12G4"}"#, .syntax(offset: 13)),
        (#"[{"user":"ann"}]"#, .notAnObject),
        (#""ann""#, .notAnObject),
        ("42", .notAnObject),
        ("null", .notAnObject),
        (#"{"user":42}"#, .notAString("user")),
        (#"{"user":"ann","ip":null}"#, .notAString("ip")),
        (#"{"user":"ann","device":["a"]}"#, .notAString("device")),
        (#"{"user":{"name":"ann"}}"#, .notAString("user")),
        (#"{"user":true}"#, .notAString("user")),
        (#"{"user":"ann","time":"2020-01-01T00:00:00Z"}"#, .unknownMember("time")),
        (#"{"User":"ann"}"#, .unknownMember("User")),
        (#"{"user":"ann","user":"bob"}"#, .duplicateMember("user")),
        (#"{"user":""}"#, .emptyOrTooLong("user")),
        (#"{"user":"ann","account":""}"#, .emptyOrTooLong("account")),
        (Self.long("a", 257), .emptyOrTooLong("user")),
        (Self.long("é", 129), .emptyOrTooLong("user")),
        ("{}", .missingUser),
        (#"{"ip":"192.0.2.1"}"#, .missingUser),
    ]

    @Test("malformed, wrong-typed and out-of-bounds bodies are refused with the reason", arguments: refusals)
    func refuses(body: String, expected: CheckRequest.Failure) {
        #expect(CheckRequest.decode(Array(body.utf8)) == .failure(expected))
    }

    @Test("bytes that are not UTF-8 are refused, in values and in member names")
    func invalidUTF8() {
        let value: [UInt8] = Array(#"{"user":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(CheckRequest.decode(value) == .failure(.invalidUTF8))
        let escaped: [UInt8] = Array(#"{"user":"\n"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(CheckRequest.decode(escaped) == .failure(.invalidUTF8))
        let key: [UInt8] = [0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x22, 0x61, 0x22, 0x7D]
        #expect(CheckRequest.decode(key) == .failure(.invalidUTF8))
    }

    @Test("every failure has a message for the 400 answer")
    func messages() {
        #expect(CheckRequest.Failure.notAString("ip").message == #"member "ip" must be a string"#)
        #expect(CheckRequest.Failure.syntax(offset: 7).message == "the body is not valid JSON (at byte 7)")
        #expect(CheckRequest.Failure.missingUser.message == "user is required")
    }
}

@Suite("Check API over HTTP (EmbeddedChannel)")
struct CheckHandlerTests {
    static let token = "test-token"
    /// `printf %s test-token | sha256sum`
    static let tokenSHA256 = "4c5dc9b7708905f77f5e5d16316b5dfb425e68cb326dcd55a860e90a7707031e"

    func channel(maxBody: Int = 16 * 1024) throws -> (EmbeddedChannel, DaemonCounters) {
        var api = APIConfiguration()
        api.tokens = [APIToken(name: "app", sha256: hexBytes(Self.tokenSHA256), accounts: [])]
        api.maxBodyBytes = maxBody
        let counters = DaemonCounters()
        let check = CheckAPI(
            configuration: api, risk: RiskHolder(configuration: RiskConfiguration()),
            enrichment: EnrichmentHolder(.empty), counters: counters, record: nil)
        let channel = EmbeddedChannel()
        try CheckHandler.configure(channel.pipeline.syncOperations, api: check)
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()  // active, as a served connection
        return (channel, counters)
    }

    func hexBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).compactMap {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)
        }
    }

    func request(_ body: String, token: String? = token, extraHeaders: String = "") -> String {
        "POST /v1/check HTTP/1.1\r\nHost: x\r\n" + (token.map { "Authorization: Bearer \($0)\r\n" } ?? "")
            + extraHeaders + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    /// Everything written back so far, as text.
    func output(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var b = try channel.readOutbound(as: ByteBuffer.self) {
            text += b.readString(length: b.readableBytes) ?? ""
        }
        return text
    }

    @Test("a check is answered 200 with its verdict; refusals are 4xx with a JSON error, and every answer is counted")
    func answersAndRefusals() throws {
        let (channel, counters) = try channel()
        let cases: [(String, String, String)] = [
            (
                request(#"{"user":"ann","ip":"192.0.2.1","device":"iPhone"}"#), "HTTP/1.1 200 OK",
                #"{"verdict":"allow","flags":[],"why":[]"#
            ),
            (
                request(#"{"user":"#), "HTTP/1.1 400 Bad Request",
                #"{"error":"bad_request","message":"the body is not valid JSON (at byte 8)"}"#
            ),
            (request(#"{"user":7}"#), "HTTP/1.1 400 Bad Request", #"member \"user\" must be a string"#),
            (
                request(#"{"user":"ann","ip":"not-an-ip"}"#), "HTTP/1.1 400 Bad Request",
                "ip is not an IPv4 or IPv6 address"
            ),
            (
                request(#"{"user":"ann","action":"order_placed"}"#), "HTTP/1.1 400 Bad Request",
                #"action must be \"login\""#
            ),
            (request(#"{"user":"ann"}"#, token: nil), "HTTP/1.1 401 Unauthorized", "WWW-Authenticate: Bearer"),
            (request(#"{"user":"ann"}"#, token: "wrong"), "HTTP/1.1 401 Unauthorized", "unknown bearer token"),
            (
                "GET /v1/check HTTP/1.1\r\nAuthorization: Bearer test-token\r\n\r\n", "HTTP/1.1 405 Method Not Allowed",
                "use POST"
            ),
            (
                "POST /other HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 404 Not Found",
                "the only resource is /v1/check"
            ),
        ]
        for (req, status, fragment) in cases {
            try channel.writeInbound(ByteBuffer(string: req))
            let answer = try output(channel)
            #expect(answer.hasPrefix(status + "\r\n"), "\(req) → \(answer)")
            #expect(answer.contains(fragment), "\(req) → \(answer)")
            // The Content-Length names exactly the body that follows.
            let parts = answer.components(separatedBy: "\r\n\r\n")
            #expect(parts.count == 2 && answer.contains("Content-Length: \(parts[1].utf8.count)\r\n"), "\(answer)")
            #expect(channel.isActive)
        }
        let checks = counters.snapshot.checks
        #expect(
            checks == ["allow": 1, "bad_request": 4, "unauthorized": 2, "method_not_allowed": 1, "not_found": 1],
            "\(checks)")
        _ = try channel.finish()
    }

    @Test("the same connection keeps its token only while the header is the same one")
    func tokenPerConnection() throws {
        let (channel, counters) = try channel()
        try channel.writeInbound(ByteBuffer(string: request(#"{"user":"ann"}"#)))
        try channel.writeInbound(ByteBuffer(string: request(#"{"user":"ann"}"#)))
        try channel.writeInbound(ByteBuffer(string: request(#"{"user":"ann"}"#, token: "wrong")))
        try channel.writeInbound(ByteBuffer(string: request(#"{"user":"ann"}"#)))
        let answers = try output(channel).components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(answers == ["200", "200", "401", "200"])
        #expect(counters.snapshot.checks == ["allow": 3, "unauthorized": 1])
        _ = try channel.finish()
    }

    @Test("pipelined requests in one read are answered in order")
    func pipelined() throws {
        let (channel, _) = try channel()
        try channel.writeInbound(
            ByteBuffer(string: request(#"{"user":"a"}"#) + request(#"{"user":"#) + request(#"{"user":"b"}"#)))
        let answers = try output(channel).components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(answers == ["200", "400", "200"])
        _ = try channel.finish()
    }

    @Test("an oversized body is refused with 413 and the connection closes, whether announced or streamed")
    func oversized() throws {
        let (channel, counters) = try channel(maxBody: 64)
        let big = #"{"user":""# + String(repeating: "a", count: 100) + #""}"#
        try channel.writeInbound(ByteBuffer(string: request(big)))
        let answer = try output(channel)
        #expect(
            answer.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n") && answer.contains("Connection: close\r\n"),
            "\(answer)")
        #expect(answer.contains(#""error":"too_large""#))
        #expect(!channel.isActive)

        // Chunked, so no Content-Length announces it: refused once the body passes the limit.
        let (chunked, counters2) = try self.channel(maxBody: 64)
        let head = "POST /v1/check HTTP/1.1\r\nAuthorization: Bearer test-token\r\nTransfer-Encoding: chunked\r\n\r\n"
        let part = String(repeating: "a", count: 40)
        try chunked.writeInbound(ByteBuffer(string: head + "28\r\n\(part)\r\n28\r\n\(part)\r\n0\r\n\r\n"))
        #expect(try output(chunked).hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(counters.snapshot.checks == ["too_large": 1] && counters2.snapshot.checks == ["too_large": 1])
    }

    @Test("a request that is not HTTP gets a 400, is counted, and the connection closes")
    func malformedHTTP() throws {
        let (channel, counters) = try channel()
        // The decoder's error stops at CheckHandler (answered there), so it does not reach the caller.
        _ = try channel.writeInbound(ByteBuffer(string: "GARBAGE \u{01}\r\n\r\n"))
        let answer = try output(channel)
        #expect(
            answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n") && answer.contains("Connection: close\r\n"), "\(answer)")
        #expect(answer.contains("malformed HTTP request"))
        #expect(counters.snapshot.checks == ["bad_request": 1])
        #expect(!channel.isActive)
    }
}
