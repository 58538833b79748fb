import Testing
import Foundation
import ActivityModel
import ActivityStore

// Crashers found by the FuzzSegment fuzzer (Fuzz/FailCases/FuzzSegment/), replayed with their exact bytes.
//
// Each check runs in a child process (an exit test): while a regression traps, this test fails and the rest of
// the run goes on, instead of the whole test process dying with it.
// A reader given damaged files must not trap. It records the damage or throws a StoreError, and `verify` reports
// a problem.

/// `storereader-frame-offset-huge`: a sealed segment's index (CRC not checked on the query path) whose frame table
/// says the first frame starts at offset 0xFFFF_ABAB_ABAB_AB00_49 (> Int.max). `StoreReader.read(segment:query:)`
/// trapped in `Int(fe.offset)` ("Not enough bits to represent the passed value").
private let indexWithHugeFrameOffset: [UInt8] = [
    0x41, 0x43, 0x54, 0x49, 0x44, 0x58, 0x0D, 0x0A, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFA, 0xED, 0x51, 0x72, 0x86, 0x18,
    0x00, 0xB0, 0xE6, 0xAE, 0x20, 0x73, 0x86, 0x18, 0x35, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x49, 0x00, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xFF, 0xFF, 0xAB, 0xAD, 0xAB, 0xAB, 0xAB, 0x7C, 0x01,
    0x65, 0x72, 0xCF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x69, 0x70, 0x2B, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x06, 0x61, 0x00, 0x30, 0x33, 0x2E,
]

/// `segmentindex-terms-huge-count`: an index whose term-dictionary section gives a posting count varint of
/// 0xFFFF_FFFF_FFFF_FF71 (> Int.max). `SegmentIndex.terms(field:)` trapped in `Int(pr.varint() ?? 0)`.
private let indexWithHugePostingCount: [UInt8] = [
    0x41, 0x43, 0x54, 0x49, 0x44, 0x58, 0x0D, 0x0A, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFA, 0xED, 0x51, 0x72, 0x86, 0x18,
    0x00, 0xB0, 0xE6, 0xAE, 0x20, 0x73, 0x86, 0x18, 0x35, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x71, 0x17, 0x00, 0x00,
    0x00, 0x19, 0x00, 0x00, 0x00, 0x1B, 0x00, 0x00, 0x00, 0x1D, 0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00, 0x21,
    0x00, 0x00, 0x00, 0x00, 0x2F, 0xAB, 0x00,
]

/// The segment length both indexes above claim (0x435); the reader uses an index only when it matches the file.
private let claimedSegmentLength = 0x435

/// A data directory holding a sealed segment 1 of `segmentLength` bytes with `index` as its index, and an empty
/// active segment after it (so segment 1 counts as sealed).
private func dataDirectory(sealedIndex index: [UInt8], segmentLength: Int) -> String {
    let dir = NSTemporaryDirectory() + "activityd-fuzz-regression-\(UUID().uuidString)"
    let segments = dir + "/segments"
    try? FileManager.default.createDirectory(atPath: segments, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: segments + "/" + SegmentFormat.segmentName(firstSeq: 1),
                                   contents: Data(count: segmentLength))
    FileManager.default.createFile(atPath: segments + "/" + SegmentFormat.indexName(firstSeq: 1), contents: Data(index))
    FileManager.default.createFile(atPath: segments + "/" + SegmentFormat.segmentName(firstSeq: 26), contents: Data())
    return dir
}

/// A real two-segment store written with SegmentWriter: 25 events in sealed segment 1, 5 in the active one.
private func writtenStore() throws -> (dir: String, events: Int) {
    let dir = NSTemporaryDirectory() + "activityd-fuzz-regression-\(UUID().uuidString)"
    let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "fuzzhost",
                              now: Timestamp(seconds: 1_767_225_600))
    let events = (0..<30).map { i in
        ActivityEvent(time: Timestamp(seconds: 1_767_225_600 + Int64(i)), category: .login, action: .login,
                      outcome: .success, user: "user\(i % 4)")
    }
    _ = try w.append(Array(events[0..<25]))
    try w.rotate(now: Timestamp(seconds: 1_767_229_200))
    _ = try w.append(Array(events[25...]))
    try w.close()
    return (dir, events.count)
}

@Suite("Fuzz regressions: damaged store files")
struct FuzzRegressionTests {
    @Test("an index frame offset beyond Int.max is damage, not a trap (storereader-frame-offset-huge)")
    func hugeFrameOffsetInIndex() async {
        await #expect(processExitsWith: .success) {
            let dir = dataDirectory(sealedIndex: indexWithHugeFrameOffset, segmentLength: claimedSegmentLength)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            guard let reader = try? StoreReader(dataDirectory: dir) else { exit(2) }
            do {
                _ = try reader.events(EventQuery())
                // Not thrown: the damage must have been recorded.
                if reader.damage.isEmpty { exit(3) }
            } catch is StoreError {
                // A typed rejection is fine too.
            } catch {
                exit(4)
            }
            if let report = try? reader.verify(repair: false), report.isClean { exit(5) }
        }
    }

    @Test("a real index with its first frame offset's top byte flipped is damage, not a trap (storereader-frame-offset-flip)")
    func flippedFrameOffsetInRealIndex() async {
        await #expect(processExitsWith: .success) {
            guard let (dir, total) = try? writtenStore() else { exit(2) }
            defer { try? FileManager.default.removeItem(atPath: dir) }
            // FailCases/FuzzSegment/storereader-frame-offset-flip is mode 3 with the triple (offset 0x003F, xor 0xFF):
            // byte 63 of the sealed index is the top byte of frame 0's u64 offset (header 56 bytes, then the table).
            let indexPath = dir + "/segments/" + SegmentFormat.indexName(firstSeq: 1)
            guard var index = FileManager.default.contents(atPath: indexPath).map({ [UInt8]($0) }), index.count > 63 else { exit(3) }
            index[63] ^= 0xFF
            FileManager.default.createFile(atPath: indexPath, contents: Data(index))

            guard let reader = try? StoreReader(dataDirectory: dir) else { exit(4) }
            let events = (try? reader.events(EventQuery())) ?? []
            if reader.damage.isEmpty { exit(5) }
            // The segment itself is intact, so no event may appear twice or out of range.
            if events.count > total || Set(events.map(\.seq)).count != events.count { exit(6) }
            var q = EventQuery()
            q.terms = [.user: ["user1"]]
            _ = try? reader.events(q)
            guard let report = try? reader.verify(repair: false), !report.isClean else { exit(7) }
        }
    }

    @Test("a posting count beyond Int.max in an index's term dictionary is damage, not a trap (segmentindex-terms-huge-count)")
    func hugePostingCountInTerms() async {
        await #expect(processExitsWith: .success) {
            let path = NSTemporaryDirectory() + "activityd-fuzz-regression-\(UUID().uuidString).idx"
            FileManager.default.createFile(atPath: path, contents: Data(indexWithHugePostingCount))
            defer { try? FileManager.default.removeItem(atPath: path) }
            // With the CRC checked (what `activityctl verify` does) the file is rejected outright.
            if (try? SegmentIndex(path: path, verifyChecksum: true)) != nil { exit(2) }
            // Without it (the query path), terms and postings must not trap on the damaged section.
            guard let index = try? SegmentIndex(path: path, verifyChecksum: false) else { return }
            for field in IndexedField.allCases {
                for (term, count) in index.terms(field: field) where count < 0 || term.utf8.count > 4096 { exit(3) }
                _ = index.postings(field: field, term: "alice")
            }
        }
    }
}
