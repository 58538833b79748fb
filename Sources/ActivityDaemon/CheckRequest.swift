/// The body of a `POST /v1/check`: a JSON object of at most five string members, decoded by hand.
///
/// Why not Foundation: `JSONSerialization` built an `NSDictionary` of `NSString`s for every check (a tree, a
/// bridge and a dozen allocations for five short strings), a large share of the CPU a check costs. This decoder
/// reads exactly the one shape the API accepts, in one pass, and allocates only the strings it returns.
///
/// What it accepts (RFC 8259 for that shape): optional white space, one object whose members are among `user`,
/// `ip`, `device`, `action`, `account`, each at most once, each a JSON string (escapes, `\uXXXX` with surrogate
/// pairs, decoded) that is non-empty and at most ``maxFieldBytes`` UTF-8 bytes once decoded, then optional white
/// space and nothing else. `user` is required. Everything else is a ``Failure`` with the message the API sends
/// back in its 400: a syntax error (with its byte offset), invalid UTF-8, a body that is not an object, an unknown
/// or repeated member, a member that is not a string (numbers, `null`, arrays... are not read further), an empty
/// or too long value, or no `user`.
struct CheckRequest: Hashable, Sendable {
    var user: String
    var ip: String?
    var device: String?
    var action: String?
    var account: String?

    /// The longest value accepted, in UTF-8 bytes after unescaping.
    static let maxFieldBytes = 256

    /// The members, in the order of their bit in the decoder's "seen" mask.
    static let memberNames = ["user", "ip", "device", "action", "account"]

    enum Failure: Error, Hashable, Sendable {
        case syntax(offset: Int)
        case invalidUTF8
        case notAnObject
        case unknownMember(String)
        case duplicateMember(String)
        case notAString(String)
        case emptyOrTooLong(String)
        case missingUser

        /// The text of the 400 answer.
        var message: String {
            switch self {
            case .syntax(let offset): return "the body is not valid JSON (at byte \(offset))"
            case .invalidUTF8: return "the body is not valid UTF-8"
            case .notAnObject: return "the body must be a JSON object"
            case .unknownMember(let k): return "unknown member \"\(k)\""
            case .duplicateMember(let k): return "member \"\(k)\" given twice"
            case .notAString(let k): return "member \"\(k)\" must be a string"
            case .emptyOrTooLong(let k):
                return "member \"\(k)\" must be a non-empty string of at most \(CheckRequest.maxFieldBytes) bytes"
            case .missingUser: return "user is required"
            }
        }
    }

    static func decode(_ bytes: [UInt8]) -> Result<CheckRequest, Failure> {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<CheckRequest, Failure> {
        var p = Decoder(b: bytes)
        do throws(Failure) {
            return .success(try p.request())
        } catch {
            return .failure(error)
        }
    }

    private struct Decoder {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0

        @inline(__always) mutating func skipWS() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func request() throws(Failure) -> CheckRequest {
            skipWS()
            guard i < b.count else { throw .syntax(offset: i) }
            guard b[i] == UInt8(ascii: "{") else {
                // Some other JSON value (or none): say which, for the client's sake.
                if "[\"-0123456789tfn".utf8.contains(b[i]) { throw .notAnObject }
                throw .syntax(offset: i)
            }
            i += 1
            var values: [String?] = [nil, nil, nil, nil, nil]
            skipWS()
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    skipWS()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw .syntax(offset: i) }
                    let member = try key()
                    skipWS()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { throw .syntax(offset: i) }
                    i += 1
                    skipWS()
                    let name = CheckRequest.memberNames[member]
                    guard i < b.count else { throw .syntax(offset: i) }
                    guard b[i] == UInt8(ascii: "\"") else { throw .notAString(name) }
                    guard values[member] == nil else { throw .duplicateMember(name) }
                    let v = try string()
                    guard !v.isEmpty, v.utf8.count <= CheckRequest.maxFieldBytes else { throw .emptyOrTooLong(name) }
                    values[member] = v
                    skipWS()
                    guard i < b.count else { throw .syntax(offset: i) }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard b[i] == UInt8(ascii: "}") else { throw .syntax(offset: i) }
                    i += 1
                    break
                }
            }
            skipWS()
            guard i == b.count else { throw .syntax(offset: i) }
            guard let user = values[0] else { throw .missingUser }
            return CheckRequest(user: user, ip: values[1], device: values[2], action: values[3], account: values[4])
        }

        /// A member name (at its opening quote): the index of the member it names.
        mutating func key() throws(Failure) -> Int {
            let start = i + 1
            var j = start
            while j < b.count, b[j] != UInt8(ascii: "\""), b[j] != UInt8(ascii: "\\"), b[j] >= 0x20 { j += 1 }
            if j < b.count, b[j] == UInt8(ascii: "\"") {
                // No escape (every real client): compare the bytes, no String made.
                let raw = UnsafeBufferPointer(rebasing: b[start..<j])
                for (n, name) in CheckRequest.memberNames.enumerated() where name.utf8.elementsEqual(raw) {
                    i = j + 1
                    return n
                }
            }
            let k = try string()
            guard let n = CheckRequest.memberNames.firstIndex(of: k) else { throw .unknownMember(k) }
            return n
        }

        /// A JSON string at its opening quote, unescaped, as UTF-8 validated text.
        mutating func string() throws(Failure) -> String {
            i += 1
            let start = i
            while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") {
                guard b[i] >= 0x20 else { throw .syntax(offset: i) }
                i += 1
            }
            guard i < b.count else { throw .syntax(offset: i) }
            if b[i] == UInt8(ascii: "\"") {
                defer { i += 1 }
                guard let s = String(validating: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self) else {
                    throw .invalidUTF8
                }
                return s
            }
            // Escapes: decode into a buffer, then validate it whole.
            var out = Array(b[start..<i])
            while true {
                guard i < b.count else { throw .syntax(offset: i) }
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                guard c >= 0x20 else { throw .syntax(offset: i) }
                guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
                guard i + 1 < b.count else { throw .syntax(offset: i) }
                let e = b[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(at: i)
                    i += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            throw .syntax(offset: i)
                        }
                        let low = try hex4(at: i + 2)
                        guard (0xDC00...0xDFFF).contains(low) else { throw .syntax(offset: i) }
                        i += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw .syntax(offset: i - 6)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw .syntax(offset: i) }
                    out.append(contentsOf: String(u).utf8)
                default:
                    throw .syntax(offset: i - 1)
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw .invalidUTF8 }
            return s
        }

        func hex4(at k: Int) throws(Failure) -> UInt32 {
            guard k + 4 <= b.count else { throw .syntax(offset: k) }
            var v: UInt32 = 0
            for j in k..<(k + 4) {
                let c = b[j]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw .syntax(offset: j)
                }
                v = v << 4 | d
            }
            return v
        }
    }
}
