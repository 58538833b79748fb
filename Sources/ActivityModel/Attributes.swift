/// The other string key/values a source gave, kept in the order they came.
///
/// A small ordered list rather than a `Dictionary`: events carry a handful of attributes, and building a
/// hash table per event dominated decoding (measured: see BENCHMARKS.md). Lookups are linear, which is
/// faster than hashing at these sizes. Keys are unique: setting an existing key replaces its value in place.
/// Equality and hashing ignore order (two events with the same attributes are equal however they arrived).
///
/// Stored as an array of ``Pair`` structs, not of tuples: the runtime looks a tuple array's element type up
/// (and destroys its elements through generic code) on every use, which measured several per cent of the
/// decoder and the store.
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

    /// The pairs in the order they came. Read-only: change them through the subscript, which keeps keys unique.
    public private(set) var storage: [Pair]

    /// No attributes.
    public init() { storage = [] }

    /// From a dictionary. A dictionary has no order to keep, so the pairs are stored sorted by key.
    public init(_ dictionary: [String: String]) {
        storage = dictionary.sorted { $0.key < $1.key }.map { Pair(key: $0.key, value: $0.value) }
    }

    /// From a literal, in the literal's order. A repeated key keeps the last value, at its first position.
    public init(dictionaryLiteral elements: (String, String)...) {
        storage = []
        storage.reserveCapacity(elements.count)
        for (k, v) in elements { self[k] = v }
    }

    /// Builds from pairs already known to have unique keys (decoders), without checking.
    public init(uniquePairs: [Pair]) { storage = uniquePairs }

    /// Builds from key/value tuples already known to have unique keys, without checking (as the ``Pair`` form does).
    public init(uniquePairs: [(key: String, value: String)]) {
        storage = uniquePairs.map { Pair(key: $0.key, value: $0.value) }
    }

    /// The pairs in the order they came.
    public var pairs: [(key: String, value: String)] { storage.map { ($0.key, $0.value) } }

    /// Number of pairs.
    public var count: Int { storage.count }
    /// True when there are no pairs.
    public var isEmpty: Bool { storage.isEmpty }
    /// The keys in the order they came.
    public var keys: [String] { storage.map(\.key) }

    /// The value of `key`; nil when absent. Linear search.
    /// Setting a value replaces an existing key's value in place or appends a new pair; setting nil removes the key.
    public subscript(key: String) -> String? {
        get {
            for p in storage where p.key == key { return p.value }
            return nil
        }
        set {
            if let i = storage.firstIndex(where: { $0.key == key }) {
                if let newValue { storage[i].value = newValue } else { storage.remove(at: i) }
            } else if let newValue {
                storage.append(Pair(key: key, value: newValue))
            }
        }
    }

    /// Removes `key` and returns its value; nil when it was absent.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> String? {
        guard let i = storage.firstIndex(where: { $0.key == key }) else { return nil }
        return storage.remove(at: i).value
    }

    /// Reserves room for `n` pairs.
    public mutating func reserveCapacity(_ n: Int) { storage.reserveCapacity(n) }

    /// Iterates the pairs as `(key, value)` tuples, in the order they came.
    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Pair]>
        /// The next pair; nil at the end.
        public mutating func next() -> (key: String, value: String)? { base.next().map { ($0.key, $0.value) } }
    }

    /// Iterates the pairs in the order they came (``sorted`` gives them in key order).
    public func makeIterator() -> Iterator { Iterator(base: storage.makeIterator()) }

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
        if a.storage == b.storage { return true }
        return a.sortedPairs == b.sortedPairs
    }

    /// Hashes the pairs in key order, so the same pairs in different orders hash alike.
    public func hash(into h: inout Hasher) {
        h.combine(count)
        for p in sortedPairs { h.combine(p.key); h.combine(p.value) }
    }
}
