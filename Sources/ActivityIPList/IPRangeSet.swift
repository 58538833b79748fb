import ActivityModel

/// An immutable set of IPv4 and IPv6 addresses, stored as sorted, merged, non-overlapping closed intervals.
///
/// IPv4 and IPv6 are kept apart (two sorted arrays each). A lookup is one binary search: `O(log n)` with no
/// allocation. Building sorts once (`O(n log n)`) and merges overlapping and adjacent intervals, so nested or
/// duplicated entries in a list cost nothing at lookup time.
///
/// Addresses: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is looked up as its IPv4 address, so a list of IPv4
/// CIDRs matches both forms. ``IPListParser`` likewise stores mapped CIDRs (`::ffff:10.0.0.0/104`) as IPv4.
public struct IPRangeSet: Hashable, Sendable {
    /// IPv4 intervals packed as `start << 32 | end`, ascending. One array rather than two so the final check of
    /// a lookup reads the cache line the search already loaded.
    private var v4: [UInt64] = []
    /// `v4Index[h]` is the number of intervals starting below `h << 16` (65,537 entries; empty when there are
    /// no IPv4 intervals). Intervals starting in the /16 of `x` are `v4Index[h]..<v4Index[h + 1]`, so a lookup
    /// binary-searches only those (plus the one before), touching one or two cache lines instead of ~17 spread
    /// over the whole array: list lookups are memory-bound, not compare-bound.
    private var v4Index: [UInt32] = []
    private var v6Starts: [UInt128] = []
    private var v6Ends: [UInt128] = []

    /// The empty set.
    public init() {}

    /// Builds a set from address blocks (in any order, overlapping or not).
    ///
    /// - Parameter blocks: the blocks.
    public init(_ blocks: some Sequence<CIDR>) {
        var b = Builder()
        for c in blocks { b.add(c) }
        self = b.build()
    }

    /// The number of disjoint IPv4 intervals after merging.
    public var ipv4IntervalCount: Int { v4.count }
    /// The number of disjoint IPv6 intervals after merging.
    public var ipv6IntervalCount: Int { v6Starts.count }
    /// True when the set holds no address.
    public var isEmpty: Bool { v4.isEmpty && v6Starts.isEmpty }

    /// Whether the address is in the set.
    ///
    /// - Parameter address: any address; IPv4-mapped IPv6 is looked up as IPv4.
    /// - Returns: true when an interval contains it.
    public func contains(_ address: IPAddress) -> Bool {
        switch address.unmapped {
        case .v4(let v): return containsV4(v)
        case .v6(let hi, let lo): return containsV6(UInt128(hi) << 64 | UInt128(lo))
        }
    }

    func containsV4(_ x: UInt32) -> Bool {
        guard !v4.isEmpty else { return false }
        let h = Int(x >> 16)
        // packed <= key  ⟺  start <= x.
        let key = UInt64(x) << 32 | 0xFFFF_FFFF
        return v4Index.withUnsafeBufferPointer { index in
            v4.withUnsafeBufferPointer { v4 in
                // Upper bound of x among the starts inside x's /16.
                var lo = Int(index[h]), hi = Int(index[h &+ 1])
                while lo < hi {
                    let mid = (lo &+ hi) >> 1
                    if v4[mid] <= key { lo = mid &+ 1 } else { hi = mid }
                }
                // lo - 1 is the last interval starting at or below x (possibly one starting in an earlier /16).
                return lo > 0 && UInt32(truncatingIfNeeded: v4[lo &- 1]) >= x
            }
        }
    }

    func containsV6(_ x: UInt128) -> Bool {
        v6Starts.withUnsafeBufferPointer { starts in
            var lo = 0, hi = starts.count
            while lo < hi {
                let mid = (lo &+ hi) >> 1
                if starts[mid] <= x { lo = mid &+ 1 } else { hi = mid }
            }
            return lo > 0 && v6Ends[lo &- 1] >= x
        }
    }

    /// The merged intervals, for tests and diagnostics: `(first, last)` address pairs, IPv4 first, ascending.
    public var intervals: [(first: IPAddress, last: IPAddress)] {
        var out: [(first: IPAddress, last: IPAddress)] = []
        out.reserveCapacity(v4.count + v6Starts.count)
        for p in v4 { out.append((.v4(UInt32(truncatingIfNeeded: p >> 32)), .v4(UInt32(truncatingIfNeeded: p)))) }
        for i in v6Starts.indices {
            let s = v6Starts[i], e = v6Ends[i]
            out.append(
                (
                    .v6(UInt64(truncatingIfNeeded: s >> 64), UInt64(truncatingIfNeeded: s)),
                    .v6(UInt64(truncatingIfNeeded: e >> 64), UInt64(truncatingIfNeeded: e))
                ))
        }
        return out
    }

    /// Collects intervals, then sorts and merges them once in ``build()``.
    public struct Builder: Sendable {
        // IPv4 intervals packed as start << 32 | end: sorting plain UInt64 is several times faster than sorting
        // tuples with a closure, and it orders by start first.
        private var v4: [UInt64] = []
        private var v6: [V6Interval] = []

        struct V6Interval: Sendable {
            var start: UInt128
            var end: UInt128
        }

        /// An empty builder.
        public init() {}

        /// Reserves room for about `count` IPv4 entries.
        ///
        /// - Parameter count: the expected number of entries.
        public mutating func reserveCapacity(_ count: Int) { v4.reserveCapacity(count) }

        /// Adds a block. IPv4-mapped IPv6 blocks of /96 or longer are stored as IPv4.
        ///
        /// - Parameter block: the block.
        public mutating func add(_ block: CIDR) {
            switch block.address {
            case .v4(let a):
                addV4(a, prefixLength: block.prefixLength)
            case .v6(let hi, let lo):
                if hi == 0, lo >> 32 == 0xffff, block.prefixLength >= 96 {
                    addV4(UInt32(truncatingIfNeeded: lo), prefixLength: block.prefixLength - 96)
                    return
                }
                let start = UInt128(hi) << 64 | UInt128(lo)
                let hostBits = 128 - block.prefixLength
                let span: UInt128 = hostBits >= 128 ? ~0 : (UInt128(1) << UInt128(hostBits)) &- 1
                v6.append(V6Interval(start: start, end: start | span))
            }
        }

        /// Adds an IPv4 block given as a network address and prefix length (host bits are cleared).
        ///
        /// - Parameters:
        ///   - address: the network address.
        ///   - prefixLength: 0...32; other values are clamped.
        public mutating func addV4(_ address: UInt32, prefixLength: Int) {
            let p = min(max(prefixLength, 0), 32)
            let span: UInt32 = p == 0 ? ~0 : (p == 32 ? 0 : ~UInt32(0) >> UInt32(p))
            let start = address & ~span
            v4.append(UInt64(start) << 32 | UInt64(start | span))
        }

        /// Sorts and merges the collected intervals into a set.
        ///
        /// - Returns: the set.
        public func build() -> IPRangeSet {
            var set = IPRangeSet()
            let sorted4 = v4.sorted()
            var merged: [UInt64] = []
            merged.reserveCapacity(sorted4.count)
            for packed in sorted4 {
                let s = packed >> 32, e = packed & 0xFFFF_FFFF
                if let last = merged.last, s <= (last & 0xFFFF_FFFF) + 1 {
                    if e > last & 0xFFFF_FFFF { merged[merged.count - 1] = (last & ~0xFFFF_FFFF) | e }
                } else {
                    merged.append(packed)
                }
            }
            set.v4 = merged
            if !merged.isEmpty {
                var index = [UInt32](repeating: 0, count: 65_537)
                var i = 0
                for h in 0...65_536 {
                    let bound = UInt64(h) << 16
                    while i < merged.count && merged[i] >> 32 < bound { i += 1 }
                    index[h] = UInt32(i)
                }
                set.v4Index = index
            }
            let sorted6 = v6.sorted { $0.start < $1.start }
            for r in sorted6 {
                if let lastEnd = set.v6Ends.last, lastEnd == ~0 || r.start <= lastEnd + 1 {
                    if r.end > lastEnd { set.v6Ends[set.v6Ends.count - 1] = r.end }
                } else {
                    set.v6Starts.append(r.start)
                    set.v6Ends.append(r.end)
                }
            }
            return set
        }
    }
}
