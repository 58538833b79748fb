import Testing
import Foundation
import Glibc
import PropertyBased
import ActivityModel
@testable import ActivityStore
import ActivityTestSupport

func temporaryDirectory(_ name: String = #function) -> String {
    TestScratch.directory("store-\(name.filter(\.isLetter))")
}

func randomEvents(_ n: Int, seed: UInt64) -> [ActivityEvent] {
    var g = EventGenerator(seed: seed)
    return (0..<n).map { _ in
        var e = g.event(); e.seq = 0; return e
    }
}

func withSeq(_ events: [ActivityEvent], from first: UInt64) -> [ActivityEvent] {
    events.enumerated().map { i, e in
        var e = e; e.seq = first + UInt64(i); return e
    }
}

@Suite("CRC32C")
struct CRCTests {
    @Test("check value of \"123456789\" is 0xE3069283")
    func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    }

    @Test("in pieces equals all at once")
    func pieces() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for cut in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let a = CRC32C.checksum(data[0..<cut])
            #expect(CRC32C.checksum(data[cut...], continuing: a) == CRC32C.checksum(data))
        }
    }

    @Test("the CPU instruction and the tables agree on every length and alignment, in pieces too")
    func hardwareMatchesTables() {
        let data = (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
        data.withUnsafeBytes { all in
            for start in 0..<9 {
                for end in stride(from: start, through: all.count, by: 37) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<end])
                    #expect(CRC32C.checksum(slice) == CRC32C.software(slice))
                    #expect(
                        CRC32C.checksum(slice, continuing: 0x1234_5678)
                            == CRC32C.software(slice, continuing: 0x1234_5678))
                }
            }
        }
        #expect(CRC32C.software(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
    }

    @Test("any single bit flip changes the CRC")
    func bitFlips() async {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let crc = CRC32C.checksum(data)
        await propertyCheck(input: Gen.int(in: 0...(300 * 8 - 1))) { bit in
            var d = data
            d[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(CRC32C.checksum(d) != crc)
        }
    }
}

@Suite("Segment store")
struct StoreTests {
    @Test("random events written and read back are equal, across reopen and rotation")
    func roundTrip() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 64 * 1024
        let events = randomEvents(3000, seed: 7)
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "test")
            var i = 0
            while i < events.count {
                let n = min(137, events.count - i)
                try w.append(Array(events[i..<(i + n)]))
                i += n
            }
            try w.close()
            #expect(w.segmentsSealed > 2)
        }
        let r = try StoreReader(dataDirectory: dir)
        let back = try r.events(EventQuery())
        #expect(back == withSeq(events, from: 1))
        #expect(r.damage.isEmpty)
        let v = try r.verify(repair: false)
        #expect(v.isClean, "\(v.problems)")
        // Reopen: seq continues.
        let w2 = try SegmentWriter(dataDirectory: dir, options: options, host: "test")
        #expect(w2.nextSeq == 3001)
        let more = try w2.append(randomEvents(1, seed: 8))
        #expect(more == 3001...3001)
    }

    @Test("index lookups agree with a full scan")
    func indexAgreesWithScan() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 32 * 1024
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "test")
        let events = randomEvents(4000, seed: 11)
        for chunk in stride(from: 0, to: events.count, by: 100) {
            try w.append(Array(events[chunk..<min(chunk + 100, events.count)]))
        }
        try w.close()
        let r = try StoreReader(dataDirectory: dir)
        let all = try r.events(EventQuery())
        let queries: [(IndexedField, Set<String>)] = [
            (.user, ["alice"]), (.user, ["bob", "王伟"]), (.action, ["login"]), (.category, ["admin"]),
            (.outcome, ["failure"]), (.entry, ["ssh"]), (.country, ["GB"]), (.net, ["vpn"]), (.user, ["nobody"]),
        ]
        for (field, terms) in queries {
            var q = EventQuery()
            q.terms[field] = terms
            let viaIndex = try r.events(q)
            #expect(viaIndex == all.filter(q.matches), "\(field) \(terms)")
            var q2 = q
            q2.reverse = true
            q2.limit = 5
            #expect(try r.events(q2) == Array(all.filter(q.matches).reversed().prefix(5)))
        }
        // Combined terms and a time range.
        var q = EventQuery()
        q.terms[.user] = ["alice"]
        q.terms[.outcome] = ["success"]
        q.since = Timestamp(nanoseconds: 1_700_000_000_000_000_000)
        q.until = Timestamp(nanoseconds: 1_800_000_000_000_000_000)
        #expect(try r.events(q) == all.filter(q.matches))
        // A one-user query decodes only that user's events from sealed segments.
        var one = EventQuery()
        one.terms[.user] = ["carol"]
        let carol = try r.events(one)
        #expect(r.lastQueryStats.eventsDecoded < carol.count + 600)  // + the active segment, scanned
    }

    @Test("cutting the active segment at any offset recovers exactly the whole commits before the cut")
    func tornTailAtEveryOffset() throws {
        let base = temporaryDirectory()
        let events = randomEvents(40, seed: 3)
        let dir0 = base + "/orig"
        do {
            let w = try SegmentWriter(dataDirectory: dir0, options: StoreOptions(), host: "t")
            for k in stride(from: 0, to: 40, by: 10) {
                try w.append(
                    Array(events[k..<(k + 10)]), positions: [InputPosition(input: .file(path: "x"), value: "\(k + 10)")]
                )
            }
            try w.close()
        }
        let segPath = dir0 + "/segments/" + SegmentFormat.segmentName(firstSeq: 1)
        let full = try Data(contentsOf: URL(fileURLWithPath: segPath))
        // Commit boundaries: scan once.
        var commitEnds: [Int] = []
        full.withUnsafeBytes { b in
            var o = SegmentHeader.parse(b)!.length
            while case .success(let f) = FrameParser.frame(in: b, at: o) {
                if f.kind == SegmentFormat.frameCommit { commitEnds.append(f.end) }
                o = f.end
            }
        }
        #expect(commitEnds.count == 5)  // the opening checkpoint + 4 appends
        let headerLen = full.withUnsafeBytes { SegmentHeader.parse($0)!.length }
        for cut in stride(from: headerLen, through: full.count, by: 1) {
            let dir = base + "/cut\(cut)"
            try FileManager.default.createDirectory(atPath: dir + "/segments", withIntermediateDirectories: true)
            try full.prefix(cut).write(
                to: URL(fileURLWithPath: dir + "/segments/" + SegmentFormat.segmentName(firstSeq: 1)))
            let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
            let kept = commitEnds.filter { $0 <= cut }.count - 1  // appends fully present
            #expect(w.recovery.recordsKept == max(0, kept) * 10, "cut at \(cut)")
            #expect(w.positions["file:x"] == (kept > 0 ? "\(kept * 10)" : nil), "cut at \(cut)")
            #expect(w.nextSeq >= UInt64(max(0, kept) * 10 + 1))
            let next = try w.append(randomEvents(1, seed: 99))
            try w.close()
            let back = try StoreReader(dataDirectory: dir).events(EventQuery())
            #expect(back.count == max(0, kept) * 10 + 1, "cut at \(cut)")
            #expect(back.last?.seq == next?.lowerBound)
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    @Test("bit flips in a sealed segment or its index are found by verify, with file and offset")
    func tampering() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 16 * 1024
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
            for k in 0..<20 { try w.append(randomEvents(50, seed: UInt64(k))) }
            try w.close()
        }
        let r = try StoreReader(dataDirectory: dir)
        #expect(try r.verify(repair: false).isClean)
        let seg = try r.segments()[0]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: seg.path))
        let flipAt = bytes.count / 2
        bytes[flipAt] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: seg.path))
        let report = try StoreReader(dataDirectory: dir).verify(repair: false)
        #expect(!report.isClean)
        #expect(report.problems.contains { $0.path == seg.path && $0.offset != nil && $0.offset! <= flipAt })
        // Reading goes on after the damaged frame.
        let r2 = try StoreReader(dataDirectory: dir)
        let all = try r2.events(EventQuery())
        #expect(all.count > 900 && all.count < 1000)
        #expect(!r2.damage.isEmpty)
        // Index damage.
        var idx = try Data(contentsOf: URL(fileURLWithPath: seg.indexPath))
        idx[idx.count / 2] ^= 0x01
        try idx.write(to: URL(fileURLWithPath: seg.indexPath))
        let report2 = try StoreReader(dataDirectory: dir).verify(repair: true)
        #expect(report2.problems.contains { $0.path == seg.indexPath })
        #expect(report2.repaired == [seg.indexPath])
    }

    @Test("a missing index is rebuilt at start")
    func missingIndex() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 8 * 1024
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
            for k in 0..<10 { try w.append(randomEvents(30, seed: UInt64(k))) }
            try w.close()
        }
        let segs = try StoreReader(dataDirectory: dir).segments()
        try FileManager.default.removeItem(atPath: segs[0].indexPath)
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        #expect(w.recovery.indexesRebuilt == [segs[0].indexPath])
        #expect(w.nextSeq == 301)
        #expect(FileManager.default.fileExists(atPath: segs[0].indexPath))
    }

    @Test("only one writer may hold a data directory")
    func lock() throws {
        let dir = temporaryDirectory()
        let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
        #expect(throws: StoreError.self) { try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t") }
        do {
            _ = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
        } catch {
            #expect(error.code == .locked)
            #expect("\(error)".contains("another activityd"))
        }
        _ = w
    }

    @Test(
        "a writer gone frees the directory even while a copy of its lock descriptor lives on (a child forked at that moment holds one)"
    )
    func lockReleasedWithCopies() throws {
        let dir = temporaryDirectory()
        var w: SegmentWriter? = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
        try w?.close()
        // A duplicate shares the open file description, and so the flock, as a forked child's copy does.
        let lockPath = URL(fileURLWithPath: dir + "/LOCK").resolvingSymlinksInPath().path
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int32.init)
        let lockFD = try #require(
            fds.first { fd in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == lockPath
            })
        let copy = dup(lockFD)
        try #require(copy >= 0)
        defer { _ = Glibc.close(copy) }
        w = nil
        let next = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
        try next.close()
    }

    @Test("retention deletes the oldest sealed segments by size and by age, never the active one")
    func retention() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 8 * 1024
        options.retainBytes = 40 * 1024
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        let reader = try StoreReader(dataDirectory: dir)
        // A reader holding the oldest segment open keeps reading it after deletion.
        try w.append(randomEvents(100, seed: 1))
        try w.rotate(now: Timestamp(seconds: 1_800_000_000))
        let firstSeg = try reader.segments()[0]
        let held = try MappedFile(path: firstSeg.path)
        for k in 0..<40 { try w.append(randomEvents(30, seed: UInt64(k))) }
        let segs = try reader.segments()
        #expect(!segs.contains { $0.firstSeq == 1 })
        let total = segs.reduce(0) { $0 + $1.size }
        #expect(total <= 40 * 1024 + options.segmentMaxBytes * 2)
        #expect(FileManager.default.fileExists(atPath: w.activeSegmentPath))
        #expect(SegmentHeader.parse(held.bytes)?.firstSeq == 1)
        // By age: everything sealed is older than a day relative to a far-future now.
        var o2 = StoreOptions()
        o2.retainAge = 86_400 * 1_000_000_000
        let dir2 = temporaryDirectory("age")
        let w2 = try SegmentWriter(dataDirectory: dir2, options: o2, host: "t")
        try w2.append(randomEvents(10, seed: 5))
        try w2.rotate(now: Timestamp(seconds: 1_000))
        try w2.append(randomEvents(10, seed: 6))
        let deleted = w2.applyRetention(now: Timestamp(seconds: 2_000_000_000))
        #expect(deleted.count == 1)
        #expect(try StoreReader(dataDirectory: dir2).segments().count == 1)
    }

    @Test("a reader of the active segment sees only committed events and follows new ones")
    func follower() throws {
        let dir = temporaryDirectory()
        let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
        try w.append(randomEvents(5, seed: 1))
        let r = try StoreReader(dataDirectory: dir)
        let f = StoreFollower(reader: r, afterSeq: 0)
        #expect(try f.poll().map(\.seq) == [1, 2, 3, 4, 5])
        #expect(try f.poll().isEmpty)
        try w.append(randomEvents(3, seed: 2))
        #expect(try f.poll().map(\.seq) == [6, 7, 8])
        try w.rotate(now: Timestamp(seconds: 1_900_000_000))
        try w.append(randomEvents(2, seed: 3))
        #expect(try f.poll().map(\.seq) == [9, 10])
        // Append raw garbage after the last commit (a torn write in progress): not shown, not damage.
        let path = w.activeSegmentPath
        let h = try FileHandle.open(path, flags: O_WRONLY | O_APPEND)
        try h.write([UInt8](repeating: 0x41, count: 3), at: try h.size())
        #expect(try f.poll().isEmpty)
        #expect(try StoreReader(dataDirectory: dir).events(EventQuery()).count == 10)
    }

    @Test("a prefix index that cannot be written is reported after the append, loses no event, and is written again")
    func prefixIndexFailure() throws {
        let dir = temporaryDirectory()
        let events = randomEvents(40, seed: 11)
        let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "test")
        w.prefixIndexInterval = 10
        // A directory where the active segment's index goes: writing it (create, then rename over it) fails.
        let idx = dir + "/segments/" + SegmentFormat.indexName(firstSeq: 1)
        try FileManager.default.createDirectory(atPath: idx + "/blocker", withIntermediateDirectories: true)
        try w.append(Array(events[0..<20]))
        // The index is written on its own thread: wait for its answer (bounded, not timed).
        var failure: StoreError?
        for _ in 0..<500 where failure == nil {
            failure = w.takePrefixIndexFailure()
            if failure == nil { usleep(10_000) }
        }
        #expect(failure != nil)
        #expect(w.takePrefixIndexFailure() == nil)  // reported once
        #expect(try StoreReader(dataDirectory: dir).events(EventQuery()) == withSeq(Array(events[0..<20]), from: 1))
        try FileManager.default.removeItem(atPath: idx)
        try w.append(Array(events[20..<40]))
        try w.close()
        #expect(FileManager.default.fileExists(atPath: idx))
        let r = try StoreReader(dataDirectory: dir)
        #expect(try r.events(EventQuery()) == withSeq(events, from: 1))
        #expect(r.damage.isEmpty)
    }
}
