/// Parameters from a query string or an `application/x-www-form-urlencoded` body: `+` is a space,
/// `%XX` a byte, invalid UTF-8 replaced. Keys may repeat.
public struct FormData: Sendable, Hashable {
    public var pairs: [(String, String)] { zip(keys, values).map { ($0, $1) } }
    private var keys: [String] = []
    private var values: [String] = []

    public init(_ encoded: String?) {
        guard let encoded, !encoded.isEmpty else { return }
        for part in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = part.firstIndex(of: "=") {
                keys.append(FormData.decode(part[..<eq]))
                values.append(FormData.decode(part[part.index(after: eq)...]))
            } else {
                keys.append(FormData.decode(part))
                values.append("")
            }
        }
    }

    /// The first non-empty value of `key`, trimmed of surrounding spaces.
    public subscript(_ key: String) -> String? {
        for (k, v) in zip(keys, values) where k == key {
            let t = v.trimmingSpaces()
            if !t.isEmpty { return t }
        }
        return nil
    }

    /// Every value of `key`, each also split at commas, trimmed, empty ones left out (`user=a&user=b` or `user=a,b`).
    public func list(_ key: String) -> [String] {
        var out: [String] = []
        for (k, v) in zip(keys, values) where k == key {
            for piece in v.split(separator: ",") {
                let t = String(piece).trimmingSpaces()
                if !t.isEmpty, !out.contains(t) { out.append(t) }
            }
        }
        return out
    }

    public func has(_ key: String) -> Bool { keys.contains(key) }

    public static func == (a: FormData, b: FormData) -> Bool { a.keys == b.keys && a.values == b.values }
    public func hash(into h: inout Hasher) { h.combine(keys); h.combine(values) }

    static func decode(_ s: Substring) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "+") {
                out.append(0x20)
            } else if c == UInt8(ascii: "%"), i + 2 < b.count, let h = hexValue(b[i + 1]), let l = hexValue(b[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(c)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-decodes a path segment (`+` stays a plus).
    public static func decodePathSegment(_ s: Substring) -> String {
        decode(Substring(s.replacingPluses()))
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    /// Encodes a value for a query string or path segment: everything but unreserved characters as `%XX`.
    public static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// `k1=v1&k2=v2` with each part encoded; pairs with empty values left out.
    public static func query(_ pairs: [(String, String)]) -> String {
        pairs.filter { !$0.1.isEmpty }.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}

extension Substring {
    func replacingPluses() -> String {
        var out = ""
        for c in self { if c == "+" { out += "%2B" } else { out.append(c) } }
        return out
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
