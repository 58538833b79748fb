import ActivityPipeline

/// The body of a `POST /v1/check`: a JSON object of at most five string members.
///
/// Read with the pipeline's `JSONReader` (the strict, bounded RFC 8259 reader the UDP input uses, well under a
/// microsecond for a body this size; not Foundation's `JSONSerialization`, which built an `NSDictionary` of
/// `NSString`s for every check), then checked for the one shape the API accepts: one object whose members are
/// among `user`, `ip`, `device`, `action`, `account`, each at most once, each a string that is non-empty and at
/// most ``maxFieldBytes`` UTF-8 bytes once decoded; `user` is required. Everything else is a ``Failure`` with the
/// message the API sends back in its 400: invalid UTF-8, a syntax error (with its byte offset), a body that is not
/// an object, an unknown or repeated member, a member that is not a string, an empty or too long value, or no
/// `user`.
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
        guard validateUTF8(bytes) else { return .failure(.invalidUTF8) }
        let members: [(String, JSONReader.Value)]
        switch JSONReader(maxDepth: 8, maxMembers: 64).parse(bytes) {
        case .success(.object(let m)): members = m
        case .success: return .failure(.notAnObject)
        case .failure(.syntax(let offset)): return .failure(.syntax(offset: offset))
        case .failure(.duplicateKey(let k)):
            return .failure(memberNames.contains(k) ? .duplicateMember(k) : .unknownMember(k))
        case .failure(.tooDeep), .failure(.tooManyMembers): return .failure(.notAnObject)
        }
        var values: [String?] = [nil, nil, nil, nil, nil]
        for (name, value) in members {
            guard let slot = memberNames.firstIndex(of: name) else { return .failure(.unknownMember(name)) }
            guard case .string(let text) = value else { return .failure(.notAString(name)) }
            guard !text.isEmpty, text.utf8.count <= maxFieldBytes else { return .failure(.emptyOrTooLong(name)) }
            values[slot] = text
        }
        guard let user = values[0] else { return .failure(.missingUser) }
        return .success(
            CheckRequest(user: user, ip: values[1], device: values[2], action: values[3], account: values[4]))
    }
}
