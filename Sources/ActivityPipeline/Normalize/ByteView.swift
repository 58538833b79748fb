/// A forward cursor over the UTF-8 bytes of one line, shared by the syslog parser and the rules.
///
/// Why hand-written: the normalizer sees every line of every auth log, and most lines match nothing, so the
/// cost of deciding "not mine" dominates. Swift `Regex` costs microseconds per line; `String.hasPrefix`
/// compares by Unicode canonical equivalence. Byte comparisons against `StaticString` literals are a
/// `memcmp`. All reads are bounds-checked and return optionals: nothing here traps on input.
///
/// The cursor only lives inside `withContiguousStorageIfAvailable` (or an array copy), so the pointer
/// never escapes the call that made it.
struct ByteView {
    let base: UnsafeBufferPointer<UInt8>
    var i: Int
    let end: Int

    init(_ base: UnsafeBufferPointer<UInt8>, from: Int = 0) {
        self.base = base
        self.i = from
        self.end = base.count
    }

    var atEnd: Bool { i >= end }
    var remaining: Int { end - i }

    func peek(_ offset: Int = 0) -> UInt8? {
        let j = i + offset
        return j >= 0 && j < end ? base[j] : nil
    }

    /// True when the bytes at the cursor are `s` (the cursor does not move).
    func hasPrefix(_ s: StaticString) -> Bool { matches(s, at: i) }

    func matches(_ s: StaticString, at j: Int) -> Bool {
        let n = s.utf8CodeUnitCount
        guard j >= 0, j + n <= end else { return false }
        let p = s.utf8Start
        var k = 0
        while k < n {
            if base[j + k] != p[k] { return false }
            k += 1
        }
        return true
    }

    /// Skips `s` when it is at the cursor.
    mutating func skip(_ s: StaticString) -> Bool {
        guard hasPrefix(s) else { return false }
        i += s.utf8CodeUnitCount
        return true
    }

    mutating func skip(byte b: UInt8) -> Bool {
        guard i < end, base[i] == b else { return false }
        i += 1
        return true
    }

    mutating func skipSpaces() {
        while i < end, base[i] == 0x20 { i += 1 }
    }

    /// The index of the first occurrence of `s` at or after the cursor, or nil.
    func find(_ s: StaticString, from start: Int? = nil) -> Int? {
        let n = s.utf8CodeUnitCount
        guard n > 0 else { return i }
        let first = s.utf8Start[0]
        var j = start ?? i
        while j + n <= end {
            if base[j] == first && matches(s, at: j) { return j }
            j += 1
        }
        return nil
    }

    /// The index of the last occurrence of `s` at or after the cursor, or nil (rules that read attacker text
    /// take sshd's or dropbear's own part from the end of the line).
    func findLast(_ s: StaticString) -> Int? {
        var j = end - s.utf8CodeUnitCount
        while j >= i {
            if matches(s, at: j) { return j }
            j -= 1
        }
        return nil
    }

    func find(byte b: UInt8, from start: Int? = nil) -> Int? {
        var j = start ?? i
        while j < end {
            if base[j] == b { return j }
            j += 1
        }
        return nil
    }

    /// True when the line ends with `s`.
    func hasSuffix(_ s: StaticString) -> Bool { matches(s, at: end - s.utf8CodeUnitCount) }

    func string(_ from: Int, _ to: Int) -> String {
        guard from < to, from >= 0, to <= end else { return "" }
        return String(decoding: UnsafeBufferPointer(rebasing: base[from..<to]), as: UTF8.self)
    }

    /// Reads up to the next space (or the end); nil when that is empty.
    mutating func word() -> String? {
        let s = i
        while i < end, base[i] != 0x20 { i += 1 }
        return s < i ? string(s, i) : nil
    }

    /// Reads up to (not including) `b`, and skips `b`; nil when `b` does not occur.
    mutating func upTo(byte b: UInt8) -> String? {
        guard let j = find(byte: b) else { return nil }
        let s = string(i, j)
        i = j + 1
        return s
    }

    /// Reads up to (not including) `s`, and skips `s`; nil when `s` does not occur.
    mutating func upTo(_ s: StaticString) -> String? {
        guard let j = find(s) else { return nil }
        let out = string(i, j)
        i = j + s.utf8CodeUnitCount
        return out
    }

    /// The rest of the line.
    mutating func rest() -> String {
        let s = string(i, end)
        i = end
        return s
    }

    /// Reads a decimal number of at most 18 digits.
    mutating func int() -> Int? {
        var v = 0
        var n = 0
        while i < end, base[i] >= 0x30, base[i] <= 0x39, n < 18 {
            v = v * 10 + Int(base[i] - 0x30)
            i += 1
            n += 1
        }
        return n > 0 ? v : nil
    }

    /// Reads exactly `n` decimal digits.
    mutating func digits(_ n: Int) -> Int? {
        guard i + n <= end else { return nil }
        var v = 0
        for k in i..<(i + n) {
            let c = base[k]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        i += n
        return v
    }
}

extension String {
    /// Runs `body` over the string's UTF-8 bytes without copying when the storage is contiguous (native
    /// Swift strings always are), else over a copy.
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        let copy = Array(utf8)
        return copy.withUnsafeBufferPointer(body)
    }
}

extension Substring {
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        let copy = Array(utf8)
        return copy.withUnsafeBufferPointer(body)
    }
}
