import ActivityModel
import ActivityTestSupport
import Crypto
import Foundation
import Testing
@testable import ActivityStore

/// Forward-secure sealing (issue 23): a sealed store verifies; every edit of sealed history is found and located,
/// also when the editor fixes the CRCs and rebuilds the indexes; a crash leaves an unsealed tail, not tampering;
/// the key on the host cannot re-seal an edit of what an earlier key sealed.
@Suite("Sealing")
struct SealTests {
    /// Frames of a segment file: (offset, end, kind).
    static func frames(_ bytes: [UInt8]) -> [(offset: Int, end: Int, kind: UInt8)] {
        bytes.withUnsafeBytes { b in
            guard let hd = SegmentHeader.parse(b) else { return [] }
            var out: [(Int, Int, UInt8)] = []
            var o = hd.length
            while case .success(let f) = FrameParser.frame(in: b, at: o) {
                out.append((f.offset, f.end, f.kind))
                o = f.end
            }
            return out
        }
    }

    /// Rewrites a frame's CRC after its body was edited (what an editor who knows the format does).
    static func fixCRC(_ bytes: inout [UInt8], frameAt o: Int) {
        let len = Int(
            UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
        let crc = CRC32C.checksum(bytes[(o + 8)..<(o + 8 + len)])
        for k in 0..<4 { bytes[o + 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
    }

    /// A sealed store of several segments: three seal epochs, a rotation every ~12 KiB, a clean close.
    /// Returns the directory, the key file path and the verification key.
    static func sealedStore(_ name: String, seed: UInt64, close: Bool = true) throws -> (
        String, String, SealVerificationKey
    ) {
        let dir = temporaryDirectory(name)
        let keyPath = dir + "/seal.key"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (vk, state) = SealKeyState.create(interval: 60_000_000_000, now: Timestamp(seconds: 1_000))
        try state.save(path: keyPath)
        var options = StoreOptions()
        options.segmentMaxBytes = 12 * 1024
        options.sealKeyPath = keyPath
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t", now: Timestamp(seconds: 1_000))
        var t: Int64 = 1_000
        for k in 0..<24 {
            t += 20
            try w.append(randomEvents(20, seed: seed &+ UInt64(k)), now: Timestamp(seconds: t))
            try w.sealIfDue(now: Timestamp(seconds: t + 1))
        }
        // The last events come after the last seal (a clean close seals them; a crash leaves them unsealed).
        try w.append(randomEvents(20, seed: seed &+ 99), now: Timestamp(seconds: t + 5))
        if close { try w.close(now: Timestamp(seconds: t + 10)) }
        return (dir, keyPath, vk)
    }

    static func verify(_ dir: String, _ key: SealVerificationKey?) throws -> VerifyReport {
        try StoreReader(dataDirectory: dir).verify(repair: false, sealKey: key)
    }

    @Test("a sealed store verifies with its key, reads back whole, and every segment ends with a seal")
    func sealedStoreVerifies() throws {
        let (dir, keyPath, vk) = try Self.sealedStore(#function, seed: 1)
        let r = try Self.verify(dir, vk)
        #expect(r.isClean, "\(r.problems) \(r.seals?.problems ?? [])")
        let s = try #require(r.seals)
        #expect(s.seals >= 4)
        #expect(s.startsAtGenesis)
        #expect(s.unsealedTail == nil)
        #expect(s.authenticatedThroughSeq == 500)
        #expect(try StoreReader(dataDirectory: dir).events(EventQuery()).count == 500)
        let segs = try StoreReader(dataDirectory: dir).segments()
        #expect(segs.count >= 3)
        for seg in segs {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: seg.path)))
            #expect(Self.frames(bytes).last?.kind == SegmentFormat.frameSeal, "\(seg.path)")
        }
        // The key on the host moved on: it is not the first key.
        let state = try SealKeyState.load(path: keyPath)
        #expect(state.epoch > 1)
        // Plain verify (no key) is clean too, and a wrong key proves nothing.
        #expect(try Self.verify(dir, nil).isClean)
        let wrong = SealVerificationKey(
            key0: [UInt8](repeating: 7, count: 32), startSeconds: 1_000, intervalSeconds: 60)
        #expect(try Self.verify(dir, wrong).seals?.problems.isEmpty == false)
    }

    @Test("the verification key reads back from its text, grouped or not")
    func verificationKeyText() throws {
        let (vk, _) = SealKeyState.create(interval: 900_000_000_000, now: Timestamp(seconds: 1_795_000_000))
        let text = vk.description
        #expect(text.hasPrefix("actseal1-"))
        #expect(SealVerificationKey(text: text) == vk)
        #expect(
            SealVerificationKey(text: text.uppercased().replacingOccurrences(of: "ACTSEAL1", with: "actseal1")) == vk)
        #expect(SealVerificationKey(text: "actseal1-zz-1-900") == nil)
        #expect(vk.intervalSeconds == 900)
        #expect(vk.startSeconds == 1_795_000_000)
    }

    enum Edit: CaseIterable {
        case byte, frameRemoved, framesSwapped, segmentDeleted, segmentTruncated, indexReplaced
    }

    @Test(
        "every edit of sealed history is found and located, with CRCs and indexes made to match",
        arguments: Edit.allCases)
    func editsAreFound(_ edit: Edit) throws {
        for round in 0..<6 {
            let (dir, _, vk) = try Self.sealedStore("\(#function)\(edit)\(round)", seed: UInt64(round * 100 + 7))
            let segs = try StoreReader(dataDirectory: dir).segments()
            var g = SystemRandomNumberGenerator()
            // A sealed (non-active) segment; a deleted one from the middle (deleting the oldest is retention).
            let lowest = edit == .segmentDeleted ? 1 : 0
            let target = segs[Int.random(in: lowest..<(segs.count - 1), using: &g)]
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: target.path)))
            let fs = Self.frames(bytes)
            let eventFrames = fs.enumerated().filter { $0.element.kind == SegmentFormat.frameEvents }
            switch edit {
            case .byte:
                // Any byte of an events frame's body; the CRC is fixed so only the seals can tell.
                let (_, f) = eventFrames.randomElement(using: &g)!
                let at = Int.random(in: (f.offset + 8 + 13)..<f.end, using: &g)
                bytes[at] ^= UInt8.random(in: 1...255, using: &g)
                Self.fixCRC(&bytes, frameAt: f.offset)
            case .frameRemoved:
                let (_, f) = eventFrames.randomElement(using: &g)!
                bytes.removeSubrange(f.offset..<f.end)
            case .framesSwapped:
                guard eventFrames.count >= 2 else { continue }
                let i = Int.random(in: 0..<(eventFrames.count - 1), using: &g)
                let a = eventFrames[i].element, b = eventFrames[i + 1].element
                guard a.end == b.offset else { continue }
                let fa = Array(bytes[a.offset..<a.end]), fb = Array(bytes[b.offset..<b.end])
                bytes.replaceSubrange(a.offset..<b.end, with: fb + fa)
            case .segmentDeleted:
                try FileManager.default.removeItem(atPath: target.path)
                try? FileManager.default.removeItem(atPath: target.indexPath)
            case .segmentTruncated:
                let cut = Int.random(in: (fs.first!.end)..<(bytes.count - 1), using: &g)
                bytes.removeSubrange(cut...)
            case .indexReplaced:
                // An index rebuilt from an altered copy of the segment (one events frame left out), put in place
                // of the real one: queries through it would miss that frame's events.
                let (_, f) = eventFrames.randomElement(using: &g)!
                var copy = bytes
                copy.removeSubrange(f.offset..<f.end)
                let tmp = dir + "/altered.seg"
                try Data(copy).write(to: URL(fileURLWithPath: tmp))
                _ = try SegmentWriter.rebuildIndex(segmentPath: tmp, indexPath: target.indexPath)
                try FileManager.default.removeItem(atPath: tmp)
            }
            if edit != .segmentDeleted && edit != .indexReplaced {
                try Data(bytes).write(to: URL(fileURLWithPath: target.path))
                // The editor also rebuilds the index so that it matches the edited segment.
                _ = try SegmentWriter.rebuildIndex(segmentPath: target.path, indexPath: target.indexPath)
            }
            let r = try Self.verify(dir, vk)
            let all = r.problems + (r.seals?.problems ?? [])
            #expect(!r.isClean, "\(edit) round \(round) not found")
            // Located: the edited segment or its index, or (deletion) the segment after it.
            let next = segs.first { $0.firstSeq > target.firstSeq }
            let places = [target.path, target.indexPath] + (next.map { [$0.path] } ?? [])
            #expect(all.contains { places.contains($0.path) }, "\(edit) round \(round): \(all)")
            // Plain verify finds what needs no key: a replaced index and a deleted middle segment.
            if edit == .indexReplaced || edit == .segmentDeleted {
                #expect(!(try Self.verify(dir, nil)).isClean, "\(edit) round \(round): plain verify missed it")
            }
        }
    }

    @Test("a crash between seals leaves an unsealed tail, reported as such; the next start seals it")
    func crashBetweenSeals() throws {
        let (dir, keyPath, vk) = try Self.sealedStore(#function, seed: 3, close: false)
        // The active segment holds seals before its unsealed tail (the case recovery must keep whole).
        let active = try #require(try StoreReader(dataDirectory: dir).segments().last)
        let activeBytes = Array(try Data(contentsOf: URL(fileURLWithPath: active.path)))
        #expect(Self.frames(activeBytes).contains { $0.kind == SegmentFormat.frameSeal })
        // No close: the writer is gone as after kill -9 (its last appends were written, not sealed).
        let r = try Self.verify(dir, vk)
        #expect(r.isClean, "\(r.problems) \(r.seals?.problems ?? [])")
        let tail = try #require(r.seals?.unsealedTail)
        #expect(tail.events > 0)
        #expect(r.seals?.problems.isEmpty == true)
        var options = StoreOptions()
        options.segmentMaxBytes = 12 * 1024
        options.sealKeyPath = keyPath
        do {
            // Restarted a few seconds after the crash (the crash's tail is sealed with the key of its time first).
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t", now: Timestamp(seconds: 1_500))
            #expect(w.recovery.bytesCut == 0)
            try w.append(randomEvents(5, seed: 77), now: Timestamp(seconds: 1_501))
            try w.close(now: Timestamp(seconds: 1_502))
        }
        let after = try Self.verify(dir, vk)
        #expect(after.isClean, "\(after.problems) \(after.seals?.problems ?? [])")
        #expect(after.seals?.unsealedTail == nil)
        #expect(after.seals?.authenticatedThroughSeq == 505)
    }

    @Test("the key on the host cannot re-seal an edit of history sealed before its epoch")
    func currentKeyCannotRewriteThePast() throws {
        let (dir, keyPath, vk) = try Self.sealedStore(#function, seed: 5)
        let stolen = try SealKeyState.load(path: keyPath)
        let segs = try StoreReader(dataDirectory: dir).segments()
        var previous = Seal.genesis
        // The intruder edits the first segment's first events frame and re-seals every segment with the stolen
        // key, chaining the seals exactly as the writer does.
        for (i, seg) in segs.enumerated() {
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: seg.path)))
            let fs = Self.frames(bytes)
            if i == 0, let f = fs.first(where: { $0.kind == SegmentFormat.frameEvents }) {
                bytes[f.end - 1] ^= 0x01
                Self.fixCRC(&bytes, frameAt: f.offset)
            }
            var start = 0
            for f in fs where f.kind == SegmentFormat.frameSeal {
                let digest = Array(SHA256.hash(data: bytes[start..<f.offset]))
                // The seal keeps its time; only the key (and so the epoch) is the intruder's.
                let time = bytes.withUnsafeBytes { b in
                    FrameParser.seal(
                        in: b, frame: FrameInfo(offset: f.offset, end: f.end, kind: f.kind, baseSeq: 0, count: 0))!.time
                        .nanoseconds
                }
                let tag = Seal.tag(
                    key: stolen.key, segmentFirstSeq: seg.firstSeq, start: UInt64(start), end: UInt64(f.offset),
                    epoch: stolen.epoch, time: time, previous: previous, digest: digest)
                let body = Seal.body(
                    epoch: stolen.epoch, time: time, start: UInt64(start), previous: previous, tag: tag)
                bytes.replaceSubrange((f.offset + 8)..<f.end, with: body)
                Self.fixCRC(&bytes, frameAt: f.offset)
                previous = tag
                start = f.end
            }
            try Data(bytes).write(to: URL(fileURLWithPath: seg.path))
            _ = try SegmentWriter.rebuildIndex(segmentPath: seg.path, indexPath: seg.indexPath)
        }
        // Plain verify sees a consistent store; the verification key does not.
        #expect(try Self.verify(dir, nil).isClean)
        let r = try Self.verify(dir, vk)
        let problems = r.seals?.problems ?? []
        #expect(!problems.isEmpty)
        #expect(problems.contains { $0.path == segs[0].path })
        #expect(r.seals?.authenticatedUntil == nil)
    }

    @Test("plain verify: a gap in sequence numbers between segments is found; retention at the old end is not a gap")
    func sequenceGaps() throws {
        let dir = temporaryDirectory()
        var options = StoreOptions()
        options.segmentMaxBytes = 8 * 1024
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: options, host: "t")
            for k in 0..<12 { try w.append(randomEvents(30, seed: UInt64(k))) }
            try w.close()
        }
        let segs = try StoreReader(dataDirectory: dir).segments()
        #expect(segs.count >= 4)
        // Retention: the oldest segment goes.
        try FileManager.default.removeItem(atPath: segs[0].path)
        try FileManager.default.removeItem(atPath: segs[0].indexPath)
        let kept = try Self.verify(dir, nil)
        #expect(kept.isClean, "\(kept.problems)")
        #expect(kept.firstSeq == segs[1].firstSeq)
        // A middle segment goes.
        try FileManager.default.removeItem(atPath: segs[2].path)
        try FileManager.default.removeItem(atPath: segs[2].indexPath)
        let gap = try Self.verify(dir, nil)
        #expect(
            gap.problems.contains { $0.path == segs[3].path && $0.reason.contains("sequence gap") }, "\(gap.problems)")
    }

    @Test("recovery that cuts uncommitted events records the skipped seqs, so verify sees no gap")
    func cutEventsAreNoGap() throws {
        let dir = temporaryDirectory()
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
            try w.append(randomEvents(10, seed: 1))
            try w.close()
        }
        // A torn append: an events frame without its commit (seqs 11...15), as a crash leaves it.
        let seg = try StoreReader(dataDirectory: dir).segments()[0]
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: seg.path)))
        var body = ByteWriter(capacity: 64)
        var table = FrameStringTable()
        var events = ByteWriter(capacity: 512)
        for e in randomEvents(5, seed: 2) {
            var one = ByteWriter(capacity: 256)
            EventCodec.encode(e, into: &one, table: &table)
            events.varint(UInt64(one.count))
            events.bytes += one.bytes
        }
        body.u8(SegmentFormat.frameEvents); body.u64(11); body.u32(5)
        body.varint(UInt64(table.strings.count))
        for s in table.strings { body.string(s) }
        body.bytes += events.bytes
        bytes += SegmentFormat.frame(body.bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: seg.path))
        try? FileManager.default.removeItem(atPath: seg.indexPath)
        do {
            let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
            #expect(w.recovery.uncommittedEventsCut == 5)
            #expect(w.nextSeq == 16)
            try w.append(randomEvents(3, seed: 3))
            try w.close()
        }
        let r = try Self.verify(dir, nil)
        #expect(r.isClean, "\(r.problems)")
        #expect(try StoreReader(dataDirectory: dir).events(EventQuery()).map(\.seq) == Array(1...10) + [16, 17, 18])
    }
}
