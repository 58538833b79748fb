/// The other string key/values a source gave, kept in the order they came.
///
/// A small ordered list rather than a `Dictionary`: events carry a handful of attributes, and building a
/// hash table per event dominated decoding (measured: see BENCHMARKS.md). Lookups are linear, which is
/// faster than hashing at these sizes. Keys are unique: setting an existing key replaces its value in place.
/// Equality and hashing ignore order (two events with the same attributes are equal however they arrived).
///
/// Up to ``inlineCapacity`` ``Pair`` structs are held inline (in an event, inside its one storage allocation),
/// more in an array of ``Pair`` structs — not of tuples: the runtime looks a tuple array's element type up (and
/// destroys its elements through generic code) on every use, which measured several per cent of the decoder
/// and the store.
public struct Attributes: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One key and its value, as stored.
    public struct Pair: Sendable, Hashable {
        /// The attribute's name; unique within one ``Attributes``.
        public var key: String
        /// The value, as the source gave it.
        public var value: String
        /// A pair. Nothing checks uniqueness here: ``Attributes`` keeps keys unique when pairs go through its
        /// subscript.
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    /// How many pairs are held inline, in the event's own storage, before they move to an array.
    public static let inlineCapacity = 6

    /// The first pairs, when there are at most ``inlineCapacity`` (`inlineCount` of them; the rest nil): the
    /// common case, without an allocation of its own. A decoded event's attribute array was one of its three
    /// allocations (callgrind, a full scan: malloc, free and the generic array destruction ~10 % of it). Nil
    /// rather than empty pairs in the free places: those were copied and destroyed string by string.
    @usableFromInline var inline: InlineArray<6, Pair?>
    @usableFromInline var inlineCount: Int
    /// Every pair, once there are more than ``inlineCapacity`` (`inline` is then empty); nil until then.
    @usableFromInline var spilled: [Pair]?

    /// The pairs in the order they came, as an array. Read-only: change them through the subscript, which keeps
    /// keys unique.
    public var storage: [Pair] {
        if let spilled { return spilled }
        var out: [Pair] = []
        out.reserveCapacity(inlineCount)
        for i in 0..<inlineCount { out.append(inline[i]!) }
        return out
    }

    /// No attributes.
    public init() {
        // A literal: `InlineArray(repeating: nil)` copied the `nil` into each place through a memcpy call (six per
        // event decoded or read; callgrind of `activity-bench decode` and of the full scan).
        inline = [nil, nil, nil, nil, nil, nil]
        inlineCount = 0
        spilled = nil
    }

    /// From a dictionary. A dictionary has no order to keep, so the pairs are stored sorted by key.
    public init(_ dictionary: [String: String]) {
        self.init(uniquePairs: dictionary.sorted { $0.key < $1.key }.map { Pair(key: $0.key, value: $0.value) })
    }

    /// From a literal, in the literal's order. A repeated key keeps the last value, at its first position.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init()
        for (k, v) in elements { self[k] = v }
    }

    /// Builds from pairs already known to have unique keys (decoders), without checking.
    public init(uniquePairs: [Pair]) {
        self.init()
        if uniquePairs.count > Attributes.inlineCapacity {
            spilled = uniquePairs
        } else {
            for p in uniquePairs { appendUnchecked(p) }
        }
    }

    /// Builds from key/value tuples already known to have unique keys, without checking (as the ``Pair`` form does).
    public init(uniquePairs: [(key: String, value: String)]) {
        self.init(uniquePairs: uniquePairs.map { Pair(key: $0.key, value: $0.value) })
    }

    /// Appends `p` without checking that its key is new: for decoders of data written from an ``Attributes``.
    @inlinable public mutating func appendUnchecked(_ p: Pair) {
        if spilled == nil && inlineCount < Attributes.inlineCapacity {
            inline[inlineCount] = p
            inlineCount += 1
        } else {
            appendSpilling(p)
        }
    }

    @usableFromInline mutating func appendSpilling(_ p: Pair) {
        if spilled == nil {
            var all = storage
            all.append(p)
            spilled = all
            inline = InlineArray(repeating: nil)
            inlineCount = 0
        } else {
            spilled!.append(p)
        }
    }

    /// Pair `i` (`0..<count`), in the order they came.
    @inlinable public subscript(pair i: Int) -> Pair {
        if let spilled { return spilled[i] }
        precondition(i >= 0 && i < inlineCount, "attribute index out of range")
        return inline[i]!
    }

    /// The pairs in the order they came.
    public var pairs: [(key: String, value: String)] { storage.map { ($0.key, $0.value) } }

    /// Number of pairs.
    @inlinable public var count: Int { spilled?.count ?? inlineCount }
    /// True when there are no pairs.
    @inlinable public var isEmpty: Bool { count == 0 }
    /// The keys in the order they came.
    public var keys: [String] { storage.map(\.key) }

    /// The index of `key`'s pair; nil when absent.
    func index(of key: String) -> Int? {
        for i in 0..<count where self[pair: i].key == key { return i }
        return nil
    }

    /// The value of `key`; nil when absent. Linear search.
    /// Setting a value replaces an existing key's value in place or appends a new pair; setting nil removes the key.
    public subscript(key: String) -> String? {
        get {
            for i in 0..<count {
                let p = self[pair: i]
                if p.key == key { return p.value }
            }
            return nil
        }
        set {
            if let i = index(of: key) {
                if let newValue {
                    if spilled != nil { spilled![i].value = newValue } else { inline[i]!.value = newValue }
                } else {
                    remove(at: i)
                }
            } else if let newValue {
                appendUnchecked(Pair(key: key, value: newValue))
            }
        }
    }

    /// Removes pair `i`, keeping the order of the others.
    private mutating func remove(at i: Int) {
        if spilled != nil {
            spilled!.remove(at: i)
            return
        }
        for j in i..<(inlineCount - 1) { inline[j] = inline[j + 1] }
        inline[inlineCount - 1] = nil
        inlineCount -= 1
    }

    /// Removes `key` and returns its value; nil when it was absent.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> String? {
        guard let i = index(of: key) else { return nil }
        let v = self[pair: i].value
        remove(at: i)
        return v
    }

    /// Reserves room for `n` pairs (only pairs beyond ``inlineCount`` need room).
    public mutating func reserveCapacity(_ n: Int) {
        if spilled != nil { spilled!.reserveCapacity(n) }
    }

    /// Iterates the pairs as `(key, value)` tuples, in the order they came.
    public struct Iterator: IteratorProtocol {
        let attributes: Attributes
        var index = 0
        /// The next pair; nil at the end.
        public mutating func next() -> (key: String, value: String)? {
            guard index < attributes.count else { return nil }
            defer { index += 1 }
            let p = attributes[pair: index]
            return (p.key, p.value)
        }
    }

    /// Iterates the pairs in the order they came (``sorted`` gives them in key order).
    public func makeIterator() -> Iterator { Iterator(attributes: self) }

    /// The pairs sorted by key (the export order).
    public var sorted: [(key: String, value: String)] { sortedPairs.map { ($0.key, $0.value) } }

    /// ``sorted`` as ``Pair``s (no tuple array).
    public var sortedPairs: [Pair] {
        var s = storage
        if s.count > 1 { s.sort { $0.key < $1.key } }
        return s
    }

    /// `[key: value, ...]` in key order, for debugging and test messages.
    public var description: String { "[" + sortedPairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]" }
}

extension Attributes: Hashable {
    /// Equal when both hold the same pairs, in whatever order.
    public static func == (a: Attributes, b: Attributes) -> Bool {
        guard a.count == b.count else { return false }
        if (0..<a.count).allSatisfy({ a[pair: $0] == b[pair: $0] }) { return true }
        return a.sortedPairs == b.sortedPairs
    }

    /// Hashes the pairs in key order, so the same pairs in different orders hash alike.
    public func hash(into h: inout Hasher) {
        h.combine(count)
        for p in sortedPairs { h.combine(p.key); h.combine(p.value) }
    }
}
