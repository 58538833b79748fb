import Foundation
import Testing
import ActivityModel
@testable import ActivityStore
import ActivityTestSupport

/// Reads of a few events per frame (a user's history through the index) build only the strings they need, and
/// a ``SegmentCache`` keeps segments mapped, indexes parsed and frames checked between readers: both must give
/// exactly what the plain whole-frame read gives, also while the store changes under the cache.
@Suite("Sparse frame reads and the segment cache")
struct SegmentCacheTests {
    /// `n` random events whose users are spread over `users` names, so that one user's events are sparse in
    /// every frame (about 1 in `users`).
    static func events(_ n: Int, seed: UInt64, users: Int = 60) -> [ActivityEvent] {
        randomEvents(n, seed: seed).enumerated().map { i, e in
            var e = e
            e.user = "user-\((i &* 7919) % users)"
            return e
        }
    }

    /// A store of several sealed segments and an active one, written in appends of `perFrame` events.
    static func store(_ name: String, events: [ActivityEvent], perFrame: Int, segmentBytes: Int) throws -> String {
        let dir = temporaryDirectory(name)
        var options = StoreOptions()
        options.segmentMaxBytes = segmentBytes
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        for c in stride(from: 0, to: events.count, by: perFrame) {
            _ = try w.append(Array(events[c..<min(c + perFrame, events.count)]))
        }
        try w.close()
        return dir
    }

    @Test(
        "a sparse read of a frame, with the table's marks or without, decodes what the whole frame decodes",
        arguments: [(UInt64(1), 300), (2, 45), (3, 1)])
    func sparseDecode(_ seed: UInt64, _ perFrame: Int) throws {
        let dir = try Self.store(
            "sparse-\(seed)", events: Self.events(1_500, seed: seed), perFrame: perFrame, segmentBytes: 1 << 30)
        let reader = try StoreReader(dataDirectory: dir)
        let seg = try #require(try reader.segments().last)
        let file = try MappedFile(path: seg.path)
        var damage: [ReadDamage] = []
        let frames = StoreReader.committedFrames(file: file, from: nil, sealed: false, damage: &damage).frames
            .filter { $0.kind == SegmentFormat.frameEvents }
        #expect(damage.isEmpty)
        #expect(frames.reduce(0) { $0 + $1.count } == 1_500)
        #expect(frames.count >= (1_500 + perFrame - 1) / perFrame)
        var random = SeededRandom(seed: seed)
        var sparseReads = 0
        for f in frames {
            let marks = try #require(FrameParser.marks(in: file.bytes, frame: f))
            #expect(marks.eventMarks.count == (f.count + StringTableMarks.stride - 1) / StringTableMarks.stride)
            for omit in [OmittedFields(), .reportExtras] {
                let whole = try #require(FrameParser.events(in: file.bytes, frame: f, omit: omit))
                #expect(whole.count == f.count)
                for size in [1, 2, max(1, f.count / 8), f.count] {
                    let ordinals = Array((0..<f.count).shuffled(using: &random).prefix(size)).sorted()
                    let expected = ordinals.map { whole[$0] }
                    if FrameParser.isSparse(ordinals, in: f) { sparseReads += 1 }
                    #expect(FrameParser.events(in: file.bytes, frame: f, ordinals: ordinals, omit: omit) == expected)
                    #expect(
                        FrameParser.events(in: file.bytes, frame: f, ordinals: ordinals, omit: omit, marks: marks)
                            == expected)
                }
            }
        }
        #expect(sparseReads > 0 || perFrame < 8)
    }

    /// One user's events newest first, and all events, through `reader`.
    static func answers(_ reader: StoreReader, users: [String]) throws -> [[UInt64]] {
        var out: [[UInt64]] = [try reader.events(EventQuery()).map(\.seq)]
        for u in users {
            for reverse in [false, true] {
                var q = EventQuery()
                q.terms[.user] = [u]
                q.reverse = reverse
                q.limit = 40
                out.append(try reader.events(q).map(\.seq))
                q.limit = nil
                out.append(try reader.events(q).map(\.seq))
            }
        }
        return out
    }

    @Test(
        "readers sharing a cache answer as uncached readers: repeated, after appends, retention and an index rewritten")
    func cachedReadersAgree() throws {
        let all = Self.events(6_000, seed: 9)
        let dir = try Self.store(
            "cache-agree", events: Array(all.prefix(4_000)), perFrame: 200, segmentBytes: 100 * 1024)
        let users = ["user-0", "user-17", "user-59"]
        let cache = SegmentCache()
        func check(_ label: Comment) throws {
            let plain = try Self.answers(StoreReader(dataDirectory: dir), users: users)
            let cachedReader = try StoreReader(dataDirectory: dir, cache: cache)
            #expect(try Self.answers(cachedReader, users: users) == plain, label)
            #expect(cachedReader.damage.isEmpty, label)
            // Served again from what the cache holds now.
            #expect(try Self.answers(StoreReader(dataDirectory: dir, cache: cache), users: users) == plain, label)
        }
        try check("fresh")
        let segments = try StoreReader(dataDirectory: dir).segments()
        #expect(segments.count >= 4)
        #expect(cache.count == segments.count)
        // The directory was just written: its listing is not kept (a change within the same coarse timestamp
        // tick would go unseen). Once the directory is older, it is, until the directory changes.
        #expect(!cache.holdsListing)
        var old = [timespec(tv_sec: time(nil) - 60, tv_nsec: 0), timespec(tv_sec: time(nil) - 60, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, dir + "/segments", &old, 0) == 0)
        try check("a listing kept")
        #expect(cache.holdsListing)

        // The daemon goes on: the active segment grows (same file, remapped), and new segments appear.
        var options = StoreOptions()
        options.segmentMaxBytes = 100 * 1024
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        _ = try w.append(Array(all[4_000..<4_050]))
        try w.sync()
        try check("after an append to the active segment")
        for c in stride(from: 4_050, to: 6_000, by: 200) { _ = try w.append(Array(all[c..<min(c + 200, 6_000)])) }
        try w.close()
        #expect(try StoreReader(dataDirectory: dir).events(EventQuery()).count == 6_000)
        try check("after appends and rotations")

        // Retention deletes the oldest segment: its entry goes at the next listing.
        let before = cache.count
        let oldest = try #require(try StoreReader(dataDirectory: dir).segments().first)
        try FileManager.default.removeItem(atPath: oldest.path)
        try FileManager.default.removeItem(atPath: oldest.indexPath)
        try check("after retention")
        #expect(cache.count == before - 1)

        // A sealed segment's index replaced by another segment's (valid, but not this segment's): the cached
        // index is not used; the reader reports the mismatch and scans, as an uncached reader does.
        let listed = try StoreReader(dataDirectory: dir).segments()
        try FileManager.default.removeItem(atPath: listed[1].indexPath)
        try FileManager.default.copyItem(atPath: listed[2].indexPath, toPath: listed[1].indexPath)
        let plain = try StoreReader(dataDirectory: dir)
        let cached = try StoreReader(dataDirectory: dir, cache: cache)
        #expect(try Self.answers(cached, users: users) == Self.answers(plain, users: users))
        #expect(!cached.damage.isEmpty)
        #expect(cached.damage.map(\.reason).sorted() == plain.damage.map(\.reason).sorted())
    }
}
