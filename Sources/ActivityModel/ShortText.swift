/// A string that is usually short and ASCII (a session id: 16 hex digits), held without an allocation when it
/// is: up to 16 ASCII bytes packed in two words, any other string as a `String`.
///
/// `String` keeps at most 15 UTF-8 bytes inline, so every 16-character session id cost one allocation and one
/// free per event decoded (callgrind, a full scan: a fifth of the allocations). Equality and hashing are the
/// `String`'s: a packed value is exactly its ASCII bytes, and a packed and an unpacked value are compared as
/// strings (an unpacked string may be canonically equivalent to an ASCII one, `"\u{212A}"` to `"K"`).
@usableFromInline
package enum ShortText: Hashable, Sendable {
    /// The bytes in memory order (byte `i` of the text is byte `i` of `(lo, hi)` in little-endian memory),
    /// zero past `count`.
    case packed(lo: UInt64, hi: UInt64, count: UInt8)
    case string(String)

    /// The text as a `String`: builds one for a packed value (an allocation for 16 bytes).
    @inlinable package var string: String {
        switch self {
        case .string(let s): return s
        case .packed:
            return withUTF8 { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// `s`, packed when it is at most 16 ASCII bytes.
    @inlinable package init(_ s: String) {
        var s = s
        if let p = s.withUTF8({ ShortText.pack(UnsafeRawBufferPointer($0)) }) { self = p } else { self = .string(s) }
    }

    /// The text of the UTF-8 bytes `b` (invalid sequences repaired, as `String(decoding:as:)` does).
    @inlinable package init(utf8 b: UnsafeRawBufferPointer) {
        if let p = ShortText.pack(b) { self = p } else { self = .string(String(decoding: b, as: UTF8.self)) }
    }

    /// The packed form of `b`; nil when it is longer than 16 bytes or not ASCII.
    @inlinable static func pack(_ b: UnsafeRawBufferPointer) -> ShortText? {
        let n = b.count
        guard n <= 16 else { return nil }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { w in
            if n > 0 { w.baseAddress!.copyMemory(from: b.baseAddress!, byteCount: n) }
        }
        guard (words.0 | words.1) & 0x8080_8080_8080_8080 == 0 else { return nil }
        return .packed(lo: words.0, hi: words.1, count: UInt8(n))
    }

    /// Calls `body` with the text's UTF-8 bytes.
    @inlinable package func withUTF8<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .packed(let lo, let hi, let count):
            var words = (lo, hi)
            return withUnsafeBytes(of: &words) { body(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)])) }
        case .string(var s):
            return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Equal when the strings are.
    @inlinable package static func == (a: ShortText, b: ShortText) -> Bool {
        switch (a, b) {
        case (.packed(let l0, let h0, let n0), .packed(let l1, let h1, let n1)):
            return l0 == l1 && h0 == h1 && n0 == n1
        case (.string(let x), .string(let y)): return x == y
        default: return a.string == b.string
        }
    }

    /// Hashes as the string does, consistently with `==`.
    @inlinable package func hash(into h: inout Hasher) { h.combine(string) }
}
