import ActivityModel
import Crypto
import Foundation

/// Signed application datagrams: `<app-id> <hex HMAC-SHA256 of the payload> <payload>` (DESIGN.md). The one
/// place that writes the form (`activityctl send --app`, activity-web's audit events) and reads it (the
/// daemon's UDP input).
public enum SignedDatagram {
    /// `payload` signed by `app` with `key`.
    public static func sign(_ payload: [UInt8], app: String, key: [UInt8]) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: key))
        return Array("\(app) \(Hex.encode(Array(mac))) ".utf8) + payload
    }

    /// Why a key file cannot be used.
    public struct KeyError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// A key file's bytes (a trailing newline is not part of the key); at least 16 bytes.
    /// - Throws: ``KeyError`` naming the file.
    public static func loadKey(path: String) throws(KeyError) -> [UInt8] {
        guard var data = FileManager.default.contents(atPath: path) else {
            throw KeyError(description: "cannot read key file \(path)")
        }
        while let last = data.last, last == 0x0A || last == 0x0D { data.removeLast() }
        guard data.count >= 16 else { throw KeyError(description: "the key in \(path) is shorter than 16 bytes") }
        return [UInt8](data)
    }
}

/// Verifies signed datagrams (``SignedDatagram``).
///
/// When an input has keys configured, every datagram must be signed by a known application: an unknown
/// app id is `unknown_key`, a malformed or wrong signature `bad_signature`. Comparison is constant-time
/// (swift-crypto's `isValidAuthenticationCode`).
public struct SignatureVerifier: Sendable {
    /// Raw key bytes (SymmetricKey is not Sendable; one is made per verification, which is cheap).
    let keys: [String: [UInt8]]

    /// A verifier of datagrams signed with these keys, by application id.
    public init(keys: [String: [UInt8]]) { self.keys = keys }

    /// Loads key files (application id → path; ``SignedDatagram/loadKey(path:)``).
    /// - Throws: ``SignedDatagram/KeyError`` naming the file.
    public static func load(_ paths: [String: String]) throws(SignedDatagram.KeyError) -> SignatureVerifier {
        var keys: [String: [UInt8]] = [:]
        for (app, path) in paths { keys[app] = try SignedDatagram.loadKey(path: path) }
        return SignatureVerifier(keys: keys)
    }

    /// True when keys are configured (then every datagram must be signed).
    public var isEnabled: Bool { !keys.isEmpty }

    /// The payload's byte range when the signature is valid, else the reason to reject.
    public func verify(_ b: [UInt8]) -> Result<Range<Int>, RejectReason> {
        guard let s1 = b.firstIndex(of: 0x20), s1 > 0 else { return .failure(.badSignature) }
        guard let s2 = b[(s1 + 1)...].firstIndex(of: 0x20), s2 - s1 - 1 == 64 else { return .failure(.badSignature) }
        guard let app = String(validating: b[0..<s1], as: UTF8.self), let keyBytes = keys[app] else {
            return .failure(.unknownKey)
        }
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
            HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: UnsafeRawBufferPointer(rebasing: raw[payload]), using: key)
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
