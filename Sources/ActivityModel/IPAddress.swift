/// An IPv4 or IPv6 address as a value.
///
/// Parsing accepts the textual forms of RFC 4291 §2.2 (with `::` compression and an embedded dotted quad) and
/// dotted-quad IPv4 (no octal, no shortened forms, as `inet_pton` does). An IPv6 zone (`%eth0`) is dropped.
/// Formatting follows RFC 5952 (lower case, longest zero run compressed), so the same address always prints
/// the same way and term indexes match. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is *kept* as IPv6 but
/// ``unmapped`` gives the IPv4 address for lookups.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// An IPv4 address, its four bytes in network order from the most significant byte.
    case v4(UInt32)
    /// An IPv6 address: the high and the low 64 bits, in network order from the most significant bit.
    case v6(UInt64, UInt64)

    /// Parses an address by the rules above; nil when `text` is not one.
    public init?(_ text: String) { self.init(text.utf8[...]) }

    /// Parses an address from a substring; nil when it is not one.
    public init?(_ text: Substring) { self.init(text.utf8) }

    /// Parses an address from the UTF-8 bytes of its text; nil when they are not one.
    public init?<C: Collection>(_ utf8: C) where C.Element == UInt8 { self.init(text: Array(utf8)) }

    /// From UTF-8 bytes in a buffer (decoders reading a line in place; a concrete type, so no generic code runs).
    public init?(_ utf8: UnsafeBufferPointer<UInt8>) {
        // The usual forms, without a zone or brackets, parsed where they are (copied into an array first, an
        // address cost ~1.1k instructions; callgrind, `activity-bench decode`).
        if utf8.count > 0, utf8[0] != UInt8(ascii: "["), !utf8.contains(UInt8(ascii: "%")) {
            guard let v = IPAddress.parse(utf8) else { return nil }
            self = v
        } else {
            self.init(text: Array(utf8))
        }
    }

    /// From the text's UTF-8 bytes (not the address's network-order ``bytes``).
    init?(text bytes: [UInt8]) {
        var bytes = bytes
        if let pct = bytes.firstIndex(of: UInt8(ascii: "%")) { bytes.removeSubrange(pct...) }
        if bytes.count >= 2, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") {
            bytes.removeFirst(); bytes.removeLast()
        }
        guard let v = bytes.withUnsafeBufferPointer({ IPAddress.parse($0) }) else { return nil }
        self = v
    }

    /// An address without zone or brackets: IPv6 when it holds a `:`, else IPv4.
    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        if b.contains(UInt8(ascii: ":")) {
            guard let (hi, lo) = IPAddress.parseV6(b) else { return nil }
            return .v6(hi, lo)
        }
        guard let v = IPAddress.parseV4(b) else { return nil }
        return .v4(v)
    }

    /// The address in network byte order (4 or 16 bytes).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let v): return (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) }
        case .v6(let hi, let lo):
            return (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * $0)) }
        }
    }

    /// True for an IPv4 address. An IPv4-mapped IPv6 address is not: use ``unmapped`` first.
    public var isV4: Bool { if case .v4 = self { return true } else { return false } }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:0:0/96`); otherwise self.
    public var unmapped: IPAddress {
        if case .v6(let hi, let lo) = self, hi == 0, lo >> 32 == 0xffff { return .v4(UInt32(truncatingIfNeeded: lo)) }
        return self
    }

    /// True for addresses that have no public location: private, loopback, link-local, unique-local, CGNAT,
    /// documentation, multicast, unspecified and other IANA special-purpose ranges. Enrichment skips them.
    public var isPrivateOrReserved: Bool {
        switch unmapped {
        case .v4(let v):
            let a = v >> 24, b = (v >> 16) & 0xff
            switch a {
            case 0, 10, 127: return true
            case 100: return b >= 64 && b <= 127  // 100.64.0.0/10 shared address space
            case 169: return b == 254  // link-local
            case 172: return b >= 16 && b <= 31
            case 192:
                if b == 168 { return true }
                if b == 0 && (v >> 8) & 0xff == 0 { return true }  // 192.0.0.0/24
                if b == 0 && (v >> 8) & 0xff == 2 { return true }  // 192.0.2.0/24 TEST-NET-1
                return false
            case 198:
                if b == 18 || b == 19 { return true }  // benchmarking
                return b == 51 && (v >> 8) & 0xff == 100  // TEST-NET-2
            case 203: return b == 0 && (v >> 8) & 0xff == 113  // TEST-NET-3
            default: return a >= 224  // multicast, reserved, broadcast
            }
        case .v6(let hi, let lo):
            if hi == 0 && (lo == 0 || lo == 1) { return true }  // :: and ::1
            let top16 = hi >> 48
            if top16 & 0xfe00 == 0xfc00 { return true }  // fc00::/7 unique local
            if top16 & 0xffc0 == 0xfe80 { return true }  // fe80::/10 link-local
            if top16 & 0xff00 == 0xff00 { return true }  // ff00::/8 multicast
            if hi >> 32 == 0x2001_0db8 { return true }  // 2001:db8::/32 documentation
            if hi == 0 && lo >> 32 == 0 { return true }  // ::/96 deprecated v4-compatible
            if hi >> 32 == 0x0064_ff9b && hi & 0xffff_ffff == 0 && lo >> 32 == 0 { return false }  // NAT64 well-known: public
            return false
        }
    }

    /// The RFC 5952 text (`192.0.2.1`, `2001:db8::1`, `::ffff:192.0.2.1`): the same address always prints the same.
    public var description: String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: IPAddress.maxTextBytes) { buf in
            String(decoding: UnsafeBufferPointer(rebasing: buf[..<writeText(buf)]), as: UTF8.self)
        }
    }

    /// ``description`` appended to UTF-8 bytes (JSON writers, no `String` per address).
    public func appendText<Sink: ByteSink & ~Copyable>(to out: inout Sink) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: IPAddress.maxTextBytes) { buf in
            out.put(UnsafeBufferPointer(rebasing: buf[..<writeText(buf)]))
        }
    }

    /// The longest text: `ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff` (39 bytes), `::ffff:255.255.255.255` (22).
    static let maxTextBytes = 40

    /// Writes ``description``'s UTF-8 to the start of `buf` (at least ``maxTextBytes``) and returns its length:
    /// the digits go to memory the formatter owns and reach the caller's sink in one `put` (byte by byte through a
    /// generic sink, the text cost ~1,300 instructions an address: the index formats every address it meets).
    func writeText(_ buf: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var n = 0
        @inline(__always) func put(_ b: UInt8) {
            buf[n] = b
            n &+= 1
        }
        @inline(__always) func octet(_ v: UInt32) {
            let x = v & 0xff
            if x >= 100 { put(0x30 &+ UInt8(truncatingIfNeeded: x / 100)) }
            if x >= 10 { put(0x30 &+ UInt8(truncatingIfNeeded: (x / 10) % 10)) }
            put(0x30 &+ UInt8(truncatingIfNeeded: x % 10))
        }
        @inline(__always) func v4(_ v: UInt32) {
            octet(v >> 24)
            put(UInt8(ascii: "."))
            octet(v >> 16)
            put(UInt8(ascii: "."))
            octet(v >> 8)
            put(UInt8(ascii: "."))
            octet(v)
        }
        switch self {
        case .v4(let v):
            v4(v)
        case .v6(let hi, let lo):
            if hi == 0 && lo >> 32 == 0xffff {
                for b in "::ffff:".utf8 { put(b) }
                v4(UInt32(truncatingIfNeeded: lo))
                return n
            }
            func group(_ i: Int) -> UInt16 {
                UInt16(truncatingIfNeeded: (i < 4 ? hi : lo) >> (48 - 16 * UInt64(i & 3)))
            }
            // RFC 5952: compress the longest run (first if tied) of two or more zero groups.
            var bestStart = -1, bestLen = 0, runStart = -1
            for i in 0...8 {
                if i < 8 && group(i) == 0 {
                    if runStart < 0 { runStart = i }
                } else if runStart >= 0 {
                    let len = i - runStart
                    if len > bestLen && len >= 2 { bestStart = runStart; bestLen = len }
                    runStart = -1
                }
            }
            var i = 0
            var afterColon = true
            while i < 8 {
                if i == bestStart {
                    put(UInt8(ascii: ":"))
                    put(UInt8(ascii: ":"))
                    afterColon = true
                    i += bestLen
                    continue
                }
                if !afterColon { put(UInt8(ascii: ":")) }
                let g = group(i)
                var started = false
                for shift in stride(from: 12, through: 0, by: -4) {
                    let d = Int((g >> UInt16(shift)) & 0xF)
                    if d != 0 || started || shift == 0 { put(hexDigit(UInt8(d))); started = true }
                }
                afterColon = false
                i += 1
            }
        }
        return n
    }

    /// Every IPv4 address before every IPv6 address, then numeric order.
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x < y
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v6(let h1, let l1), .v6(let h2, let l2)): return (h1, l1) < (h2, l2)
        }
    }

    static func parseV4(_ b: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        for c in b {
            if c == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | current
                octets += 1; current = 0; digits = 0
            } else if c >= 48 && c <= 57 {
                if digits > 0 && current == 0 { return nil }  // no leading zeros (ambiguous octal)
                current = current * 10 + UInt32(c - 48)
                digits += 1
                guard current <= 255, digits <= 3 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | current
    }

    /// The groups before and after `::` are counted in full but only the first eight of each kept (more than eight
    /// in all is refused at the end), so no array is made.
    static func parseV6(_ b: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard b.count >= 2, b.count <= 45 else { return nil }
        var head = SIMD8<UInt16>(), tail = SIMD8<UInt16>()
        var headCount = 0, tailCount = 0
        var seenDouble = false
        var i = 0
        if b[0] == UInt8(ascii: ":") {
            guard b[1] == UInt8(ascii: ":") else { return nil }
            seenDouble = true
            i = 2
        }
        /// A group, before the `::` or after it.
        func push(_ g: UInt16) {
            if seenDouble {
                if tailCount < 8 { tail[tailCount] = g }
                tailCount += 1
            } else {
                if headCount < 8 { head[headCount] = g }
                headCount += 1
            }
        }
        while i < b.count {
            // A group, or an embedded IPv4 address as the last 32 bits.
            var j = i
            while j < b.count, b[j] != UInt8(ascii: ":") { j += 1 }
            let token = UnsafeBufferPointer(rebasing: b[i..<j])
            guard !token.isEmpty else { return nil }
            if token.contains(UInt8(ascii: ".")) {
                guard j == b.count, let v4 = parseV4(token) else { return nil }
                push(UInt16(v4 >> 16))
                push(UInt16(v4 & 0xffff))
                i = j
                break
            }
            guard token.count <= 4 else { return nil }
            var g: UInt16 = 0
            for c in token {
                let d: UInt16
                switch c {
                case 48...57: d = UInt16(c - 48)
                case 97...102: d = UInt16(c - 87)
                case 65...70: d = UInt16(c - 55)
                default: return nil
                }
                g = g << 4 | d
            }
            push(g)
            if j == b.count { i = j; break }
            // j points at ':'
            if j + 1 < b.count, b[j + 1] == UInt8(ascii: ":") {
                guard !seenDouble else { return nil }
                seenDouble = true
                i = j + 2
            } else {
                guard j + 1 < b.count else { return nil }  // trailing single ':'
                i = j + 1
            }
        }
        let total = headCount + tailCount
        if seenDouble { guard total <= 7 else { return nil } } else { guard total == 8 else { return nil } }
        // head, then zeros, then tail.
        var hi: UInt64 = 0, lo: UInt64 = 0
        for k in 0..<8 {
            let g: UInt16 = k < headCount ? head[k] : k >= 8 - tailCount ? tail[k - (8 - tailCount)] : 0
            if k < 4 { hi = hi << 16 | UInt64(g) } else { lo = lo << 16 | UInt64(g) }
        }
        return (hi, lo)
    }
}

/// An address block: an address and a prefix length. The address is kept with its host bits cleared.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// The block's first address (host bits cleared).
    public let address: IPAddress
    /// Number of leading network bits: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// `a.b.c.d/n`, `x::/n`, or a bare address (a /32 or /128). Host bits set in the address are cleared
    /// (as most list publishers expect); nil when the text is not an address or the length is out of range.
    public init?(_ text: Substring) {
        let t = text
        if let slash = t.firstIndex(of: "/") {
            guard let addr = IPAddress(t[..<slash]), let n = Int(t[t.index(after: slash)...]) else { return nil }
            let maxLen = addr.isV4 ? 32 : 128
            guard n >= 0, n <= maxLen else { return nil }
            self.init(address: addr, prefixLength: n)
        } else {
            guard let addr = IPAddress(t) else { return nil }
            self.init(address: addr, prefixLength: addr.isV4 ? 32 : 128)
        }
    }

    /// The block of `prefixLength` leading bits that holds `address`; host bits are cleared.
    /// `prefixLength` must be in 0...32 for IPv4 and 0...128 for IPv6: it is not checked here (``init(_:)`` checks
    /// text).
    public init(address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        switch address {
        case .v4(let v):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
            self.address = .v4(v & mask)
        case .v6(let hi, let lo):
            let hm: UInt64 = prefixLength >= 64 ? ~0 : (prefixLength == 0 ? 0 : ~UInt64(0) << UInt64(64 - prefixLength))
            let lm: UInt64 =
                prefixLength <= 64 ? 0 : (prefixLength == 128 ? ~0 : ~UInt64(0) << UInt64(128 - prefixLength))
            self.address = .v6(hi & hm, lo & lm)
        }
    }

    /// Whether `ip` lies in the block. Across families an IPv4 address and its IPv4-mapped IPv6 form count as the
    /// same address.
    public func contains(_ ip: IPAddress) -> Bool {
        switch (address, ip) {
        case (.v4, .v4), (.v6, .v6):
            return CIDR(address: ip, prefixLength: prefixLength).address == address
        case (.v4, .v6):
            let u = ip.unmapped
            return u.isV4 && contains(u)
        case (.v6, .v4(let v)):
            // An IPv4 address falls in an IPv6 block that covers its mapped form.
            return contains(.v6(0, 0xffff_0000_0000 | UInt64(v)))
        }
    }

    /// `address/prefixLength`, the address as RFC 5952 text.
    public var description: String { "\(address)/\(prefixLength)" }
}

extension IPAddress {
    /// A seeded mix of the address (one 64×64-bit multiply, folded): the hash of the open-addressing tables
    /// keyed by address (the index builder's IP postings, the failure-burst detector). `seed` is per process.
    @inlinable @inline(__always)
    public func mixedHash(seed: (UInt64, UInt64)) -> Int {
        let (a, b): (UInt64, UInt64)
        switch self {
        case .v4(let v): (a, b) = (UInt64(v), 0x9E37_79B9_7F4A_7C15)
        case .v6(let hi, let lo): (a, b) = (hi, lo)
        }
        let r = (a ^ seed.0).multipliedFullWidth(by: b ^ seed.1)
        return Int(truncatingIfNeeded: r.high ^ r.low)
    }
}
