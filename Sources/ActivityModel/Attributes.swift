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
    public struct Pair: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    public private(set) var storage: [Pair]

    public init() { storage = [] }

    public init(_ dictionary: [String: String]) {
        storage = dictionary.sorted { $0.key < $1.key }.map { Pair(key: $0.key, value: $0.value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        storage = []
        storage.reserveCapacity(elements.count)
        for (k, v) in elements { self[k] = v }
    }

    /// Builds from pairs already known to have unique keys (decoders), without checking.
    public init(uniquePairs: [Pair]) { storage = uniquePairs }

    public init(uniquePairs: [(key: String, value: String)]) { storage = uniquePairs.map { Pair(key: $0.key, value: $0.value) } }

    /// The pairs in the order they came.
    public var pairs: [(key: String, value: String)] { storage.map { ($0.key, $0.value) } }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }
    public var keys: [String] { storage.map(\.key) }

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

    @discardableResult
    public mutating func removeValue(forKey key: String) -> String? {
        guard let i = storage.firstIndex(where: { $0.key == key }) else { return nil }
        return storage.remove(at: i).value
    }

    public mutating func reserveCapacity(_ n: Int) { storage.reserveCapacity(n) }

    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Pair]>
        public mutating func next() -> (key: String, value: String)? { base.next().map { ($0.key, $0.value) } }
    }

    public func makeIterator() -> Iterator { Iterator(base: storage.makeIterator()) }

    /// The pairs sorted by key (the export order).
    public var sorted: [(key: String, value: String)] { sortedPairs.map { ($0.key, $0.value) } }

    /// ``sorted`` as ``Pair``s (no tuple array).
    public var sortedPairs: [Pair] {
        var s = storage
        if s.count > 1 { s.sort { $0.key < $1.key } }
        return s
    }

    public var description: String { "[" + sortedPairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]" }
}

extension Attributes: Hashable {
    public static func == (a: Attributes, b: Attributes) -> Bool {
        guard a.count == b.count else { return false }
        if a.storage == b.storage { return true }
        return a.sortedPairs == b.sortedPairs
    }

    public func hash(into h: inout Hasher) {
        h.combine(count)
        for p in sortedPairs { h.combine(p.key); h.combine(p.value) }
    }
}
