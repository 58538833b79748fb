import Foundation
import Testing
import ActivityModel
import ActivityDatagram

/// The signed datagram form is written by `activityctl send --app` and activity-web and read by the daemon's UDP
/// input through one type: what one signs, the other accepts; anything else is refused with its reason.
@Suite("Signed datagrams")
struct SignedDatagramTests {
    let key = Array("0123456789abcdef-secret".utf8)

    @Test("a signed payload verifies and yields the payload's range")
    func roundTrip() throws {
        let payload = Array(#"{"action":"login","user":"ann"}"#.utf8)
        let signed = SignedDatagram.sign(payload, app: "shop", key: key)
        #expect(signed.count == "shop ".utf8.count + 64 + 1 + payload.count)
        let v = SignatureVerifier(keys: ["shop": key])
        let range = try v.verify(signed).get()
        #expect(Array(signed[range]) == payload)
    }

    @Test("a changed byte, another key, an unknown app or a malformed header is refused with its reason")
    func refusals() {
        let payload = Array(#"{"action":"logout"}"#.utf8)
        let signed = SignedDatagram.sign(payload, app: "shop", key: key)
        let v = SignatureVerifier(keys: ["shop": key])
        var flipped = signed
        flipped[flipped.count - 2] ^= 1
        #expect(v.verify(flipped) == .failure(.badSignature))
        #expect(
            SignatureVerifier(keys: ["shop": Array("another-key-of-16-bytes".utf8)]).verify(signed)
                == .failure(.badSignature))
        #expect(SignatureVerifier(keys: ["billing": key]).verify(signed) == .failure(.unknownKey))
        #expect(v.verify(payload) == .failure(.badSignature))
        #expect(v.verify(Array("shop abc {}".utf8)) == .failure(.badSignature))
        #expect(v.verify(Array("shop \(String(repeating: "zz", count: 32)) {}".utf8)) == .failure(.badSignature))
    }

    @Test("key files: a trailing newline is not part of the key; short or unreadable files are refused by name")
    func keyFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signed-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(key + [0x0A]).write(to: URL(fileURLWithPath: dir + "/good"))
        try Data("short\n".utf8).write(to: URL(fileURLWithPath: dir + "/short"))
        #expect(try SignedDatagram.loadKey(path: dir + "/good") == key)
        #expect(throws: SignedDatagram.KeyError.self) { try SignedDatagram.loadKey(path: dir + "/short") }
        do { _ = try SignedDatagram.loadKey(path: dir + "/short"); Issue.record("accepted") } catch {
            #expect(error.description == "the key in \(dir)/short is shorter than 16 bytes")
        }
        do { _ = try SignatureVerifier.load(["shop": dir + "/missing"]); Issue.record("accepted") } catch {
            #expect(error.description == "cannot read key file \(dir)/missing")
        }
    }
}
