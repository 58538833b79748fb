import Foundation
import Testing
import ActivityModel
@testable import ActivityStore
import ActivityTestSupport

/// The fast read paths the reports use must return what the plain query returns.
@Suite("Report read paths")
struct ReadPathTests {
    func store(_ n: Int, seed: UInt64) throws -> StoreReader {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 48 * 1024
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        let events = randomEvents(n, seed: seed)
        for c in stride(from: 0, to: n, by: 70) { try w.append(Array(events[c..<min(c + 70, n)])) }
        try w.close()
        return try StoreReader(dataDirectory: dir)
    }

    @Test("a projected query returns the full events with exactly the omitted fields left out")
    func projection() throws {
        let r = try store(2500, seed: 31)
        var q = EventQuery()
        q.terms[.action] = ["login", "login_failed", "mfa_failure", "mfa_success"]
        let full = try r.events(q)
        q.omit = .reportExtras
        let projected = try r.events(q)
        #expect(!full.isEmpty)
        #expect(projected.count == full.count)
        let stripped = full.map { e in
            var e = e
            e.session = nil; e.commerce = nil; e.comment = nil; e.attrs = Attributes(); e.origin = nil
            return e
        }
        #expect(projected == stripped)
        // The generator fills these, so the test would notice a projection that kept or lost too much.
        #expect(full.contains { $0.session != nil } && full.contains { !$0.attrs.isEmpty })
        #expect(full.contains { $0.geo != nil } && projected.contains { $0.geo != nil })
    }

    @Test("a read with prefetch yields the events of one without, stops at the limit, and can be dropped half-way")
    func prefetch() throws {
        let r = try store(3000, seed: 32)
        var q = EventQuery()
        q.terms[.category] = ["login", "admin"]
        let lazy = Array(try r.read(q))
        let pre = Array(try r.read(q, prefetch: true))
        #expect(!lazy.isEmpty)
        #expect(pre == lazy)
        for limit in [0, 1, 7, lazy.count - 1] {
            q.limit = limit
            #expect(Array(try r.read(q)) == Array(lazy.prefix(limit)))
            #expect(Array(try r.read(q, prefetch: true)) == Array(lazy.prefix(limit)))
        }
        // Stopped at a limit of 1, again and again: the decoding thread has taken hand-over slots when the
        // read ends, and the channel must still be freed cleanly (libdispatch traps on a semaphore freed below
        // its initial value).
        var one = EventQuery()
        one.limit = 1
        for _ in 0..<300 { #expect(Array(try r.read(one, prefetch: true)).count == 1) }
        for _ in 0..<2 {
            var it = try StoreReader(dataDirectory: r.dataDirectory).read(EventQuery(), prefetch: true).makeIterator()
            var taken = 0
            while taken < 10, it.next() != nil { taken += 1 }
            #expect(taken == 10)  // dropping `it` now stops its decoding thread (deinit)
        }
    }

    @Test(
        "a prefetching read decoding frames on several threads yields the events and records the damage of one-by-one decoding"
    )
    func parallelDecoding() throws {
        let r = try store(4000, seed: 38)
        let segs = try r.segments()
        try #require(segs.count >= 5)
        // Damage two sealed segments in the middle (a byte of an events frame each): reads skip those frames.
        for victim in [segs[1], segs[3]] {
            let h = try FileHandle(forUpdating: URL(fileURLWithPath: victim.path))
            let size = try h.seekToEnd()
            try h.seek(toOffset: size / 2)
            let byte = try h.read(upToCount: 1)!
            try h.seek(toOffset: size / 2)
            h.write(Data([byte[0] ^ 0x5A]))
            try h.close()
        }
        var queries: [EventQuery] = []
        for order in [EventOrder.seq, .time] {
            for reverse in [false, true] {
                var q = EventQuery()
                q.order = order
                q.reverse = reverse
                queries.append(q)
                var few = q  // sparse: a few events of many frames, through the index
                few.terms[.category] = ["admin"]
                queries.append(few)
                var ranged = q
                ranged.terms[.category] = ["login", "admin"]
                ranged.limit = 333
                queries.append(ranged)
            }
        }
        for q in queries {
            let plain = try StoreReader(dataDirectory: r.dataDirectory)
            let want = Array(try plain.read(q))
            #expect(!want.isEmpty)
            #expect(!plain.damage.isEmpty || q.limit != nil, "\(q)")
            for threads in [1, 2, 3, 5] {
                let reader = try StoreReader(dataDirectory: r.dataDirectory)
                let got = Array(try reader.read(q, prefetch: true, decodingThreads: threads))
                #expect(got == want, "\(threads) threads, \(q)")
                if q.limit == nil {
                    #expect(reader.damage == plain.damage, "\(threads) threads, \(q)")
                    #expect(reader.report.eventsDecoded == plain.report.eventsDecoded)
                } else {
                    // A prefetching read decodes ahead of a limit, so it may meet more damage, never other.
                    #expect(Array(reader.damage.prefix(plain.damage.count)) == plain.damage, "\(threads), \(q)")
                }
            }
        }
    }

    @Test(
        "a segment that cannot be mapped is damage on every read path, not silently skipped; one retention removed is not"
    )
    func unreadableSegment() throws {
        let r = try store(2500, seed: 37)
        let all = try r.events(EventQuery())
        let segs = try r.segments()
        try #require(segs.count >= 3)
        // A directory where a sealed segment and its index should be: open succeeds, mmap does not.
        let victim = segs[1]
        try FileManager.default.removeItem(atPath: victim.path)
        try? FileManager.default.removeItem(atPath: victim.indexPath)
        try FileManager.default.createDirectory(atPath: victim.path, withIntermediateDirectories: false)
        for order in [EventOrder.seq, .time] {
            let fresh = try StoreReader(dataDirectory: r.dataDirectory)
            var q = EventQuery()
            q.order = order
            let read = try fresh.read(q)
            let got = Array(read)
            #expect(got.count < all.count)
            #expect(!read.report.isClean)
            #expect(
                read.report.damage.contains { $0.path == victim.path && $0.reason.hasPrefix("unreadable segment") },
                "\(order): \(fresh.damage)")
        }
        // Gone (retention deletes the oldest while readers run): no damage for it.
        try FileManager.default.removeItem(atPath: victim.path)
        let fresh = try StoreReader(dataDirectory: r.dataDirectory)
        var q = EventQuery()
        q.order = .seq
        let lazy = try fresh.read(q)
        try FileManager.default.removeItem(atPath: segs[2].path)
        _ = Array(lazy)
        #expect(!fresh.damage.contains { $0.path == segs[2].path }, "\(fresh.damage)")
    }

    @Test("index terms sort in UTF-8 byte order: the memcmp comparison equals the generic one")
    func termOrder() {
        var g = SeededRandom(seed: 11)
        let pieces = ["", "a", "b", "ab", "é", "e\u{301}", "😀", "Z", "z", "10.0.0.1", "10.0.0.10", "::1", "\u{0}"]
        for _ in 0..<2000 {
            let a = (0..<Int(g.next() % 4)).map { _ in pieces[Int(g.next() % UInt64(pieces.count))] }.joined()
            let b = (0..<Int(g.next() % 4)).map { _ in pieces[Int(g.next() % UInt64(pieces.count))] }.joined()
            #expect(utf8Precedes(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) \(b)")
        }
    }

    @Test("posting unions and intersections by merging equal the set operations")
    func postings() {
        var g = SeededRandom(seed: 9)
        for _ in 0..<200 {
            let a = Array(Set((0..<Int(g.next() % 40)).map { _ in UInt32(g.next() % 100) })).sorted()
            let b = Array(Set((0..<Int(g.next() % 40)).map { _ in UInt32(g.next() % 100) })).sorted()
            #expect(Postings.union(a, b) == Set(a).union(b).sorted())
            #expect(Postings.intersection(a, b) == Set(a).intersection(b).sorted())
        }
    }
}
