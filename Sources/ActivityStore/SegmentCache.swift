import ActivityModel
import Synchronization

/// Segments kept open between reads, for a long-running reader that answers many small queries
/// (activity-web): each segment's mapping, its parsed index, and the indexed frames whose CRC has been checked,
/// so a request that wants one event from each of a hundred frames neither maps the segments again nor checks
/// the CRC of a hundred whole frames again.
///
/// What is kept stays true: a segment's committed frames are never rewritten (the writer cuts only an
/// uncommitted tail, and keeps a prefix index only if it covers nothing cut), so a frame an index points at,
/// once checked, is the same frame for as long as the file is the same file (device and inode). A mapping is
/// reused while the file's size and modification time are the ones mapped (the active segment is mapped again
/// when it has grown); an index while its file is the one parsed. Entries of segments that leave the listing
/// (retention) are dropped at the next ``StoreReader/segments()``. The integrity check of the bytes at rest
/// stays `activityctl verify`.
///
/// Shared by any number of ``StoreReader``s on any threads (`StoreReader(dataDirectory:cache:)`).
public final class SegmentCache: Sendable {
    final class Entry: Sendable {
        let device: UInt64
        let inode: UInt64
        private let mapping: Mutex<MappedFile>
        private let index = Mutex<SegmentIndex?>(nil)
        private let checkedFrames = Mutex<[Int: FrameInfo]>([:])
        private let tableMarks = Mutex<[Int: StringTableMarks]>([:])

        init(file: MappedFile) {
            device = file.identity.device
            inode = file.identity.inode
            mapping = Mutex(file)
        }

        func isSameFile(_ id: FileIdentity) -> Bool { id.device == device && id.inode == inode }

        /// The mapping, if the file is still as it was mapped (`identity`: the file now).
        func file(ifStill identity: FileIdentity) -> MappedFile? {
            mapping.withLock { $0.identity == identity ? $0 : nil }
        }
        func keep(_ file: MappedFile) { mapping.withLock { $0 = file } }

        /// The index parsed earlier, if the index file is still that one (`identity`: the file now).
        func index(ifStill identity: FileIdentity?) -> SegmentIndex? {
            index.withLock { $0 }.flatMap { $0.file.identity == identity ? $0 : nil }
        }
        func keep(_ idx: SegmentIndex) { index.withLock { $0 = idx } }

        /// The indexed frame at `offset` if its CRC was checked already.
        func checkedFrame(at offset: Int) -> FrameInfo? { checkedFrames.withLock { $0[offset] } }
        func keep(checked f: FrameInfo) { checkedFrames.withLock { $0[f.offset] = f } }

        /// The string-table marks of the checked frame at `offset`, if made already.
        func tableMarks(at offset: Int) -> StringTableMarks? { tableMarks.withLock { $0[offset] } }
        func keep(_ marks: StringTableMarks, at offset: Int) { tableMarks.withLock { $0[offset] = marks } }
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// The last listing of the segments directory, with the directory's identity taken just before it.
    private let listing = Mutex<(directory: FileIdentity, segments: [SegmentInfo])?>(nil)
    /// The most segments kept mapped; beyond it the cache drops entries (a store of more segments is then
    /// read partly uncached).
    public let capacity: Int

    /// An empty cache holding up to `capacity` segments.
    public init(capacity: Int = 4096) { self.capacity = capacity }

    /// The number of segments held (for tests).
    public var count: Int { entries.withLock { $0.count } }
    /// True when a listing of the segments directory is kept (for tests).
    var holdsListing: Bool { listing.withLock { $0 != nil } }

    /// The segment mapped: the cached mapping while the file is unchanged, else mapped now (and kept); nil when
    /// it cannot be mapped (the caller maps it itself and reports why).
    func file(for s: SegmentInfo) -> MappedFile? {
        guard let now = FS.identity(s.path) else { return nil }
        if let e = entries.withLock({ $0[s.path] }), e.isSameFile(now) {
            if let f = e.file(ifStill: now) { return f }
            guard let f = try? MappedFile(path: s.path), e.isSameFile(f.identity) else { return nil }
            e.keep(f)
            return f
        }
        guard let file = try? MappedFile(path: s.path) else { return nil }
        let e = Entry(file: file)
        entries.withLock { all in
            if all.count >= capacity, let victim = all.keys.first { all[victim] = nil }
            all[s.path] = e
        }
        return file
    }

    /// The entry of the file `file` maps, if this cache holds it.
    func entry(of file: MappedFile) -> Entry? {
        entries.withLock { $0[file.path] }.flatMap { $0.isSameFile(file.identity) ? $0 : nil }
    }

    /// The segments as listed last, while the segments directory is unchanged since (its identity `now`),
    /// with the last segment's size read again (the active segment grows; the others are complete once a
    /// later one exists). Nil: list anew.
    func listedSegments(directory now: FileIdentity) -> [SegmentInfo]? {
        guard var segments = listing.withLock({ $0.flatMap { $0.directory == now ? $0.segments : nil } }) else {
            return nil
        }
        if let last = segments.indices.last { segments[last].size = FS.fileSize(segments[last].path) ?? 0 }
        return segments
    }

    /// Remembers a listing taken after the directory's identity was `before`, if it can be trusted to stay
    /// right while that identity holds: a directory changed within the last 2 s might change again within the
    /// same tick of its coarse timestamp, unseen, so such a listing is not kept.
    func remember(_ segments: [SegmentInfo], directory before: FileIdentity, now: Timestamp) {
        guard now.nanoseconds - before.modified > 2_000_000_000 else { return }
        listing.withLock { $0 = (before, segments) }
    }

    /// Drops the entries of segments not in `paths` (deleted by retention since they were cached).
    func keep(only paths: Set<String>) {
        entries.withLock { all in
            for p in all.keys where !paths.contains(p) { all[p] = nil }
        }
    }
}
