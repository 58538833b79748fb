/// The other string key/values a source gave, kept in the order they came.
///
/// A small ordered list rather than a `Dictionary`: events carry a handful of attributes, and building a
/// hash table per event dominated decoding (measured: see BENCHMARKS.md). Lookups are linear, which is
/// faster than hashing at these sizes. Keys are unique: setting an existing key replaces its value in place.
/// Equality and hashing ignore order (two events with the same attributes are equal however they arrived).
public struct Attributes: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public private(set) var pairs: [(key: String, value: String)]

    public init() { pairs = [] }

    public init(_ dictionary: [String: String]) {
        pairs = dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        pairs = []
        pairs.reserveCapacity(elements.count)
        for (k, v) in elements { self[k] = v }
    }

    /// Builds from pairs already known to have unique keys (decoders), without checking.
    public init(uniquePairs: [(key: String, value: String)]) { pairs = uniquePairs }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }
    public var keys: [String] { pairs.map(\.key) }

    public subscript(key: String) -> String? {
        get {
            for p in pairs where p.key == key { return p.value }
            return nil
        }
        set {
            if let i = pairs.firstIndex(where: { $0.key == key }) {
                if let newValue { pairs[i].value = newValue } else { pairs.remove(at: i) }
            } else if let newValue {
                pairs.append((key, newValue))
            }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> String? {
        guard let i = pairs.firstIndex(where: { $0.key == key }) else { return nil }
        return pairs.remove(at: i).value
    }

    public mutating func reserveCapacity(_ n: Int) { pairs.reserveCapacity(n) }

    public func makeIterator() -> IndexingIterator<[(key: String, value: String)]> { pairs.makeIterator() }

    /// The pairs sorted by key (the export order).
    public var sorted: [(key: String, value: String)] { pairs.sorted { $0.key < $1.key } }

    public var description: String { "[" + sorted.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]" }
}

extension Attributes: Hashable {
    public static func == (a: Attributes, b: Attributes) -> Bool {
        guard a.count == b.count else { return false }
        if zip(a.pairs, b.pairs).allSatisfy({ $0.key == $1.key && $0.value == $1.value }) { return true }
        return zip(a.sorted, b.sorted).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into h: inout Hasher) {
        h.combine(count)
        for p in sorted { h.combine(p.key); h.combine(p.value) }
    }
}
