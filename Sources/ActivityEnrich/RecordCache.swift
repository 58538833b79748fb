import MaxMindDB
import Synchronization

/// A bounded cache of decoded database records, keyed by the record's offset in the data section.
///
/// Why: decoding a GeoLite2 City record walks its maps once per field or sub-map (libmaxminddb has no "decode
/// these eight paths in one pass"; ``MaxMindDB/GeoRecord`` finds `country` and `location` once), ~15k
/// instructions a record; addresses share records (one record per city or network block), so a cache turns most
/// lookups into a search-tree walk plus a dictionary hit.
///
/// Invariants: a key is a data offset of *one* open ``MaxMindDB/MaxMindDatabase`` (the cache lives with that
/// object in ``EnrichmentDatabase`` and never outlives it), and records at an offset never change because the
/// file is immutable while mapped. So a cached value is always what decoding would give; the cache is invisible
/// except in speed. It is split into 16 shards, each behind its own `Mutex`, so pipeline threads rarely wait on
/// one another. A shard that reaches its capacity is emptied (cheap, and enough for a cache whose working set is
/// "the cities users log in from").
final class RecordCache<Record: Sendable>: Sendable {
    /// Records are boxed so the dictionary moves one reference, not a struct of optionals and strings through
    /// generic value witnesses (measured: a third of the cost of a cache hit).
    final class Box: Sendable {
        let value: Record
        init(_ value: Record) { self.value = value }
    }

    private final class Shard: Sendable {
        let map = Mutex<[UInt32: Box]>([:])
    }

    private let shards: [Shard]
    private let capacityPerShard: Int

    /// - Parameter capacity: the most records kept (split across shards).
    init(capacity: Int) {
        shards = (0..<16).map { _ in Shard() }
        capacityPerShard = max(1, capacity / 16)
    }

    /// The cached record at `offset`, or the decoded one (then cached).
    func record(at offset: Int, decode: () throws(MaxMindDBError) -> Record) throws(MaxMindDBError) -> Box {
        let key = UInt32(truncatingIfNeeded: offset)
        // Offsets are not uniformly distributed in their low bits; mix before picking a shard.
        let shard = shards[Int((key &* 0x9E37_79B1) >> 28)]
        if let hit = shard.map.withLock({ $0[key] }) { return hit }
        let value = Box(try decode())
        let cap = capacityPerShard
        shard.map.withLock { map in
            if map.count >= cap { map.removeAll(keepingCapacity: true) }
            map[key] = value
        }
        return value
    }
}

/// The caches of one open database (one per record kind it may be asked for).
final class DatabaseRecordCaches: Sendable {
    let geo = RecordCache<GeoRecord>(capacity: 131_072)
    let asn = RecordCache<ASNRecord>(capacity: 65_536)
    let anonymous = RecordCache<AnonymousIPRecord>(capacity: 65_536)
}
