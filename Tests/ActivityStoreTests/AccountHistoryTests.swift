import Testing
import Foundation
import ActivityModel
import ActivityReports
@testable import ActivityStore

/// The indexes' accounts sections must answer `activityctl users` exactly as reading every login and admin
/// event would: across sealed segments, the active segment's prefix index and its uncovered tail, and a
/// segment whose index is missing.
@Suite("Accounts sections")
struct AccountHistoryTests {
    func usersFromHistory(_ r: StoreReader) throws -> (rows: [UserSummary], digestParts: Int, eventParts: Int) {
        var users = UsersAccumulator()
        var digestParts = 0, eventParts = 0
        try r.accountHistory { part in
            switch part {
            case .digests(let ds):
                digestParts += 1
                for (u, d) in ds { users.add(user: u, digest: d) }
            case .events(let es):
                eventParts += 1
                for e in es { users.add(e) }
            }
        }
        return (
            users.summaries(
                now: Timestamp(seconds: 1_900_000_000), sessionTimeout: .hours(8), includeInvalidUsers: true),
            digestParts, eventParts
        )
    }

    func usersFromEvents(_ r: StoreReader) throws -> [UserSummary] {
        var q = EventQuery()
        q.terms[.category] = ["login", "admin"]
        return usersReport(
            events: try r.events(q), now: Timestamp(seconds: 1_900_000_000), sessionTimeout: .hours(8),
            includeInvalidUsers: true)
    }

    @Test("digests plus uncovered events give the report every event gives")
    func historyAgreesWithEvents() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 24 * 1024
        let events = randomEvents(3000, seed: 21)
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
            for c in stride(from: 0, to: 2000, by: 90) { try w.append(Array(events[c..<min(c + 90, 2000)])) }
            try w.close()  // the active segment gets a prefix index
        }
        // Reopened and appended to without closing: the active segment has a tail no index covers.
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        for c in stride(from: 2000, to: 3000, by: 40) { try w.append(Array(events[c..<min(c + 40, 3000)])) }
        let r = try StoreReader(dataDirectory: dir)
        let segs = try r.segments()
        #expect(segs.count > 3)
        let history = try usersFromHistory(r)
        let truth = try usersFromEvents(r)
        #expect(!truth.isEmpty)
        #expect(history.rows == truth)
        #expect(history.digestParts >= segs.count - 1)
        #expect(history.eventParts > 0)
        #expect(r.damage.isEmpty)

        // A sealed segment without its index: its events are read instead, and the answer is the same.
        try FileManager.default.removeItem(atPath: segs[1].indexPath)
        let r2 = try StoreReader(dataDirectory: dir)
        #expect(try usersFromHistory(r2).rows == truth)
        #expect(r2.damage.contains { $0.path == segs[1].indexPath })
        try w.close()
    }

    @Test("the accounts section round-trips every digest field")
    func sectionRoundTrip() throws {
        var builder = IndexBuilder(firstSeq: 1)
        let events = randomEvents(2000, seed: 5)
        for (i, e) in events.enumerated() { builder.add(e, seq: UInt64(i + 1)) }
        #expect(builder.accounts.count > 3)
        let dir = temporaryDirectory()
        let path = dir + "/x.idx"
        try Data(builder.encode(segmentLength: 100)).write(to: URL(fileURLWithPath: path))
        let idx = try SegmentIndex(path: path, verifyChecksum: true)
        let back = try #require(idx.accountDigests())
        #expect(back.map(\.user) == builder.accounts.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for (u, d) in back { #expect(d == builder.accounts[u], "\(u)") }
    }
}
