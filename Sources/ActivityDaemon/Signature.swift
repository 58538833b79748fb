import Crypto
import Foundation
import ActivityModel

/// Verifies signed datagrams: `<app-id> <hex HMAC-SHA256 of the payload> <payload>` (DESIGN.md).
///
/// When an input has keys configured, every datagram must be signed by a known application: an unknown
/// app id is `unknown_key`, a malformed or wrong signature `bad_signature`. Comparison is constant-time
/// (swift-crypto's `isValidAuthenticationCode`).
struct SignatureVerifier: Sendable {
    /// Raw key bytes (SymmetricKey is not Sendable; one is made per verification, which is cheap).
    let keys: [String: [UInt8]]

    init(keys: [String: [UInt8]]) { self.keys = keys }

    /// Loads key files: the file's bytes are the key (a trailing newline is ignored). Throws naming the file.
    static func load(_ paths: [String: String]) throws -> SignatureVerifier {
        var keys: [String: [UInt8]] = [:]
        for (app, path) in paths {
            guard var data = FileManager.default.contents(atPath: path) else {
                throw DaemonError("input.udp.keys.\(app): cannot read key file \(path)")
            }
            while let last = data.last, last == 0x0A || last == 0x0D { data.removeLast() }
            guard data.count >= 16 else { throw DaemonError("input.udp.keys.\(app): key in \(path) is shorter than 16 bytes") }
            keys[app] = [UInt8](data)
        }
        return SignatureVerifier(keys: keys)
    }

    var isEnabled: Bool { !keys.isEmpty }

    /// Returns the payload's byte range when the signature is valid, else the reason to reject.
    func verify(_ b: [UInt8]) -> Result<Range<Int>, RejectReason> {
        guard let s1 = b.firstIndex(of: 0x20), s1 > 0 else { return .failure(.badSignature) }
        guard let s2 = b[(s1 + 1)...].firstIndex(of: 0x20), s2 - s1 - 1 == 64 else { return .failure(.badSignature) }
        guard let app = String(validating: b[0..<s1], as: UTF8.self), let keyBytes = keys[app] else { return .failure(.unknownKey) }
        let key = SymmetricKey(data: keyBytes)
        var mac = [UInt8]()
        mac.reserveCapacity(32)
        var i = s1 + 1
        while i < s2 {
            guard let hi = hexValue(b[i]), let lo = hexValue(b[i + 1]) else { return .failure(.badSignature) }
            mac.append(hi << 4 | lo)
            i += 2
        }
        let payload = (s2 + 1)..<b.count
        let ok = b.withUnsafeBytes { raw in
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: UnsafeRawBufferPointer(rebasing: raw[payload]), using: key)
        }
        return ok ? .success(payload) : .failure(.badSignature)
    }

    private func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x57
        case 0x41...0x46: return c - 0x37
        default: return nil
        }
    }
}
