import Testing
import Foundation
import Glibc
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
        // The sealed segments fold into one part; the active segment's prefix index ends a run before its tail.
        #expect(history.digestParts >= 1)
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

    /// The report from feeding every index's digests one section at a time, as `accountHistory` did before
    /// it folded runs of sections (every segment here is sealed and covered by its index).
    func usersSectionBySection(_ segs: [SegmentInfo]) throws -> [UserSummary] {
        var users = UsersAccumulator()
        for s in segs {
            let idx = try SegmentIndex(path: s.indexPath, verifyChecksum: false)
            users.add(digests: try #require(idx.accountDigests()))
        }
        return users.summaries(
            now: Timestamp(seconds: 1_900_000_000), sessionTimeout: .hours(8), includeInvalidUsers: true)
    }

    @Test("folding a run of accounts sections from their bytes gives what feeding each section in turn gives")
    func foldAgreesWithSections() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 16 * 1024
        let events = randomEvents(4000, seed: 77)
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
            for c in stride(from: 0, to: events.count, by: 70) {
                try w.append(Array(events[c..<min(c + 70, events.count)]))
            }
            try w.close()
        }
        let r = try StoreReader(dataDirectory: dir)
        let segs = try r.segments()
        #expect(segs.count > 5)
        let truth = try usersFromEvents(r)
        let sections = try usersSectionBySection(segs)
        #expect(sections == truth)
        let history = try usersFromHistory(r)
        #expect(history.rows == truth)
        #expect(history.digestParts == 1)  // one run: every segment is covered
        #expect(history.eventParts == 0)
        #expect(r.lastQueryStats.segmentsTouched == segs.count)
        #expect(r.damage.isEmpty)

        // The folded digests themselves: each user's, fed alone, gives that user's row.
        var fold = AccountFold()
        for s in segs { #expect(fold.add(try SegmentIndex(path: s.indexPath, verifyChecksum: false))) }
        let folded = fold.digests()
        #expect(Set(folded.map(\.user)).count == folded.count)
        var one = UsersAccumulator()
        one.add(digests: folded)
        #expect(
            one.summaries(now: Timestamp(seconds: 1_900_000_000), sessionTimeout: .hours(8), includeInvalidUsers: true)
                == truth)

        // A damaged accounts section in the middle: that segment's events are read instead, between the folds
        // of the runs before and after it, and the answer stays the same.
        let damaged = segs[segs.count * 3 / 4]  // in the half folded on the other thread, not its first
        let idx = try SegmentIndex(path: damaged.indexPath, verifyChecksum: false)
        let start = try #require(idx.sections[AccountSection.name])
        var at = ByteReader(idx.file.bytes, offset: start)
        let table = at.stringTable()
        let count = at.u32()  // the first record's user id follows, then its flags
        let user = at.varint()
        #expect(table != nil && count != nil && user != nil)
        let flagsOffset = at.offset
        let fd = open(damaged.indexPath, O_WRONLY)
        #expect(fd >= 0)
        let bad: [UInt8] = [0xFF, 0xFF]
        #expect(pwrite(fd, bad, 2, off_t(flagsOffset)) == 2)
        close(fd)
        #expect(try SegmentIndex(path: damaged.indexPath, verifyChecksum: false).accountDigests() == nil)
        var unfolded = AccountFold()
        #expect(!unfolded.add(try SegmentIndex(path: damaged.indexPath, verifyChecksum: false)))
        #expect(unfolded.isEmpty)

        let r2 = try StoreReader(dataDirectory: dir)
        let after = try usersFromHistory(r2)
        #expect(after.rows == truth)
        #expect(after.digestParts == 2)
        #expect(after.eventParts > 0)
        #expect(r2.damage.map(\.path) == [damaged.indexPath])
        #expect(r2.damage.first?.reason == "damaged accounts section; reading the events")
    }

    /// Every part `accountHistory` gives, spelled out, and the damage it records.
    func parts(_ dir: String, foldAhead: Bool) throws -> (parts: [String], damage: [String], touched: Int) {
        let r = try StoreReader(dataDirectory: dir)
        var parts: [String] = []
        try r.accountHistory(segments: nil, foldAhead: foldAhead) { part in
            switch part {
            case .digests(let ds): parts.append("digests " + ds.map { "\($0.user): \($0.digest)" }.joined(separator: "; "))
            case .events(let es): parts.append("events " + es.map { "\($0.seq)" }.joined(separator: ","))
            }
        }
        return (parts, r.damage.map { "\($0.path) \($0.reason)" }, r.lastQueryStats.segmentsTouched)
    }

    @Test("folding the second half of the segments on another thread gives the parts and damage of one thread")
    func foldAheadAgreesWithOneThread() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 16 * 1024
        let events = randomEvents(5000, seed: 78)
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
            for c in stride(from: 0, to: 4000, by: 70) { try w.append(Array(events[c..<min(c + 70, 4000)])) }
            try w.close()
        }
        // The active segment has a tail no index covers.
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        defer { try? w.close() }
        for c in stride(from: 4000, to: 5000, by: 50) { try w.append(Array(events[c..<min(c + 50, 5000)])) }
        let segs = try StoreReader(dataDirectory: dir).segments()
        #expect(segs.count >= 8)

        let whole = try parts(dir, foldAhead: true)
        let wholeOne = try parts(dir, foldAhead: false)
        #expect(whole.parts == wholeOne.parts)
        #expect(whole.touched == wholeOne.touched)
        #expect(whole.damage.isEmpty)
        #expect(whole.parts.first?.hasPrefix("digests") == true)
        #expect(whole.parts.filter { $0.hasPrefix("digests") }.count == 1)  // one run, then the uncovered events

        // Damage in the second half: a damaged accounts section the other thread stops at (after folding the
        // half's first segment), and a sealed segment without its index after it. One thread and two give the
        // same parts and the same damage, in order.
        let damaged = segs[segs.count / 2 + 1]
        let idx = try SegmentIndex(path: damaged.indexPath, verifyChecksum: false)
        let start = try #require(idx.sections[AccountSection.name])
        var at = ByteReader(idx.file.bytes, offset: start)
        let table = at.stringTable()
        let count = at.u32()
        let user = at.varint()
        #expect(table != nil && count != nil && user != nil)
        let fd = open(damaged.indexPath, O_WRONLY)
        #expect(fd >= 0)
        let bad: [UInt8] = [0xFF, 0xFF]
        #expect(pwrite(fd, bad, 2, off_t(at.offset)) == 2)
        close(fd)
        try FileManager.default.removeItem(atPath: segs[segs.count / 2 + 2].indexPath)

        let ahead = try parts(dir, foldAhead: true)
        let one = try parts(dir, foldAhead: false)
        #expect(ahead.parts == one.parts)
        #expect(ahead.damage == one.damage)
        #expect(ahead.touched == one.touched)
        #expect(ahead.damage.count == 2)
        #expect(ahead.parts.filter { $0.hasPrefix("digests") }.count >= 2)
        var users = UsersAccumulator()
        try StoreReader(dataDirectory: dir).accountHistory { part in
            switch part {
            case .digests(let ds): users.add(digests: ds)
            case .events(let es): for e in es { users.add(e) }
            }
        }
        let r = try StoreReader(dataDirectory: dir)
        #expect(
            users.summaries(now: Timestamp(seconds: 1_900_000_000), sessionTimeout: .hours(8), includeInvalidUsers: true)
                == (try usersFromEvents(r)))
    }
}
