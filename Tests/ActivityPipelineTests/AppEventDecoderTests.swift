import Testing
import PropertyBased
import ActivityModel
@testable import ActivityPipeline
import ActivityTestSupport

@Suite("Application event decoder")
struct AppEventDecoderTests {
    let now = Timestamp(seconds: 1_795_341_600)
    let decoder = AppEventDecoder()

    func decode(_ text: String) -> [AppEventDecoder.LineResult] {
        decoder.decode(datagram: Array(text.utf8), receivedAt: now, source: "127.0.0.1:1")
    }

    func event(_ text: String) -> ActivityEvent? {
        guard case .event(let e)? = decode(text).first else { return nil }
        return e
    }

    @Test("a datagram's lines decode the same from any buffer, their places counted from its start")
    func datagramInBuffer() {
        let text = Array("junk{\"user\":\"a\",\"action\":\"login\"}\nnot json\n".utf8)
        let payload = text[4...]
        var places: [Range<Int>] = []
        var users: [String?] = []
        payload.withUnsafeBufferPointer { b in
            decoder.decode(datagram: b, receivedAt: now, source: nil) { r in
                switch r {
                case .event(let e): users.append(e.user)
                case .notJSON(let line): places.append(line)
                case .rejected: users.append(nil)
                }
            }
        }
        #expect(users == ["a"])
        #expect(places == [(text.count - 4 - 9)..<(text.count - 4 - 1)])
    }

    @Test("export names decode into every field")
    func exportNames() throws {
        let e = try #require(
            event(
                #"{"time":"2026-11-22T10:00:00Z","category":"login","action":"login","outcome":"success","reason":"x","user":"alice","actor":"alice","actor_role":"user","account":"acme","session":"s1","entry":"web","device":"iPhone","ip":"81.2.69.160","port":443,"host":"web-1","service":"portal","comment":"hi","commerce":{"subscription":"S","order":"O","amount":"9.99","currency":"EUR","billing_cycles":3},"attrs":{"k":"v"}}"#
            ))
        #expect(e.time == now)
        #expect(e.category == .login && e.action == .login && e.outcome == .success)
        #expect(e.user == "alice" && e.actor == "alice" && e.actorRole == "user" && e.account == "acme")
        #expect(e.session == "s1" && e.entry == "web" && e.device == "iPhone" && e.port == 443)
        #expect(e.ip == IPAddress("81.2.69.160") && e.host == "web-1" && e.service == "portal" && e.comment == "hi")
        #expect(e.commerce?.amount == "9.99" && e.commerce?.currency == "EUR" && e.commerce?.billingCycles == 3)
        #expect(e.attrs == ["k": "v"])
        #expect(e.origin?.input == "udp" && e.origin?.source == "127.0.0.1:1")
        #expect(e.ingested == now)
    }

    @Test(
        "aliases are accepted",
        arguments: [
            #"{"event.action":"login","user.name":"a","source.ip":"1.2.3.4","@timestamp":"2026-11-22T10:00:00Z"}"#,
            #"{"action":"login","username":"a","client_ip":"1.2.3.4","ts":1795341600}"#,
            #"{"kind":"login","user":"a","ip":"1.2.3.4","timestamp":1795341600000}"#,
        ])
    func aliases(text: String) throws {
        let e = try #require(event(text))
        #expect(e.action == .login && e.category == .login && e.user == "a" && e.ip == IPAddress("1.2.3.4"))
        #expect(e.time == now)
    }

    @Test("a field given under two names keeps the preferred one and the other in attrs, in either order")
    func twoNames() throws {
        let a = try #require(event(#"{"action":"login","user":"b","username":"a"}"#))
        let b = try #require(event(#"{"username":"a","action":"login","user":"b"}"#))
        #expect(a.user == "b" && a.attrs == ["username": "a"])
        #expect(a == b)
    }

    @Test("category is inferred from the action; unknown actions are kept as activity")
    func inference() {
        #expect(event(#"{"action":"plan_extended"}"#)?.category == .admin)
        #expect(event(#"{"action":"Some New Thing"}"#)?.action.rawValue == "some_new_thing")
        #expect(event(#"{"action":"Some New Thing"}"#)?.category == .activity)
        #expect(event(#"{"kind":"admin","action":"user_created"}"#)?.category == .admin)
        #expect(event(#"{"kind":"login_failed","user":"x"}"#)?.outcome == .failure)
        #expect(event(#"{"action":"login"}"#)?.time == now)  // missing time = now
    }

    @Test("several lines per datagram, CRLF and blank lines")
    func lines() {
        let r = decode("{\"action\":\"login\"}\r\n\n{\"action\":\"logout\"}\n")
        #expect(r.count == 2)
    }

    @Test(
        "hostile and malformed input is rejected with a reason",
        arguments: [
            (#"{"action":"login","action":"logout"}"#, RejectReason.duplicateKey),
            (#"{"action":"login""#, .invalidJSON),
            (#"{"user":"x"}"#, .missingAction),
            (#"{"action":"login","ip":"999.1.1.1"}"#, .invalidIP),
            (#"{"action":"login","time":"yesterday"}"#, .invalidTime),
            (#"{"action":"login","time":99999999999999}"#, .invalidTime),  // ms beyond Int64 ns (found by fuzzing)
            (#"{"action":"login","time":12345678901.5}"#, .invalidTime),  // fractional seconds beyond Int64 ns
            (
                #"{"action":"login","n":1e999999999999999999999999999999999999999999999999999999999999999999999}"#,
                .invalidJSON
            ),
            (#"[1,2]"#, .notAnObject),
            (#"{"action":"login","x":"\u0000"}"#, nil),
            (#"{"action":"login","category":"bogus"}"#, .invalidField),
            (#"{"action":{"nested":1}}"#, .invalidField),
            (#"{"action":"login","amount":"12abc"}"#, .invalidField),
        ])
    func hostile(text: String, reason: RejectReason?) {
        let r = decode(text).first
        if let reason {
            #expect(r == .rejected(reason))
        } else {
            if case .event = r {} else { Issue.record("expected an event, got \(String(describing: r))") }
        }
    }

    @Test(
        "the line's grammar decides before its fields: the first invalid member waits for the whole line",
        arguments: [
            (#"{"geo":1,"a":1,"a":2}"#, RejectReason.duplicateKey),  // invalid geo, then a duplicate
            (#"{"geo":1,"a":}"#, .invalidJSON),  // invalid geo, then a syntax error
            (#"{"geo":1,"a":[[[[[[[[[1]]]]]]]]]}"#, .tooDeep),  // invalid geo, then too deep
            (#"{"geo":1,"net":2}"#, .invalidField),
            (#"{"action":"login","\u0061ction":"x"}"#, .duplicateKey),  // a known name, escaped the second time
            (#"{"action":"login","x":1,"\u0078":2}"#, .duplicateKey),  // another name, escaped the second time
            (#"{"action":"login","us\u0065r":"a"}"#, nil),  // an escaped known name is that name
            (#"{"action":"login"} x"#, .invalidJSON),  // trailing bytes
            (#"{"action":"login",}"#, .invalidJSON),  // trailing comma
            (#"{"action":"lo\"gin"}"#, nil),
            (#"{}"#, .missingAction),
            (#" { "action" : "login" } "#, nil),
        ])
    func grammarFirst(text: String, reason: RejectReason?) {
        let r = decode(text).first
        if let reason {
            #expect(r == .rejected(reason), "\(text)")
        } else if case .event(let e)? = r {
            if text.contains("us\\u0065r") { #expect(e.user == "a") }
            if text.contains("lo\\\"gin") { #expect(e.action.rawValue == "lo_gin") }
        } else {
            Issue.record("expected an event from \(text), got \(String(describing: r))")
        }
    }

    @Test("the same object written differently decodes the same: escaped names, white space, member order")
    func spellingsAgree() {
        var g = EventGenerator(seed: 7)
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return Int(x % UInt64(n)) }
        for _ in 0..<1000 {
            var e = g.event()
            e.seq = 0
            let text = e.exportJSON(includeSeq: false)
            guard case .event(let plain)? = decode(text).first,
                case .object(let members) = try? JSONReader().parse(Array(text.utf8)).get()
            else {
                Issue.record("did not decode: \(text)")
                continue
            }
            // Rewrite the top-level object: members shuffled, a character of each name escaped as \u00XX, and
            // white space around every token.
            var order = Array(members.indices)
            for i in order.indices.reversed() { order.swapAt(i, next(i + 1)) }
            let ws = [" ", "\t", " \t ", ""]  // (no line breaks: a datagram's lines are split on them)
            var out = ws[next(4)] + "{"
            for (n, i) in order.enumerated() {
                let (k, v) = members[i]
                var name = ""
                let escapeAt = next(k.unicodeScalars.count)
                for (j, u) in k.unicodeScalars.enumerated() {
                    if j == escapeAt && u.value < 0x80 {
                        let hex = Array("0123456789abcdef")
                        name += "\\u00" + String(hex[Int(u.value >> 4)]) + String(hex[Int(u.value & 15)])
                    } else {
                        name.unicodeScalars.append(u)
                    }
                }
                out +=
                    (n > 0 ? "," : "") + ws[next(4)] + "\"" + name + "\"" + ws[next(4)] + ":" + ws[next(4)] + v.jsonText
                    + ws[next(4)]
            }
            out += "}" + ws[next(4)]
            guard case .event(let rewritten)? = decode(out).first else {
                Issue.record("rewritten did not decode: \(out)")
                continue
            }
            #expect(rewritten == plain, "\(out)")
        }
    }

    @Test("deep nesting is refused without recursion trouble")
    func deep() {
        let deep = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(decode(deep).first == .rejected(.tooDeep))
        #expect(decode(String(repeating: "{", count: 10_000)).first == .rejected(.invalidJSON))
    }

    @Test("invalid UTF-8 is rejected")
    func invalidUTF8() {
        let bytes: [UInt8] = Array(#"{"action":"login","user":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(decoder.decode(datagram: bytes, receivedAt: now, source: nil).first == .rejected(.invalidUTF8))
        let overlong: [UInt8] = Array(#"{"action":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)
        #expect(decoder.decode(datagram: overlong, receivedAt: now, source: nil).first == .rejected(.invalidUTF8))
    }

    @Test("the UTF-8 check agrees with the standard library's on any bytes, ASCII runs of any length included")
    func utf8CheckAgrees() async {
        await propertyCheck(input: Gen.int(in: 0...Int.max)) { seed in
            var x = UInt64(truncatingIfNeeded: seed) | 1
            var bytes: [UInt8] = []
            for _ in 0..<Int(x % 40) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                // Mostly ASCII, sometimes a lead or continuation byte, so both paths and their seams are hit.
                bytes.append(
                    x % 5 == 0 ? UInt8(truncatingIfNeeded: x >> 8) | 0x80 : UInt8(truncatingIfNeeded: x >> 8) & 0x7F)
            }
            let ours = bytes.withUnsafeBufferPointer { validateUTF8($0) }
            #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
        let valid = Array("héllo wörld, ünïcödé and a long ASCII tail to cross eight-byte words 😀".utf8)
        #expect(valid.withUnsafeBufferPointer { validateUTF8($0) })
    }

    @Test("oversized lines are rejected; long values are cut at a character boundary")
    func sizes() {
        let big = "{\"action\":\"login\",\"comment\":\"" + String(repeating: "é", count: 40_000) + "\"}"
        #expect(decode(big).first == .rejected(.oversized))
        let long = "{\"action\":\"login\",\"comment\":\"" + String(repeating: "é", count: 5_000) + "\"}"
        let e = event(long)
        #expect(e?.comment?.utf8.count == 4096)
    }

    @Test("non-JSON lines are handed back for syslog")
    func notJSON() {
        #expect(decode("<34>Oct 11 22:14:15 host sshd[1]: x").first == .notJSON(0..<35))
        // In a mixed datagram, the range points at the syslog line itself.
        let mixed = decode("{\"action\":\"login\"}\r\n<34>Oct 11 22:14:15 host sshd[1]: x\n")
        #expect(mixed.count == 2 && mixed[1] == .notJSON(20..<55))
    }

    @Test("export JSON decodes back to the same event (random events)")
    func exportRoundTrip() {
        var g = EventGenerator(seed: 42)
        for _ in 0..<2000 {
            var e = g.event()
            e.seq = 0
            let text = e.exportJSON(includeSeq: false)
            guard
                case .event(var back)? = decoder.decode(datagram: Array(text.utf8), receivedAt: now, source: nil).first
            else {
                Issue.record("did not decode: \(text)")
                continue
            }
            // The decoder stamps ingested/origin for UDP; compare what the sender controls.
            back.ingested = e.ingested
            back.origin = e.origin
            var expected = e
            expected.reason = e.reason.flatMap { Action(sanitizing: $0)?.rawValue }
            expected.entry = e.entry?.lowercased()
            expected.commerce?.currency = e.commerce?.currency?.uppercased()
            #expect(back == expected, "\(text)")
        }
    }

    @Test("other names are refused as duplicates by their text past the places kept for them, and when not ASCII")
    func duplicateOtherNames() {
        let many = (0..<(AppEventDecoder.otherPlaceCount + 8)).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        for repeated in [0, AppEventDecoder.otherPlaceCount - 1, AppEventDecoder.otherPlaceCount + 3] {
            #expect(decode("{\"action\":\"login\",\(many),\"k\(repeated)\":1}").first == .rejected(.duplicateKey))
        }
        #expect(event("{\"action\":\"login\",\(many)}")?.attrs.count == AppEventDecoder.otherPlaceCount + 8)
        // Canonically equivalent names are one name (as strings compare), wherever the plain ASCII ones came.
        #expect(decode("{\"action\":\"login\",\"a\":1,\"\u{E9}\":1,\"e\u{301}\":2}").first == .rejected(.duplicateKey))
        #expect(decode(#"{"action":"login","a":1,"\u00e9":1,"é":2}"#).first == .rejected(.duplicateKey))
        #expect(event(#"{"action":"login","a":1,"ab":2,"b":3}"#)?.attrs == ["a": "1", "ab": "2", "b": "3"])
    }

    @Test("an attrs object's keys and the line's other names replace each other in place, whichever came first")
    func attrsObjectAndNames() throws {
        let first = try #require(event(#"{"action":"login","path":"/a","attrs":{"path":"/b","x":"1"},"ua":"u"}"#))
        #expect(first.attrs.pairs.map(\.key) == ["path", "x", "user_agent"])
        #expect(first.attrs["path"] == "/b")
        let later = try #require(
            event(#"{"action":"login","attrs":{"path":"/b","user_agent":"v"},"path":"/a","ua":"u"}"#))
        #expect(later.attrs.pairs.map(\.key) == ["path", "user_agent"])
        #expect(later.attrs["path"] == "/a" && later.attrs["user_agent"] == "u")
        let kind = try #require(event(#"{"attrs":{"kind":"k"},"kind":"Weird Thing"}"#))
        #expect(kind.action.rawValue == "weird_thing" && kind.attrs["kind"] == "k")
    }

    @Test(
        "outcome and category spellings in any letter case, matched on bytes or as strings",
        arguments: [
            (#"{"action":"login","outcome":"SuCcEsS"}"#, Outcome.success),
            (#"{"action":"login","outcome":"o\u212A"}"#, .success),  // KELVIN SIGN lowers to "k"
            (#"{"action":"login","outcome":"oK"}"#, .success),
            (#"{"action":"login","outcome":"BLOCKED"}"#, .failure),
            (#"{"action":"login","outcome":"blocked!"}"#, .unknown),
            (#"{"action":"login","outcome":"failure_failure_failure_failure_x"}"#, .unknown),  // longer than a key
            (#"{"action":"login_failed"}"#, .failure),
            (#"{"action":"mfa_failure"}"#, .failure),
            (#"{"action":"page_viewed"}"#, .success),
            (#"{"action":"not_in_the_vocabulary"}"#, .unknown),
        ])
    func outcomes(text: String, outcome: Outcome) {
        #expect(event(text)?.outcome == outcome, "\(text)")
    }

    @Test("categories and kinds in any letter case", arguments: ["LOGIN", "Login", "login", "\\u004cOGIN"])
    func categories(text: String) {
        #expect(event("{\"category\":\"\(text)\",\"action\":\"x\"}")?.category == .login)
        #expect(event("{\"kind\":\"\(text)\"}")?.action == .login)
    }

    @Test("ByteKey lowers exactly the ASCII capitals")
    func byteKeyLowering() {
        for c in UInt8(0)..<0x80 {
            let bytes: [UInt8] = [c, UInt8(ascii: "A"), c]
            let key = bytes.withUnsafeBufferPointer { ByteKey(asciiLowercased: $0) }
            let expected = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            #expect(key == expected.withUnsafeBufferPointer { ByteKey($0) }, "byte \(c)")
        }
        #expect([UInt8(0xC3), 0xA9].withUnsafeBufferPointer { ByteKey(asciiLowercased: $0) } == nil)
    }
}
