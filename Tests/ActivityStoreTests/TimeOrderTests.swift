import Testing
import Foundation
import ActivityModel
@testable import ActivityStore
import ActivityTestSupport

// Time order (`EventOrder.time`) against the obvious answer: every stored event, filtered, sorted by (time, seq).
// Stores of several segments (sealed and indexed, an active one with and without a prefix index), written
// in time order with old "imported" batches appended late, or with random times.
@Suite("time-ordered reads")
struct TimeOrderTests {
    enum Layout: String, CaseIterable, Sendable { case live, importedLate, random }

    /// Writes ~2,500 events in appends of random size, rotating now and then; returns the data directory.
    static func store(seed: UInt64, layout: Layout, prefixIndex: Bool) throws -> String {
        let dir = TestScratch.directory("timeorder-\(layout.rawValue)-\(seed)-\(prefixIndex)")
        var options = StoreOptions()
        options.segmentMaxBytes = 1 << 30
        var writer: SegmentWriter? = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        var g = EventGenerator(seed: seed)
        var clock: Int64 = 1_780_000_000_000_000_000
        var written = 0
        var batch = 0
        while written < 2_500 {
            let n = Int.random(in: 1...120, using: &g.random)
            let imported = layout == .importedLate && batch % 7 == 3
            var events: [ActivityEvent] = []
            for _ in 0..<n {
                var e = g.event()
                switch layout {
                case .random: break
                case .live, .importedLate:
                    if imported {
                        // An old log: its own increasing times, months before, overlapping earlier imports.
                        e.time = Timestamp(
                            nanoseconds: clock - 90 * 86_400_000_000_000 + Int64(events.count) * 60_000_000_000)
                    } else {
                        clock += Int64.random(in: 0...2_000_000_000, using: &g.random)
                        e.time = Timestamp(nanoseconds: clock)
                    }
                }
                events.append(e)
            }
            try writer?.append(events, now: Timestamp(nanoseconds: clock))
            written += n
            batch += 1
            if batch % 9 == 0 { try writer?.rotate(now: Timestamp(nanoseconds: clock)) }
            if prefixIndex && batch == 25 {
                // The active segment gets a prefix index at close; appending after reopening leaves a tail.
                try writer?.close()
                writer = nil  // its lock goes with it
                writer = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
            }
        }
        try writer?.close()
        return dir
    }

    static func expected(_ all: [ActivityEvent], _ q: EventQuery) -> [UInt64] {
        var m = all.filter(q.matches).sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
        if q.reverse { m.reverse() }
        if let limit = q.limit { m = Array(m.prefix(limit)) }
        return m.map(\.seq)
    }

    static let cases: [(UInt64, Layout, Bool)] = Layout.allCases.flatMap { l in
        [(1, l, false), (2, l, true), (3, l, true)]
    }

    @Test(
        "query and read, with and without prefetch, in time order equal a sort of the full scan, for filters, ranges, reverse and limit",
        arguments: cases)
    func agreesWithSort(_ seed: UInt64, _ layout: Layout, _ prefixIndex: Bool) throws {
        let dir = try Self.store(seed: seed, layout: layout, prefixIndex: prefixIndex)
        let reader = try StoreReader(dataDirectory: dir)
        #expect(try reader.segments().count > 2)
        let all = try reader.events(EventQuery())
        #expect(all.count >= 2_500)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.seq < $1.seq })
        let times = all.map(\.time).sorted()
        let middle = times[times.count / 3], late = times[2 * times.count / 3]
        var queries: [EventQuery] = []
        for reverse in [false, true] {
            for limit in [nil, 1, 17, 500] as [Int?] {
                var q = EventQuery()
                q.order = .time
                q.reverse = reverse
                q.limit = limit
                queries.append(q)
                var byUser = q
                byUser.terms[.user] = ["alice", "bob"]
                queries.append(byUser)
                var ranged = q
                ranged.since = middle
                ranged.until = late
                queries.append(ranged)
                var both = byUser
                both.since = middle
                queries.append(both)
            }
        }
        for q in queries {
            let want = Self.expected(all, q)
            #expect(try reader.events(q).map(\.seq) == want, "\(q)")
            #expect(try Array(reader.read(q)).map(\.seq) == want, "read \(q)")
            var prefetched: [UInt64] = []
            for e in try reader.read(q, prefetch: true) { prefetched.append(e.seq) }
            #expect(prefetched == want, "prefetched \(q)")
        }
        // Storage order is unchanged.
        var seqOrder = EventQuery()
        seqOrder.order = .seq
        #expect(try reader.events(seqOrder).map(\.seq) == all.map(\.seq))
    }

    @Test(
        "memory follows disorder: a store written in time order holds nothing back; an imported batch holds only its overlap"
    )
    func backlogIsBounded() throws {
        let live = try StoreReader(dataDirectory: try Self.store(seed: 9, layout: .live, prefixIndex: true))
        var q = EventQuery()
        q.order = .time
        let n = try live.events(q).count
        #expect(n >= 2_500)
        #expect(live.largestTimeBacklog == 0)
        let imported = try StoreReader(
            dataDirectory: try Self.store(seed: 9, layout: .importedLate, prefixIndex: false))
        let events = try imported.events(q)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.time <= $1.time })
        // Imported batches overlap each other (each starts 90 days before its append time), never the live
        // stream: what is held is at most a few batches of at most 120 events, far from the whole store.
        #expect(imported.largestTimeBacklog > 0)
        #expect(imported.largestTimeBacklog < 1_000, "held \(imported.largestTimeBacklog) of \(events.count)")
        print(
            "time order backlog: live 0 of \(n); with imported batches \(imported.largestTimeBacklog) of \(events.count)"
        )
    }
}
