import Testing
import Foundation
import ActivityModel
@testable import ActivityStore
import ActivityTestSupport

@Suite("WireEvent: one event as a NATS message")
struct WireEventTests {
    @Test("random events survive encode → decode whole, seq included")
    func roundTrip() {
        for (i, e) in withSeq(randomEvents(2_000, seed: 18), from: 1_000).enumerated() {
            let bytes = WireEvent.encode(e)
            #expect(WireEvent.decode(bytes) == e, "event \(i)")
        }
    }

    @Test("malformed bytes are nil, never a crash: truncations, trailing bytes, wrong magic, flipped bytes")
    func malformed() {
        let e = withSeq(randomEvents(1, seed: 7), from: 42)[0]
        let bytes = WireEvent.encode(e)
        #expect(WireEvent.decode([]) == nil)
        #expect(WireEvent.decode(Array("not an event".utf8)) == nil)
        #expect(WireEvent.decode(bytes + [0]) == nil)
        for n in 0..<bytes.count { #expect(WireEvent.decode(Array(bytes.prefix(n))) == nil, "prefix \(n)") }
        var wrong = bytes
        wrong[3] = UInt8(ascii: "2")
        #expect(WireEvent.decode(wrong) == nil)
        // Any single flipped byte either fails to decode or decodes to some event: it never traps.
        var rng = SeededRandom(seed: 3)
        for _ in 0..<2_000 {
            var b = bytes
            let k = Int(rng.next() % UInt64(b.count))
            b[k] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            _ = WireEvent.decode(b)
        }
    }
}

@Suite("StoreFollower in bounded steps")
struct BoundedFollowerTests {
    @Test("poll(maxEvents:) returns whole frames of at least that many events and goes on after them, across segments")
    func bounded() throws {
        let dir = temporaryDirectory()
        let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
        for k in 0..<10 { try w.append(randomEvents(7, seed: UInt64(k))) }
        try w.rotate(now: Timestamp(seconds: 1_800_000_000))
        for k in 0..<5 { try w.append(randomEvents(3, seed: UInt64(k + 20))) }
        let f = StoreFollower(reader: try StoreReader(dataDirectory: dir), afterSeq: 0)
        var seqs: [UInt64] = []
        var steps = 0
        while true {
            let got = try f.poll(maxEvents: 10)
            if got.isEmpty { break }
            #expect(got.count <= 10 + 7)
            seqs += got.map(\.seq)
            steps += 1
        }
        #expect(seqs == Array(1...85))
        #expect(steps > 5)
        try w.append(randomEvents(2, seed: 99))
        #expect(try f.poll(maxEvents: 10).map(\.seq) == [86, 87])
    }
}

@Suite("retention waits for the forwarder")
struct RetentionFloorTests {
    @Test("segments holding an event above the floor are kept; raising the floor lets retention delete them")
    func floor() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.retainBytes = 1
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
        let floor = FloorBox()
        w.retentionFloor = { floor.value.withLock { $0 } }
        for k in 0..<4 {
            try w.append(randomEvents(10, seed: UInt64(k)))
            try w.rotate(now: Timestamp(seconds: 1_800_000_000 + Int64(k)))
        }
        // Sealed: 1–10, 11–20, 21–30, 31–40; active from 41.
        let reader = try StoreReader(dataDirectory: dir)
        #expect(try reader.segments().map(\.firstSeq) == [1, 11, 21, 31, 41])
        #expect(w.applyRetention(now: Timestamp(seconds: 1_900_000_000)).isEmpty)
        floor.value.withLock { $0 = 25 }
        #expect(w.applyRetention(now: Timestamp(seconds: 1_900_000_000)).count == 2)
        #expect(try reader.segments().map(\.firstSeq) == [21, 31, 41])
        floor.value.withLock { $0 = 40 }
        #expect(w.applyRetention(now: Timestamp(seconds: 1_900_000_000)).count == 2)
        #expect(try reader.segments().map(\.firstSeq) == [41])
    }
}

import Synchronization
final class FloorBox: Sendable {
    let value = Mutex<UInt64>(0)
}
