import ActivityModel

/// Parses an IP list file (VPN, proxy, Tor, hosting ranges) into an ``IPRangeSet``.
///
/// Format, one entry per line:
/// - an IPv4 or IPv6 CIDR (`203.0.113.0/24`, `2001:db8::/32`) or a bare address (a /32 or /128);
/// - `#` starts a comment, on its own line or after an entry;
/// - leading and trailing spaces, tabs and a CR (CRLF files) are ignored; blank lines are skipped;
/// - host bits set in a CIDR are cleared (`10.1.2.3/8` is `10.0.0.0/8`), as most publishers expect;
/// - IPv4-mapped IPv6 entries (`::ffff:198.51.100.0/120`) count as IPv4.
///
/// Anything else — text that is not an address, a prefix length out of range, a second word on the line, an
/// `AS<number>` entry (ASN lists need an ASN database, not an IP list) — is a bad line: it is counted and the
/// first ``maxReportedBadLines`` are reported with their 1-based line numbers. A bad line never fails the parse.
/// Bytes that are not UTF-8 are just bad lines.
public struct IPListParser: Sendable {
    /// How many bad lines are kept with their text (all are counted).
    public var maxReportedBadLines: Int

    /// Creates a parser.
    ///
    /// - Parameter maxReportedBadLines: how many bad lines to report in detail (default 20).
    public init(maxReportedBadLines: Int = 20) {
        self.maxReportedBadLines = max(0, maxReportedBadLines)
    }

    /// Parses list text.
    ///
    /// - Parameter text: the file's contents.
    /// - Returns: the ranges, the number of entries, and the bad lines.
    public func parse(_ text: String) -> IPListParseResult {
        var copy = text
        return copy.withUTF8 { parse(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Parses list bytes (the file's raw contents; no decoding needed).
    ///
    /// - Parameter bytes: the file's contents.
    /// - Returns: the ranges, the number of entries, and the bad lines.
    public func parse(bytes: UnsafeRawBufferPointer) -> IPListParseResult {
        var builder = IPRangeSet.Builder()
        builder.reserveCapacity(bytes.count / 16)
        var entries = 0
        var badCount = 0
        var bad: [IPListBadLine] = []
        var lineNumber = 0
        var lineStart = 0
        let n = bytes.count
        while lineStart < n {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < n && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            // Content ends at '#' (comment) or end of line.
            var end = lineStart
            while end < lineEnd && bytes[end] != UInt8(ascii: "#") { end += 1 }
            var start = lineStart
            while start < end && Self.isSpace(bytes[start]) { start += 1 }
            while end > start && Self.isSpace(bytes[end - 1]) { end -= 1 }
            if start < end {
                var tokenEnd = start
                while tokenEnd < end && !Self.isSpace(bytes[tokenEnd]) { tokenEnd += 1 }
                let token = UnsafeRawBufferPointer(rebasing: bytes[start..<tokenEnd])
                var reason: IPListBadLine.Reason? = nil
                if tokenEnd < end {
                    reason = .trailingText
                } else if let (v4, len) = Self.parseV4CIDR(token) {
                    builder.addV4(v4, prefixLength: len)
                } else {
                    switch Self.parseGeneric(token) {
                    case .success(let cidr): builder.add(cidr)
                    case .failure(let r): reason = r
                    }
                }
                if let r = reason {
                    badCount += 1
                    if bad.count < maxReportedBadLines {
                        let shown = UnsafeRawBufferPointer(rebasing: bytes[start..<min(end, start + 80)])
                        bad.append(
                            IPListBadLine(
                                lineNumber: lineNumber, reason: r,
                                text: String(decoding: shown, as: UTF8.self)))
                    }
                } else {
                    entries += 1
                }
            }
            lineStart = lineEnd + 1
        }
        return IPListParseResult(ranges: builder.build(), entryCount: entries, badLineCount: badCount, badLines: bad)
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

    /// The common case, without allocating: `a.b.c.d` or `a.b.c.d/n`, decimal octets without leading zeros.
    private static func parseV4CIDR(_ t: UnsafeRawBufferPointer) -> (UInt32, Int)? {
        var value: UInt32 = 0, octets = 0, current: UInt32 = 0, digits = 0
        var i = 0
        let n = t.count
        while i < n {
            let c = t[i]
            if c == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | current
                octets += 1; current = 0; digits = 0
            } else if c >= 48 && c <= 57 {
                if digits > 0 && current == 0 { return nil }
                current = current * 10 + UInt32(c - 48)
                digits += 1
                guard current <= 255 else { return nil }
            } else {
                break
            }
            i += 1
        }
        guard digits > 0, octets == 3 else { return nil }
        value = value << 8 | current
        if i == n { return (value, 32) }
        guard t[i] == UInt8(ascii: "/"), i + 1 < n, n - i - 1 <= 2 else { return nil }
        var len = 0
        for j in (i + 1)..<n {
            let c = t[j]
            guard c >= 48 && c <= 57 else { return nil }
            len = len * 10 + Int(c - 48)
        }
        guard len <= 32 else { return nil }
        return (value, len)
    }

    /// IPv6 and everything the fast path rejected: decide between a valid CIDR and the reason it is not one.
    private enum Parsed {
        case success(CIDR)
        case failure(IPListBadLine.Reason)
    }

    private static func parseGeneric(_ t: UnsafeRawBufferPointer) -> Parsed {
        let s = String(decoding: t, as: UTF8.self)
        if let c = CIDR(s[...]) { return .success(c) }
        if s.count > 2, s.prefix(2).uppercased() == "AS", s.dropFirst(2).allSatisfy(\.isNumber) {
            return .failure(IPListBadLine.Reason.autonomousSystemNumber)
        }
        if let slash = s.firstIndex(of: "/"), IPAddress(s[..<slash]) != nil { return .failure(.prefixLengthOutOfRange) }
        return .failure(.notAnAddress)
    }
}

/// The outcome of ``IPListParser/parse(_:)``.
public struct IPListParseResult: Hashable, Sendable {
    /// The merged ranges of every good line.
    public var ranges: IPRangeSet
    /// How many lines held a valid entry (before merging).
    public var entryCount: Int
    /// How many lines were bad (all of them, reported or not).
    public var badLineCount: Int
    /// The first bad lines, in file order.
    public var badLines: [IPListBadLine]

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - ranges: the merged ranges.
    ///   - entryCount: the number of good lines.
    ///   - badLineCount: the number of bad lines.
    ///   - badLines: the reported bad lines.
    public init(ranges: IPRangeSet, entryCount: Int, badLineCount: Int, badLines: [IPListBadLine]) {
        self.ranges = ranges
        self.entryCount = entryCount
        self.badLineCount = badLineCount
        self.badLines = badLines
    }
}

/// A line of an IP list that holds no usable entry.
public struct IPListBadLine: Hashable, Sendable, CustomStringConvertible {
    /// Why a line was rejected.
    public enum Reason: String, Hashable, Sendable {
        /// The text is neither an IPv4 nor an IPv6 address or CIDR.
        case notAnAddress = "not_an_address"
        /// The address is valid but the prefix length is not 0...32 (IPv4) or 0...128 (IPv6).
        case prefixLengthOutOfRange = "prefix_length_out_of_range"
        /// More than one word on the line (put comments after `#`).
        case trailingText = "trailing_text"
        /// An `AS<number>` entry: IP lists hold addresses; match ASNs with the ASN database instead.
        case autonomousSystemNumber = "autonomous_system_number"
    }

    /// 1-based line number in the file.
    public var lineNumber: Int
    /// Why the line was rejected.
    public var reason: Reason
    /// The line's content (trimmed, without its comment, at most 80 bytes).
    public var text: String

    /// Creates a bad-line record.
    ///
    /// - Parameters:
    ///   - lineNumber: 1-based line number.
    ///   - reason: why it was rejected.
    ///   - text: the offending text.
    public init(lineNumber: Int, reason: Reason, text: String) {
        self.lineNumber = lineNumber
        self.reason = reason
        self.text = text
    }

    /// `line 12: not_an_address: "10.0.0.300"`.
    public var description: String { "line \(lineNumber): \(reason.rawValue): \"\(text)\"" }
}
