import ActivityConfig
import ActivityModel
import Crypto
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Signs and checks session cookies: `v1.<hex name>.<expiry seconds>.<hex HMAC-SHA256>`. The principal's
/// roles and accounts are looked up in the configuration on every request, never read from the cookie.
public struct SessionSigner: Sendable {
    let keyBytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    public let lifetimeSeconds: Int64

    public init(key: [UInt8], lifetimeSeconds: Int64) {
        self.keyBytes = key
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A random 32-byte key (sessions end when the process does).
    public static func randomKey() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    public func cookieValue(name: String, now: Int64) -> String {
        let body = "v1.\(Hex.encode(Array(name.utf8))).\(now + lifetimeSeconds)"
        return body + "." + Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: key)))
    }

    /// The name in a valid, unexpired cookie; nil otherwise.
    public func name(fromCookie value: String, now: Int64) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", let nameBytes = Hex.decode(String(parts[1])),
            let expiry = Int64(parts[2]), let mac = Hex.decode(String(parts[3]))
        else { return nil }
        let body = parts[0...2].joined(separator: ".")
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(body.utf8), using: key) else {
            return nil
        }
        guard expiry > now else { return nil }
        return String(decoding: nameBytes, as: UTF8.self)
    }
}

/// Failed logins per source address within a window; a source with too many is refused until they age out.
/// Bounded: beyond `maxSources` the sources with the oldest last failure are forgotten.
public final class LoginLimiter: Sendable {
    let limit: Int
    let windowNanos: Int64
    let maxSources: Int
    private let state = Mutex<[String: [Int64]]>([:])

    public init(limit: Int, windowNanos: Int64, maxSources: Int = 100_000) {
        self.limit = limit; self.windowNanos = windowNanos; self.maxSources = maxSources
    }

    public func isBlocked(_ source: String, now: Int64) -> Bool {
        state.withLock { s in
            guard let times = s[source] else { return false }
            let recent = times.filter { $0 > now - windowNanos }
            s[source] = recent.isEmpty ? nil : recent
            return recent.count >= limit
        }
    }

    public func recordFailure(_ source: String, now: Int64) {
        state.withLock { s in
            var times = (s[source] ?? []).filter { $0 > now - windowNanos }
            times.append(now)
            if times.count > limit { times.removeFirst(times.count - limit) }
            s[source] = times
            if s.count > maxSources {
                let oldest = s.sorted { ($0.value.last ?? 0) < ($1.value.last ?? 0) }.prefix(maxSources / 8)
                for (k, _) in oldest { s[k] = nil }
            }
        }
    }
}

/// Counters for what activity-web refuses and sends, shown at `/metrics` (admin).
public final class WebCounters: Sendable {
    private let values = Mutex<[String: Int]>([:])
    public init() {}
    public func add(_ name: String, _ n: Int = 1) { values.withLock { $0[name, default: 0] += n } }
    public subscript(_ name: String) -> Int { values.withLock { $0[name] ?? 0 } }
    public func snapshot() -> [(String, Int)] {
        values.withLock { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }
}

/// Checks credentials against the configured principals.
public final class Authenticator: Sendable {
    let users: [String: WebPrincipalConfiguration]
    let tokens: [WebPrincipalConfiguration]
    /// SHA-256 of `name NUL password` → expiry (ns) of a recent successful bcrypt check: Basic authentication
    /// sends the password with every request, and bcrypt is deliberately slow.
    private let verified = Mutex<[[UInt8]: Int64]>([:])

    public init(configuration c: WebConfiguration) {
        var u: [String: WebPrincipalConfiguration] = [:]
        for p in c.users { u[p.name] = p }
        users = u
        tokens = c.tokens
        // A hash at the configured cost, so an unknown name costs as long as a wrong password.
        let cost = c.users.first.flatMap { $0.bcrypt }.flatMap { UInt8($0.dropFirst(4).prefix(2)) } ?? 10
        dummyHash = Bcrypt.hash("activity-web timing equalizer", cost: min(max(cost, 4), 16))
    }

    let dummyHash: String

    /// A configured person by name (a session cookie names one).
    public func person(named name: String) -> Principal? {
        users[name].map { Principal($0, kind: .person) }
    }

    public func password(user: String, password: String, now: Int64) -> Principal? {
        guard let p = users[user], let hash = p.bcrypt else {
            // Spend about as long as a real check, so timing does not tell which names exist.
            _ = Bcrypt.verify(password, hash: dummyHash)
            return nil
        }
        let digest = Array(SHA256.hash(data: Array(user.utf8) + [0] + Array(password.utf8) + Array(hash.utf8)))
        if verified.withLock({ ($0[digest] ?? 0) > now }) { return Principal(p, kind: .person) }
        guard Bcrypt.verify(password, hash: hash) else { return nil }
        verified.withLock { v in
            if v.count > 10_000 { v.removeAll() }
            v[digest] = now + 300_000_000_000
        }
        return Principal(p, kind: .person)
    }

    public func token(_ token: String) -> Principal? {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: WebPrincipalConfiguration?
        for t in tokens {
            guard let want = t.sha256, want.count == digest.count else { continue }
            var diff: UInt8 = 0
            for i in 0..<want.count { diff |= want[i] ^ digest[i] }
            if diff == 0 { found = t }
        }
        return found.map { Principal($0, kind: .token) }
    }
}
