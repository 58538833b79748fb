/// A strict, bounded JSON reader for one application event (RFC 8259).
///
/// Why not Foundation: on this toolchain `JSONSerialization` costs ~4.8 µs and `JSONDecoder` into an enum
/// ~26 µs for a 250-byte event (measured, see BENCHMARKS.md), against well under 1 µs here, and neither lets us
/// bound nesting or refuse duplicate keys before building the whole tree. This reader:
/// - accepts exactly RFC 8259 (no comments, no trailing commas, no NaN, no leading zeros, no raw control
///   characters in strings); the input must already be valid UTF-8 (the caller checks);
/// - limits nesting to ``maxDepth`` levels (hostile `[[[[…` is refused without recursion blow-up);
/// - refuses duplicate keys within one object (an event whose meaning depends on which duplicate wins is
///   not stored);
/// - keeps numbers as their source text (so `19.99` stays exact and huge numbers are not rounded).
public struct JSONReader {
    public enum Value: Hashable, Sendable {
        case string(String)
        /// The number's text as written (validated against the JSON grammar).
        case number(String)
        case bool(Bool)
        case null
        /// Arrays are kept as their compact JSON text: events have no array fields of their own except
        /// `net.lists`, which is read from ``Value/arrayOfStrings``.
        case array([Value])
        case object([(String, Value)])

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case (.string(let x), .string(let y)): return x == y
            case (.number(let x), .number(let y)): return x == y
            case (.bool(let x), .bool(let y)): return x == y
            case (.null, .null): return true
            case (.array(let x), .array(let y)): return x == y
            case (.object(let x), .object(let y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: return false
            }
        }

        public func hash(into h: inout Hasher) {
            switch self {
            case .string(let s): h.combine(0); h.combine(s)
            case .number(let s): h.combine(1); h.combine(s)
            case .bool(let b): h.combine(b)
            case .null: h.combine(3)
            case .array(let a): h.combine(a)
            case .object(let o): h.combine(o.count); for (k, v) in o { h.combine(k); h.combine(v) }
            }
        }

        /// Compact JSON text of the value (used to keep nested values of unknown keys in `attrs`).
        public var jsonText: String {
            switch self {
            case .string(let s):
                var out = "\""; JSONWriter.escape(s, into: &out); out += "\""; return out
            case .number(let n): return n
            case .bool(let b): return b ? "true" : "false"
            case .null: return "null"
            case .array(let a): return "[" + a.map(\.jsonText).joined(separator: ",") + "]"
            case .object(let o):
                return "{"
                    + o.map { k, v in
                        var out = "\""; JSONWriter.escape(k, into: &out); out += "\":"; return out + v.jsonText
                    }.joined(separator: ",") + "}"
            }
        }
    }

    public enum Failure: Error, Hashable, Sendable {
        case syntax(offset: Int)
        case tooDeep
        case duplicateKey(String)
        case tooManyMembers
    }

    public var maxDepth: Int
    public var maxMembers: Int

    public init(maxDepth: Int = 8, maxMembers: Int = 256) {
        self.maxDepth = maxDepth
        self.maxMembers = maxMembers
    }

    /// Parses one JSON text that must be exactly one value surrounded by optional white space.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Value, Failure> {
        var p = Parser(b: bytes, maxDepth: maxDepth, maxMembers: maxMembers)
        do {
            p.skipWS()
            let v = try p.value(depth: 0)
            p.skipWS()
            guard p.i == bytes.count else { throw Failure.syntax(offset: p.i) }
            return .success(v)
        } catch let f as Failure {
            return .failure(f)
        } catch {
            return .failure(.syntax(offset: p.i))
        }
    }

    public func parse(_ bytes: [UInt8]) -> Result<Value, Failure> {
        bytes.withUnsafeBufferPointer { parse($0) }
    }

    struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        let maxMembers: Int
        var i = 0

        init(b: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxMembers: Int) {
            self.b = b; self.maxDepth = maxDepth; self.maxMembers = maxMembers
        }

        @inline(__always) mutating func skipWS() {
            while i < b.count {
                let c = b[i]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
            }
        }

        mutating func value(depth: Int) throws(Failure) -> Value {
            guard i < b.count else { throw .syntax(offset: i) }
            switch b[i] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "{"):
                guard depth < maxDepth else { throw .tooDeep }
                return try object(depth: depth + 1)
            case UInt8(ascii: "["):
                guard depth < maxDepth else { throw .tooDeep }
                return try array(depth: depth + 1)
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let n = word.utf8CodeUnitCount
            guard i + n <= b.count else { throw .syntax(offset: i) }
            let w = word.utf8Start
            for k in 0..<n where b[i + k] != w[k] { throw .syntax(offset: i + k) }
            i += n
        }

        mutating func object(depth: Int) throws(Failure) -> Value {
            i += 1
            var members: [(String, Value)] = []
            if depth == 1 { members.reserveCapacity(16) }  // an event's object: no regrowth for a typical one
            skipWS()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipWS()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw .syntax(offset: i) }
                let k = try string()
                skipWS()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw .syntax(offset: i) }
                i += 1
                skipWS()
                let v = try value(depth: depth)
                // Linear duplicate check: objects are small (bounded by maxMembers).
                for (existing, _) in members where existing == k { throw .duplicateKey(k) }
                members.append((k, v))
                guard members.count <= maxMembers else { throw .tooManyMembers }
                skipWS()
                guard i < b.count else { throw .syntax(offset: i) }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw .syntax(offset: i)
            }
        }

        mutating func array(depth: Int) throws(Failure) -> Value {
            i += 1
            var items: [Value] = []
            skipWS()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipWS()
                items.append(try value(depth: depth))
                guard items.count <= maxMembers else { throw .tooManyMembers }
                skipWS()
                guard i < b.count else { throw .syntax(offset: i) }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw .syntax(offset: i)
            }
        }

        mutating func number() throws(Failure) -> String {
            let r = try numberRange()
            return String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
        }

        /// Validates a number and returns where its text is.
        mutating func numberRange() throws(Failure) -> Range<Int> {
            let start = i
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count else { throw .syntax(offset: i) }
            if b[i] == UInt8(ascii: "0") {
                i += 1
            } else if b[i] >= 0x31 && b[i] <= 0x39 {
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            } else {
                throw .syntax(offset: i)
            }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                let d = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i > d else { throw .syntax(offset: i) }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                let d = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i > d else { throw .syntax(offset: i) }
            }
            guard i - start <= 64 else { throw .syntax(offset: start) }  // absurdly long numbers are not data
            return start..<i
        }

        /// At a string's opening quote: when the string has no escapes, validates it, moves past it and returns
        /// where its content is (no copy); when it has one, stays put and returns nil (read it with ``string()``).
        @inline(__always) mutating func plainString() throws(Failure) -> Range<Int>? {
            let start = i + 1
            var k = start
            // Eight bytes at a time to the first quote, backslash or control byte (SWAR: in each test the lowest
            // byte flagged is a real one, so `k` lands on it); byte by byte from there. (Byte by byte throughout,
            // the scans were ~1.8k of the decoder's instructions per 250-byte line; callgrind, `activity-bench
            // decode`. Out of line, this loop's gain was lost to the call for the usual short strings.)
            if let base = b.baseAddress {
                let raw = UnsafeRawPointer(base)
                let ones: UInt64 = 0x0101_0101_0101_0101
                let high: UInt64 = 0x8080_8080_8080_8080
                while k + 8 <= b.count {
                    let w = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)
                    let quote = w ^ (ones &* 0x22)
                    let backslash = w ^ (ones &* 0x5C)
                    let found =
                        ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (w &- ones &* 0x20) & ~w) & high
                    if found != 0 {
                        k += found.trailingZeroBitCount >> 3
                        break
                    }
                    k += 8
                }
            }
            while k < b.count {
                let c = b[k]
                if c == UInt8(ascii: "\"") { i = k + 1; return start..<k }
                if c == UInt8(ascii: "\\") { return nil }
                if c < 0x20 { throw .syntax(offset: k) }
                k += 1
            }
            throw .syntax(offset: k)
        }

        mutating func string() throws(Failure) -> String {
            if let r = try plainString() { return String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) }
            // An escape follows a plain prefix (``plainString()`` checked the prefix and found the backslash).
            i += 1
            let start = i
            while b[i] != UInt8(ascii: "\\") { i += 1 }
            var out = Array(UnsafeBufferPointer(rebasing: b[start..<i]))
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if c < 0x20 { throw .syntax(offset: i) }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                i += 1
                guard i < b.count else { throw .syntax(offset: i) }
                switch b[i] {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(at: i + 1)
                    i += 4
                    if scalar >= 0xD800 && scalar <= 0xDBFF {
                        // A high surrogate must be followed by an escaped low surrogate.
                        guard i + 2 < b.count, b[i + 1] == UInt8(ascii: "\\"), b[i + 2] == UInt8(ascii: "u") else {
                            throw .syntax(offset: i)
                        }
                        let low = try hex4(at: i + 3)
                        guard low >= 0xDC00 && low <= 0xDFFF else { throw .syntax(offset: i) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                        throw .syntax(offset: i)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw .syntax(offset: i) }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw .syntax(offset: i)
                }
                i += 1
            }
            throw .syntax(offset: i)
        }

        func hex4(at k: Int) throws(Failure) -> UInt32 {
            guard k + 4 <= b.count else { throw .syntax(offset: k) }
            var v: UInt32 = 0
            for j in k..<(k + 4) {
                let c = b[j]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x61...0x66: d = UInt32(c - 0x57)
                case 0x41...0x46: d = UInt32(c - 0x37)
                default: throw .syntax(offset: j)
                }
                v = v << 4 | d
            }
            return v
        }
    }
}

import ActivityModel
