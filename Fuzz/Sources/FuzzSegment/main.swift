// Fuzzes the ActivityStore reader library with damaged files: segments, indexes and both together.
// Reading a data directory must never crash, hang or read out of bounds, whatever is on disk; damage is
// reported (StoreReader.damage, VerifyReport.problems, StoreError), never trapped on.
//
// At start-up a small valid store is written with SegmentWriter (a sealed segment with its index, then an
// active segment with its prefix index), and its files are the material mutated below.
//
// Input: the first byte picks the mode, the rest is `payload`:
//   0 payload is the whole (active) segment file 00000000000000000001.seg
//   1 a valid segment header, then payload as the frames
//   2 payload is the sealed segment's .idx, next to its real .seg (and the real active segment after it);
//     also opened directly with SegmentIndex and queried with postings(field:term:), its accounts and logins
//   3 the real sealed .idx with bytes flipped: payload is a list of (offset: u16 LE, xor: u8) triples
//   4 the real sealed .seg with bytes flipped the same way, next to its real (now lying) index
//   5 the real active segment with bytes flipped, next to its prefix index
//   6 payload appended to the real active segment (a torn or garbage tail after the last commit)
//   7 payload is the active segment's prefix index, next to the real active segment
import ActivityModel
import ActivityStore
import Foundation

private let first1: UInt64 = 1
private let realEvents: [ActivityEvent] = (0..<40).map { i in
    var e = ActivityEvent(
        time: Timestamp(seconds: 1_767_225_600 + Int64(i) * 37),
        category: i % 5 == 0 ? .admin : .login,
        action: i % 3 == 0 ? .loginFailed : .login,
        outcome: i % 3 == 0 ? .failure : .success,
        user: ["alice", "bob", "root", "müller"][i % 4],
        attrs: i % 4 == 0 ? ["tty": "pts/\(i)"] : [:]
    )
    e.ip = IPAddress(["203.0.113.\(i)", "2001:db8::\(i)", "198.51.100.7"][i % 3])
    e.port = UInt16(40_000 + i)
    e.host = "web-1"
    e.service = "sshd"
    e.entry = i % 2 == 0 ? "ssh" : "web"
    if i % 7 == 0 { var g = Geo(); g.country = "DE"; e.geo = g }
    if i % 6 == 0 { e.net = NetFlags(vpn: true, lists: ["vpn-ranges"]) }
    return e
}

/// The files of the valid store, by name.
private struct Material {
    var sealedSeg: [UInt8] = []
    var sealedIdx: [UInt8] = []
    var sealedName = ""
    var activeSeg: [UInt8] = []
    var activeIdx: [UInt8]? = nil
    var activeName = ""
    var headerLength = 0
}

private let material: Material = {
    let dir = NSTemporaryDirectory() + "activityd-fuzz-material-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var options = StoreOptions()
    options.fsync = .rotation
    do {
        let w = try SegmentWriter(
            dataDirectory: dir, options: options, host: "fuzzhost", now: Timestamp(seconds: 1_767_225_600))
        _ = try w.append(
            Array(realEvents[0..<25]),
            positions: [InputPosition(input: .file(path: "/var/log/auth.log"), value: "1:2:300")])
        try w.rotate(now: Timestamp(seconds: 1_767_229_200))
        _ = try w.append(Array(realEvents[25...]), positions: [InputPosition(input: .journald, value: "s=abc")])
        try w.close()
    } catch {
        fatalError("cannot write the fuzz material: \(error)")
    }
    func read(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: dir + "/segments/" + name).map { [UInt8]($0) }
    }
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/segments")) ?? []).sorted()
    let segs = names.filter { $0.hasSuffix(".seg") }
    guard segs.count == 2 else { fatalError("expected 2 segments, found \(names)") }
    var m = Material()
    m.sealedName = String(segs[0].dropLast(4))
    m.activeName = String(segs[1].dropLast(4))
    m.sealedSeg = read(segs[0])!
    m.sealedIdx = read(m.sealedName + ".idx")!
    m.activeSeg = read(segs[1])!
    m.activeIdx = read(m.activeName + ".idx")
    // Header: magic(8) version(2) headerLength(2, little-endian) ...
    m.headerLength = Int(m.sealedSeg[10]) | Int(m.sealedSeg[11]) << 8
    guard m.headerLength > 12, m.headerLength < m.sealedSeg.count else {
        fatalError("unexpected header length \(m.headerLength)")
    }
    if let seeds = getenv("ACTIVITYD_FUZZ_WRITE_SEEDS").map({ String(cString: $0) }) { writeSeeds(m, to: seeds) }
    return m
}()

/// Writes the seed corpus (Corpus/FuzzSegment) from the material: `ACTIVITYD_FUZZ_WRITE_SEEDS=dir FuzzSegment -runs=1`.
private func writeSeeds(_ m: Material, to dir: String) {
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    func seed(_ name: String, _ mode: UInt8, _ bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([mode] + bytes))
    }
    let flips: [UInt8] = [0x0C, 0x00, 0x01, 0x30, 0x00, 0x80, 0x41, 0x00, 0x10]  // (offset u16 LE, xor) triples
    seed("0-active-segment", 0, m.activeSeg)
    seed("0-sealed-segment", 0, m.sealedSeg)
    seed("0-torn-segment", 0, Array(m.sealedSeg.prefix(m.sealedSeg.count / 2 + 3)))
    seed("1-sealed-frames", 1, Array(m.sealedSeg[m.headerLength...]))
    seed("1-active-frames", 1, Array(m.activeSeg[m.headerLength...]))
    seed("2-sealed-index", 2, m.sealedIdx)
    seed("2-torn-index", 2, Array(m.sealedIdx.prefix(m.sealedIdx.count * 2 / 3)))
    seed("3-index-flips", 3, flips)
    seed("4-segment-flips", 4, flips)
    seed("5-active-flips", 5, flips)
    seed("6-active-garbage-tail", 6, Array(m.sealedSeg[m.headerLength...].prefix(200)))
    if let idx = m.activeIdx { seed("7-active-prefix-index", 7, idx) }
}

/// Per-process scratch data directory, emptied before each run; in /dev/shm when there is one (no disk writeback).
private let scratchRoot: String = access("/dev/shm", W_OK) == 0 ? "/dev/shm/" : NSTemporaryDirectory()
private let dataDir: String = {
    let d = scratchRoot + "activityd-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d + "/segments", withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: scratchRoot + "activityd-fuzz-\(getpid())") }
    return d
}()

private func write(_ name: String, _ bytes: [UInt8]) {
    let ok = FileManager.default.createFile(atPath: dataDir + "/segments/" + name, contents: Data(bytes))
    precondition(ok, "cannot write \(name)")
}

private func flipped(_ original: [UInt8], by payload: ArraySlice<UInt8>) -> [UInt8] {
    var b = original
    var p = payload.startIndex
    while p + 2 < payload.endIndex {
        let off = Int(payload[p]) | Int(payload[p + 1]) << 8
        b[off % b.count] ^= payload[p + 2] == 0 ? 0xFF : payload[p + 2]
        p += 3
    }
    return b
}

private let terms: [(IndexedField, String)] = [
    (.user, "alice"), (.user, "müller"), (.user, "nobody"), (.ip, "203.0.113.3"), (.ip, "2001:db8::1"),
    (.action, "login"), (.action, "login_failed"), (.category, "admin"), (.outcome, "failure"),
    (.entry, "ssh"), (.country, "DE"), (.net, "vpn"), (.net, "vpn-ranges"),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    guard let mode = input.first else { return 0 }
    let payload = input[1...]
    let m = material

    for name in (try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/segments")) ?? [] {
        try? FileManager.default.removeItem(atPath: dataDir + "/segments/" + name)
    }
    let firstName = "00000000000000000001"
    var indexToProbe: String?
    switch mode % 8 {
    case 0:
        write(firstName + ".seg", Array(payload))
    case 1:
        write(firstName + ".seg", Array(m.sealedSeg[0..<m.headerLength]) + payload)
    case 2:
        write(m.sealedName + ".seg", m.sealedSeg)
        write(m.sealedName + ".idx", Array(payload))
        write(m.activeName + ".seg", m.activeSeg)
        indexToProbe = m.sealedName + ".idx"
    case 3:
        write(m.sealedName + ".seg", m.sealedSeg)
        write(m.sealedName + ".idx", flipped(m.sealedIdx, by: payload))
        write(m.activeName + ".seg", m.activeSeg)
        indexToProbe = m.sealedName + ".idx"
    case 4:
        write(m.sealedName + ".seg", flipped(m.sealedSeg, by: payload))
        write(m.sealedName + ".idx", m.sealedIdx)
        write(m.activeName + ".seg", m.activeSeg)
    case 5:
        write(m.activeName + ".seg", flipped(m.activeSeg, by: payload))
        if let idx = m.activeIdx { write(m.activeName + ".idx", idx) }
    case 6:
        write(m.activeName + ".seg", m.activeSeg + payload)
        if let idx = m.activeIdx { write(m.activeName + ".idx", idx) }
    default:
        write(m.activeName + ".seg", m.activeSeg)
        write(m.activeName + ".idx", Array(payload))
        indexToProbe = m.activeName + ".idx"
    }

    if let name = indexToProbe {
        for verify in [false, true] {
            guard let index = try? SegmentIndex(path: dataDir + "/segments/" + name, verifyChecksum: verify) else {
                continue
            }
            _ = index.frames.count
            for (field, term) in terms { _ = index.postings(field: field, term: term) }
            for field in IndexedField.allCases { _ = index.terms(field: field) }
            _ = index.accountDigests()
            _ = index.hasLogins
        }
    }

    guard let reader = try? StoreReader(dataDirectory: dataDir) else { return 0 }
    _ = try? reader.events(EventQuery())
    var q = EventQuery()
    q.terms = [.user: ["alice", "root"], .action: ["login_failed"]]
    _ = try? reader.events(q)
    q = EventQuery()
    q.reverse = true
    q.limit = 7
    q.since = Timestamp(seconds: 1_767_225_600 + 300)
    _ = try? reader.events(q)
    q = EventQuery()
    q.afterSeq = 20
    _ = try? reader.events(q)
    try? reader.accountHistory { _ in }
    // The reports' reads: the indexes' logins sections (rows checked as read, damage falling back to events),
    // and the time-ordered merge. (Not a prefetching read: its threads cut executions per second to a
    // quarter, 113 -> 30; ReadPathTests compares its parallel decoding with one-by-one decoding on damaged
    // stores.)
    if let attempts = try? reader.loginAttempts() { for _ in attempts {} }
    if let attempts = try? reader.loginAttempts(since: Timestamp(seconds: 1_767_225_600 + 300)) { for _ in attempts {} }
    q = EventQuery()
    q.order = .time
    q.terms = [.action: ["login", "login_failed"]]
    _ = try? Array(reader.read(q))
    _ = reader.damage.map(\.description)
    if let report = try? reader.verify(repair: false) { _ = report.problems.map(\.description) }
    return 0
}
