#if canImport(Glibc)
import Glibc
#endif
import ActivityModel
import Crypto
import Foundation

/// When the writer calls fdatasync.
public enum FsyncPolicy: String, Sendable, CaseIterable {
    /// After every append (group commit: one append holds everything queued).
    case batch
    /// At most every `fsync_interval` (the store service's timer calls ``SegmentWriter/sync()``).
    case interval
    /// Only when a segment is sealed and at shutdown.
    case rotation
}

/// Writer settings (the `[store]` table of the configuration).
public struct StoreOptions: Sendable, Hashable {
    /// A segment is sealed once it reaches this many bytes. Default 32 MiB.
    public var segmentMaxBytes: Int = 32 * 1024 * 1024
    /// Nanoseconds.
    public var segmentMaxAge: Int64 = 3_600 * 1_000_000_000
    /// When fdatasync runs; default ``FsyncPolicy/interval``.
    public var fsync: FsyncPolicy = .interval
    /// Retention by size: the oldest sealed segments are deleted while the store holds more bytes; nil keeps all.
    public var retainBytes: Int? = nil
    /// Nanoseconds.
    public var retainAge: Int64? = nil
    /// The sealing key file (`activityctl setup-keys`); nil: no sealing.
    public var sealKeyPath: String? = nil

    /// The defaults: 32 MiB or one hour per segment, fsync on an interval, no retention, no sealing.
    public init() {}
}

/// What recovery found and did at start.
public struct RecoveryReport: Sendable, Hashable, CustomStringConvertible {
    /// Segment files found at start.
    public var segments = 0
    /// Bytes cut from the active segment's tail (a torn or uncommitted write).
    public var bytesCut = 0
    /// Events kept in the active segment.
    public var recordsKept = 0
    /// Valid event frames cut because no commit followed them (their seq numbers are skipped, never reused).
    public var uncommittedEventsCut = 0
    /// Indexes rebuilt because they were missing, stale or damaged.
    public var indexesRebuilt: [String] = []
    /// Damage found in sealed segments (reading goes on after it).
    public var damage: [StoreDamage] = []
    /// Sealing: the epoch of the key in use after recovery (nil when the store is not sealed).
    public var sealEpoch: UInt64?

    /// One line for the log: what was found, cut and rebuilt.
    public var description: String {
        var parts = ["\(segments) segment(s)", "\(recordsKept) event(s) in the active segment"]
        if bytesCut > 0 {
            parts.append("cut \(bytesCut) byte(s) of torn tail (\(uncommittedEventsCut) uncommitted event(s))")
        }
        if !indexesRebuilt.isEmpty { parts.append("rebuilt \(indexesRebuilt.count) index(es)") }
        if !damage.isEmpty { parts.append("\(damage.count) damaged frame(s) in sealed segments") }
        if let e = sealEpoch { parts.append("sealing at epoch \(e)") }
        return parts.joined(separator: ", ")
    }
}

/// The only writer of a data directory: appends events in CRC-framed commits, rotates, seals with an index,
/// recovers at start, applies retention. Not thread-safe: one owner (the store service) calls it.
///
/// Durability contract: ``append(_:positions:now:)`` writes the events and a commit frame holding the given
/// input positions in one `pwrite`; recovery keeps a commit only when it is complete, so events and the
/// positions they advance are stored together or not at all. ``durableSeq`` tells which events are on disk
/// (fsynced) under the configured ``FsyncPolicy``.
public final class SegmentWriter {
    /// The data directory this writer owns (it holds its `LOCK`).
    public let dataDirectory: String
    /// `<dataDirectory>/segments`.
    public let segmentsDirectory: String
    /// The settings it was opened with.
    public let options: StoreOptions
    /// Host name written into new segment headers.
    public let host: String
    /// What recovery found and did when the writer opened the directory.
    public private(set) var recovery = RecoveryReport()
    /// The latest position of every input, as committed: keyed by ``ActivityModel/InputID/stored`` (the store
    /// keeps the names opaque, as the commit frames hold them; ``ActivityModel/InputID/positions(_:)`` reads them).
    public private(set) var positions: [String: String] = [:]
    /// The seq the next event gets.
    public private(set) var nextSeq: UInt64 = 1
    /// Every event with seq < durableSeq has been fsynced.
    public private(set) var durableSeq: UInt64 = 1
    /// Segments sealed by this writer since it opened.
    public private(set) var segmentsSealed = 0
    /// Bytes of frames ``append(_:positions:now:)`` wrote since the writer opened.
    public private(set) var bytesWritten = 0

    private let lock: FileHandle
    private var active: FileHandle
    private var activeFirstSeq: UInt64
    private var activeCreated: Timestamp
    private var activeSize: Int
    /// Builds the active segment's index on its own thread (``IndexWorker``).
    private var index: IndexWorker
    /// Events of the active segment handed to ``index`` (all of them, once an append returns).
    private var indexedEvents: UInt64
    /// Per events frame of an append, its string table and its events' string ids (kept for reuse).
    private var frameTables: [FrameStringTable] = []
    private var frameRefs: [[EventRefs]] = []
    private var dirty = false
    /// Events of the active segment covered by its prefix index on disk.
    private var indexedCount: UInt64 = 0
    /// The active segment gets a prefix index every this many events, so readers scan at most this many.
    public static let prefixIndexEvery: UInt64 = 250_000
    /// ``prefixIndexEvery`` for this writer (tests write prefix indexes after fewer events).
    var prefixIndexInterval = SegmentWriter.prefixIndexEvery

    /// Forward-secure sealing of what this writer appends (nil: the store is not sealed).
    struct Sealing {
        var path: String
        var key: SealKeyState
        /// The SHA-256 of the active segment's bytes since the last seal (from `start`).
        var hasher = SHA256()
        var start = 0
        /// The tag of the newest seal in the store (the chain's link), or the genesis tag.
        var lastTag = Seal.genesis
    }
    private var sealing: Sealing?
    /// Seals written by this writer.
    public private(set) var sealsWritten = 0

    /// Path of the active segment: the one appends go to.
    public var activeSegmentPath: String {
        segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: activeFirstSeq)
    }
    /// True when something was appended since the last fdatasync (``sync()`` has work to do).
    public var hasUnsyncedData: Bool { dirty }

    /// Opens (creating if needed) the data directory, takes its lock, and recovers.
    /// - Throws: `StoreError` with code `.locked` when another process writes this directory.
    public init(dataDirectory: String, options: StoreOptions, host: String? = nil, now: Timestamp? = nil)
        throws(StoreError)
    {
        self.dataDirectory = dataDirectory
        self.segmentsDirectory = dataDirectory + "/segments"
        self.options = options
        self.host = host ?? FS.hostName()
        let now = now ?? SystemClock.now()
        try FS.makeDirectory(segmentsDirectory)
        let lockPath = dataDirectory + "/LOCK"
        lock = try FileHandle.open(lockPath, flags: O_RDWR | O_CREAT, mode: 0o640)
        guard lock.tryLock() else {
            let holder = (try? lock.readAll()).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() } ?? "?"
            throw StoreError(
                .locked, "another activityd (pid \(holder)) is writing this data directory; only one writer may run",
                path: dataDirectory)
        }
        try? lock.truncate(to: 0)
        let pid = Array("\(getpid())\n".utf8)
        try? lock.write(pid, at: 0)

        var report = RecoveryReport()
        let names = try FS.list(segmentsDirectory)
        for n in names where n.hasSuffix(".tmp") { FS.remove(segmentsDirectory + "/" + n) }
        let firsts = names.compactMap(SegmentFormat.firstSeq(fromSegmentName:)).sorted()
        report.segments = firsts.count

        // Sealed segments: every one but the newest must have a good index.
        for first in firsts.dropLast() {
            let seg = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: first)
            let idx = segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: first)
            let size = FS.fileSize(seg) ?? 0
            let ok: Bool
            if let i = try? SegmentIndex(path: idx, verifyChecksum: true), i.segmentLength == UInt64(size),
                i.firstSeq == first
            {
                ok = true
                nextSeq = max(nextSeq, i.firstSeq + i.eventCount)
            } else {
                ok = false
            }
            if !ok {
                let rebuilt = try SegmentWriter.rebuildIndex(segmentPath: seg, indexPath: idx)
                report.indexesRebuilt.append(idx)
                report.damage += rebuilt.damage
                nextSeq = max(nextSeq, rebuilt.nextSeq)
            }
        }

        // The active segment: cut its tail back to the last complete commit.
        if let first = firsts.last {
            let seg = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: first)
            let activeIdx = segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: first)
            let h = try FileHandle.open(seg, flags: O_RDWR)
            let bytes = try h.readAll()
            var builder = IndexBuilder(firstSeq: first)
            var header: SegmentHeader?
            var keepEnd = 0
            var pendingEvents = 0
            var maxSeqSeen: UInt64 = 0
            var commitNext: UInt64 = first
            var pos: [String: String] = [:]
            var frameEvents: [(Int, UInt64, [ActivityEvent])] = []
            var lastSeal: (record: SealRecord, end: Int)?
            bytes.withUnsafeBytes { b in
                header = SegmentHeader.parse(b)
                guard let hd = header else { return }
                // Only what precedes the first frame that is not valid, or not usable here, is kept (ScanPolicy.recovery).
                var scan = FrameScanner(b, from: hd.length, policy: .recovery)
                keepEnd = hd.length
                while let step = scan.next() {
                    guard case .frame(let f) = step else { break }
                    if f.kind == SegmentFormat.frameEvents {
                        guard let evs = FrameParser.events(in: b, frame: f) else { break }
                        frameEvents.append((f.offset, f.baseSeq, evs))
                        pendingEvents += evs.count
                        if f.count > 0 { maxSeqSeen = max(maxSeqSeen, f.baseSeq + UInt64(f.count) - 1) }
                    } else if f.kind == SegmentFormat.frameCommit, let c = FrameParser.commit(in: b, frame: f) {
                        if c.isFull { pos = c.positions } else { pos.merge(c.positions) { $1 } }
                        commitNext = max(commitNext, c.nextSeq)
                        for (off, base, evs) in frameEvents {
                            builder.addFrame(offset: off, baseSeq: base, events: evs)
                            for e in evs { builder.add(e) }
                            report.recordsKept += evs.count
                        }
                        frameEvents.removeAll()
                        pendingEvents = 0
                        keepEnd = f.end
                    } else if f.kind == SegmentFormat.frameSeal, frameEvents.isEmpty,
                        let sr = FrameParser.seal(in: b, frame: f)
                    {
                        // A seal follows a commit; a complete one stays (it covers only committed bytes).
                        lastSeal = (sr, f.end)
                        keepEnd = f.end
                    } else {
                        break
                    }
                }
            }
            // A prefix index of the active segment (written at close or checkpoint) stays only if it covers
            // nothing that was just cut.
            if let i = try? SegmentIndex(path: activeIdx, verifyChecksum: true), i.firstSeq == first,
                i.segmentLength <= UInt64(keepEnd)
            {
                indexedCount = i.eventCount
            } else {
                FS.remove(activeIdx)
            }
            if let hd = header {
                if keepEnd < bytes.count {
                    report.bytesCut = bytes.count - keepEnd
                    report.uncommittedEventsCut = pendingEvents
                    try h.truncate(to: keepEnd)
                    try h.sync()
                }
                positions = pos
                nextSeq = max(nextSeq, commitNext, maxSeqSeen + 1, first)
                // Seqs of cut events are skipped, never reused; a commit records the skip, so that every seq
                // number the store does not hold is explained by its commits (`verify` reports other gaps).
                var skipCommit: [UInt8] = []
                if nextSeq > commitNext {
                    skipCommit = SegmentFormat.frame(
                        SegmentFormat.commitBody(nextSeq: nextSeq, time: now, full: false, positions: []))
                    try h.write(skipCommit, at: keepEnd)
                    try h.sync()
                }
                active = h
                activeFirstSeq = first
                activeCreated = hd.created
                activeSize = keepEnd + skipCommit.count
                index = IndexWorker(builder)
                indexedEvents = builder.eventCount
                if positions.isEmpty, let prev = firsts.dropLast().last {
                    positions = SegmentWriter.lastPositions(segmentsDirectory: segmentsDirectory, first: prev) ?? [:]
                }
                durableSeq = nextSeq
                if let path = options.sealKeyPath {
                    var st = Sealing(path: path, key: try SealKeyState.load(path: path))
                    if let (sr, end) = lastSeal {
                        st.lastTag = sr.tag
                        st.start = end
                    } else if let prev = firsts.dropLast().last {
                        st.lastTag =
                            SegmentWriter.lastSealTag(segmentsDirectory: segmentsDirectory, first: prev) ?? Seal.genesis
                    }
                    // The unsealed tail written before the restart: sealed by the next seal.
                    bytes.withUnsafeBytes { b in
                        st.hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: b[st.start..<keepEnd]))
                    }
                    skipCommit.withUnsafeBytes { st.hasher.update(bufferPointer: $0) }
                    sealing = st
                    report.sealEpoch = st.key.epoch
                }
                recovery = report
                // A tail left unsealed by a crash is sealed with the key of its time, before the key moves on.
                try sealIfDue(now: now)
                return
            }
            // The header itself is torn: the segment never held a commit. Replace it.
            report.bytesCut = bytes.count
            FS.remove(seg)
            if let prev = firsts.dropLast().last {
                positions = SegmentWriter.lastPositions(segmentsDirectory: segmentsDirectory, first: prev) ?? [:]
            }
            nextSeq = max(nextSeq, first)
        }
        if let path = options.sealKeyPath {
            var st = Sealing(path: path, key: try SealKeyState.load(path: path))
            if let prev = firsts.last, FS.exists(segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: prev)) {
                st.lastTag =
                    SegmentWriter.lastSealTag(segmentsDirectory: segmentsDirectory, first: prev) ?? Seal.genesis
            } else if let prev = firsts.dropLast().last {
                st.lastTag =
                    SegmentWriter.lastSealTag(segmentsDirectory: segmentsDirectory, first: prev) ?? Seal.genesis
            }
            sealing = st
            report.sealEpoch = st.key.epoch
        }
        let (h, bytes) = try SegmentWriter.create(
            segmentsDirectory: segmentsDirectory, firstSeq: nextSeq, created: now,
            host: self.host, positions: positions)
        active = h
        activeFirstSeq = nextSeq
        activeCreated = now
        activeSize = bytes.count
        index = IndexWorker(IndexBuilder(firstSeq: nextSeq))
        indexedEvents = 0
        durableSeq = nextSeq
        recovery = report
        if let st = sealing {
            bytes.withUnsafeBytes { sealing!.hasher.update(bufferPointer: $0) }
            // Nothing older is unsealed: the key moves to the clock's epoch before anything new is sealed.
            try evolveKey(to: st.key.epoch(at: now))
        }
    }

    /// The tag of the last seal frame in a segment (nil: it holds none).
    static func lastSealTag(segmentsDirectory: String, first: UInt64) -> [UInt8]? {
        let seg = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: first)
        guard let m = try? MappedFile(path: seg) else { return nil }
        let b = m.bytes
        guard let hd = SegmentHeader.parse(b) else { return nil }
        var tag: [UInt8]?
        var scan = FrameScanner(b, from: hd.length, policy: .sealed)
        while let step = scan.next() {
            if case .frame(let f) = step, f.kind == SegmentFormat.frameSeal, let s = FrameParser.seal(in: b, frame: f) {
                tag = s.tag
            }
        }
        return tag
    }

    /// Positions from the last commit of a sealed segment (full checkpoint merged with what followed).
    static func lastPositions(segmentsDirectory: String, first: UInt64) -> [String: String]? {
        let seg = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: first)
        guard let m = try? MappedFile(path: seg) else { return nil }
        let b = m.bytes
        guard let hd = SegmentHeader.parse(b) else { return nil }
        var pos: [String: String] = [:]
        var scan = FrameScanner(b, from: hd.length, policy: .sealed)
        while let step = scan.next() {
            if case .frame(let f) = step, f.kind == SegmentFormat.frameCommit,
                let c = FrameParser.commit(in: b, frame: f)
            {
                if c.isFull { pos = c.positions } else { pos.merge(c.positions) { $1 } }
            }
        }
        return pos
    }

    static func create(
        segmentsDirectory: String, firstSeq: UInt64, created: Timestamp, host: String,
        positions: [String: String]
    ) throws(StoreError) -> (FileHandle, [UInt8]) {
        let path = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: firstSeq)
        let h = try FileHandle.open(path, flags: O_RDWR | O_CREAT | O_TRUNC, mode: 0o640)
        var bytes = SegmentFormat.encodeHeader(firstSeq: firstSeq, created: created, host: host)
        // Every segment starts with a full checkpoint, so retention can delete older segments freely.
        bytes += SegmentFormat.frame(
            SegmentFormat.commitBody(
                nextSeq: firstSeq, time: created, full: true, positions: positions.sorted { $0.key < $1.key }))
        try h.write(bytes, at: 0)
        try h.sync()
        FS.syncDirectory(segmentsDirectory)
        return (h, bytes)
    }

    /// Appends events (assigning their seq numbers in order) and commits the positions they advance, in one
    /// write. The events' own `seq` fields are ignored.
    /// - Returns: the sequence numbers given to the events (nil when there were none).
    /// - Throws: `StoreError` (`.noSpace` on a full disk). Nothing of a failed append stays in the file, and
    ///   the sequence numbers it would have used are given to the next append.
    @discardableResult
    public func append(_ events: [ActivityEvent], positions newPositions: [InputPosition] = [], now: Timestamp? = nil)
        throws(StoreError) -> ClosedRange<UInt64>?
    {
        let now = now ?? SystemClock.now()
        if events.isEmpty && newPositions.isEmpty { return nil }
        try rotateIfNeeded(now: now)
        let out = events
        var bytes = RawByteBuffer(capacity: events.count * 128 + 64)
        var frames: [(offset: Int, base: UInt64, range: Range<Int>)] = []
        var seq = nextSeq
        var i = 0
        var eventBytes = RawByteBuffer(capacity: SegmentFormat.targetFrameBytes + 4096)
        // Out of the object while encoding: no exclusivity check per access of a class property.
        var tables = frameTables, refs = frameRefs
        frameTables = []; frameRefs = []
        defer { frameTables = tables; frameRefs = refs }
        while i < out.count {
            let frameStart = i
            let base = seq
            // Each frame's table and string ids stay until the index takes them, after the write.
            let k = frames.count
            if k == tables.count { tables.append(FrameStringTable(capacity: 1024)); refs.append([]) }
            tables[k].reset()
            eventBytes.removeAll()
            var n = 0
            while i < out.count, i - frameStart < SegmentFormat.maxEventsPerFrame,
                eventBytes.count < SegmentFormat.targetFrameBytes
            {
                if n == refs[k].count { refs[k].append(EventRefs()) }
                // The event goes straight after a one-byte length; the rare longer length moves it along.
                let at = eventBytes.count
                eventBytes.u8(0)
                EventCodec.encode(out[i], into: &eventBytes, table: &tables[k], refs: &refs[k][n])
                let length = eventBytes.count - at - 1
                if length < 0x80 {
                    eventBytes.setU8(at: at, UInt8(length))
                } else {
                    var prefix = ByteWriter(capacity: 4)
                    prefix.varint(UInt64(length))
                    eventBytes.open(at: at + 1, prefix.count - 1)
                    for (j, b) in prefix.bytes.enumerated() { eventBytes.setU8(at: at + j, b) }
                }
                seq += 1
                i += 1
                n += 1
            }
            // The frame built in place: length and CRC patched once its body is there (as SegmentFormat.frame).
            let frameAt = bytes.count
            bytes.u32(0)
            bytes.u32(0)
            bytes.u8(SegmentFormat.frameEvents)
            bytes.u64(base)
            bytes.u32(UInt32(i - frameStart))
            tables[k].write(into: &bytes)
            eventBytes.withBytes { bytes.append($0) }
            let bodyLength = bytes.count - frameAt - 8
            let crc = bytes.withBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(frameAt + 8)...])) }
            bytes.patchU32(at: frameAt, UInt32(bodyLength))
            bytes.patchU32(at: frameAt + 4, crc)
            frames.append((activeSize + frameAt, base, frameStart..<i))
        }
        var changed: [(String, String)] = []
        for p in newPositions where positions[p.input.stored] != p.value { changed.append((p.input.stored, p.value)) }
        SegmentFormat.frame(SegmentFormat.commitBody(nextSeq: seq, time: now, full: false, positions: changed))
            .withUnsafeBytes { bytes.append($0) }
        // On failure no partial commit stays behind; the next append reuses these seq numbers (none was committed).
        var failure: StoreError?
        bytes.withBytes { b in
            do throws(StoreError) { try writeAtEnd(b) } catch { failure = error }
        }
        if let failure { throw failure }
        bytes.withBytes { b in sealing?.hasher.update(bufferPointer: b) }
        nextSeq = seq
        for (k, v) in changed { positions[k] = v }
        // The index takes the frames on its own thread; this thread goes on with the next append.
        index.add(
            frames.enumerated().map { k, f in
                IndexWorker.Frame(
                    offset: f.offset, baseSeq: f.base, events: out[f.range], refs: refs[k], table: tables[k])
            })
        indexedEvents += UInt64(out.count)
        if options.fsync == .batch { try sync() }
        if indexedEvents - indexedCount >= prefixIndexInterval { try writePrefixIndex() }
        return events.isEmpty ? nil : (seq - UInt64(events.count))...(seq - 1)
    }

    /// Appends `bytes` to the active segment in one `pwrite`; on failure the segment is cut back to where it was,
    /// so nothing of a failed write stays.
    private func writeAtEnd(_ bytes: [UInt8]) throws(StoreError) {
        var failure: StoreError?
        bytes.withUnsafeBytes { b in
            do throws(StoreError) { try writeAtEnd(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func writeAtEnd(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        do {
            try active.write(bytes, at: activeSize)
        } catch {
            try? active.truncate(to: activeSize)
            throw error
        }
        activeSize += bytes.count
        bytesWritten += bytes.count
        dirty = true
    }

    /// A prefix index written on the index's thread since the last call that could not be written (nil: none
    /// failed). Nothing stored is lost with it: readers scan what no index covers, and the next prefix index,
    /// the rotation's and `close`'s are written again. The daemon asks after each append, to say so and count it.
    public func takePrefixIndexFailure() -> StoreError? { index.pollWriteFailure() }

    /// Writes the index of the active segment as it is now (after an fdatasync, so it never covers bytes
    /// recovery could cut). Readers use it for the prefix it covers and scan the rest. It is encoded and written
    /// on the index's thread (``IndexWorker/writeIndex(path:segmentLength:)``), after the frames appended so far;
    /// ``takePrefixIndexFailure()`` reports a failed write, and ``close(now:)`` waits for the last and throws.
    func writePrefixIndex() throws(StoreError) {
        guard indexedEvents > indexedCount else { return }
        try sync()
        let idxPath = segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: activeFirstSeq)
        index.writeIndex(path: idxPath, segmentLength: activeSize)
        indexedCount = indexedEvents
    }

    /// Waits until the active segment's index holds every event appended (the index is built on its own thread,
    /// ``IndexWorker``; the writer waits for it by itself wherever it reads the index).
    public func waitForIndex() { index.withIndex { _ in } }

    /// fdatasync the active segment if anything was written since the last sync.
    public func sync() throws(StoreError) {
        guard dirty else { return }
        try active.sync()
        dirty = false
        durableSeq = nextSeq
    }

    /// Seals the active segment when it reached its size or age limit (the service calls this on a timer too).
    public func rotateIfNeeded(now: Timestamp) throws(StoreError) {
        let tooBig = activeSize >= options.segmentMaxBytes
        let tooOld = now.nanoseconds - activeCreated.nanoseconds >= options.segmentMaxAge && indexedEvents > 0
        if tooBig || tooOld { try rotate(now: now) }
    }

    /// Seals the active segment (fsync, write its index) and starts a new one.
    public func rotate(now: Timestamp) throws(StoreError) {
        guard indexedEvents > 0 else { return }
        // Every sealed segment ends with a seal.
        if sealing != nil { try seal(now: now, evolve: false) }
        try active.sync()
        dirty = false
        durableSeq = nextSeq
        let idxPath = segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: activeFirstSeq)
        let size = activeSize
        try FS.writeAtomically(idxPath, index.withIndex { $0.encode(segmentLength: size) })
        let (h, bytes) = try SegmentWriter.create(
            segmentsDirectory: segmentsDirectory, firstSeq: nextSeq, created: now,
            host: host, positions: positions)
        active = h
        activeFirstSeq = nextSeq
        activeCreated = now
        activeSize = bytes.count
        if sealing != nil {
            sealing!.hasher = SHA256()
            bytes.withUnsafeBytes { sealing!.hasher.update(bufferPointer: $0) }
            sealing!.start = 0
        }
        let first = nextSeq
        index.withIndex { $0 = IndexBuilder(firstSeq: first) }
        indexedEvents = 0
        indexedCount = 0
        segmentsSealed += 1
        _ = applyRetention(now: now)
    }

    /// Retention keeps every segment holding an event above this seq (the NATS forwarder's last forwarded
    /// event: the store is its outbox). nil: retention by size and age alone.
    public var retentionFloor: (@Sendable () -> UInt64)?

    /// Deletes the oldest sealed segments beyond `retain_bytes` or older than `retain_age`. Never the active
    /// one, nor one holding events above ``retentionFloor``. A reader that has a deleted segment open keeps
    /// reading it (the file lives until closed).
    /// - Returns: the deleted segment paths.
    @discardableResult
    public func applyRetention(now: Timestamp) -> [String] {
        guard options.retainBytes != nil || options.retainAge != nil else { return [] }
        guard let names = try? FS.list(segmentsDirectory) else { return [] }
        let sealed = names.compactMap(SegmentFormat.firstSeq(fromSegmentName:)).sorted().filter { $0 != activeFirstSeq }
        var sizes: [(UInt64, Int)] = sealed.map {
            ($0, FS.fileSize(segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: $0)) ?? 0)
        }
        var total = sizes.reduce(activeSize) { $0 + $1.1 }
        var deleted: [String] = []
        let floor = retentionFloor?()
        while let (first, size) = sizes.first {
            if let floor {
                // This segment's last seq is one below the next segment's first (or the active one's).
                let next = sizes.dropFirst().first?.0 ?? activeFirstSeq
                if next &- 1 > floor { break }
            }
            var drop = false
            if let max = options.retainBytes, total > max { drop = true }
            if !drop, let age = options.retainAge {
                let idxPath = segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: first)
                if let i = try? SegmentIndex(path: idxPath, verifyChecksum: false), i.maxTime < now.nanoseconds - age {
                    drop = true
                }
            }
            guard drop else { break }
            let seg = segmentsDirectory + "/" + SegmentFormat.segmentName(firstSeq: first)
            FS.remove(seg)
            FS.remove(segmentsDirectory + "/" + SegmentFormat.indexName(firstSeq: first))
            deleted.append(seg)
            total -= size
            sizes.removeFirst()
        }
        if !deleted.isEmpty { FS.syncDirectory(segmentsDirectory) }
        return deleted
    }

    // The lock is released explicitly (see `FileHandle.unlock`), then its descriptor closes with it.
    deinit { lock.unlock() }

    /// Flushes, fsyncs and writes the active segment's prefix index. The active segment stays active: the
    /// next start appends to it.
    public func close(now: Timestamp? = nil) throws(StoreError) {
        // A clean stop seals everything and moves the key one epoch on: the key left on disk cannot seal the past.
        if let st = sealing {
            let now = now ?? SystemClock.now()
            try seal(now: now, evolve: false)
            // One epoch ahead of the clock at most: a second clean stop within one interval keeps the key.
            try evolveKey(to: st.key.epoch(at: now) + 1)
        }
        try sync()
        try writePrefixIndex()
        if let failure = index.takeWriteFailure() { throw failure }
    }

    /// When the clock has entered a later epoch than the key's: seals what was written since the last seal with
    /// the key of the epoch it was written in, then evolves the key to the clock's epoch and saves it (the store
    /// service calls this on its timer). With nothing to seal the key still evolves on time.
    public func sealIfDue(now: Timestamp) throws(StoreError) {
        guard let st = sealing else { return }
        let due = st.key.epoch(at: now)
        guard due > st.key.epoch else { return }
        try seal(now: now, evolve: false)
        try evolveKey(to: due)
    }

    /// Moves the key forward to `epoch` and saves it; the old key values are gone from memory and the file.
    func evolveKey(to epoch: UInt64) throws(StoreError) {
        guard var st = sealing, epoch > st.key.epoch else { return }
        st.key.evolve(steps: epoch - st.key.epoch)
        try st.key.save(path: st.path)
        sealing = st
    }

    /// Writes a seal frame over the bytes since the previous seal (none when nothing new was written), and
    /// with `evolve` moves the key to the next epoch and saves it, erasing the old one.
    public func seal(now: Timestamp, evolve: Bool) throws(StoreError) {
        guard var st = sealing else { return }
        if activeSize > st.start {
            let digest = Array(st.hasher.finalize())
            let tag = Seal.tag(
                key: st.key.key, segmentFirstSeq: activeFirstSeq, start: UInt64(st.start), end: UInt64(activeSize),
                epoch: st.key.epoch, time: now.nanoseconds, previous: st.lastTag, digest: digest)
            let frame = SegmentFormat.frame(
                Seal.body(
                    epoch: st.key.epoch, time: now.nanoseconds, start: UInt64(st.start),
                    previous: st.lastTag, tag: tag))
            try writeAtEnd(frame)
            st.lastTag = tag
            st.start = activeSize
            st.hasher = SHA256()
            sealsWritten += 1
            // The seal must be on disk before the key that made it is destroyed.
            try sync()
        }
        sealing = st
        if evolve { try evolveKey(to: st.key.epoch + 1) }
    }

    /// The sealing key's epoch (nil: not sealing).
    public var sealEpoch: UInt64? { sealing?.key.epoch }

    /// The index a sealed segment's bytes give: its events frames (committed by construction, ``ScanPolicy/sealed``),
    /// skipping damage by resynchronising on the next valid frame; also the seq its frames say comes next, and the
    /// damage met (frames that fail their CRC or do not decode).
    static func indexBuilder(segment b: UnsafeRawBufferPointer, header hd: SegmentHeader, path: String)
        -> (builder: IndexBuilder, nextSeq: UInt64, damage: [StoreDamage])
    {
        var builder = IndexBuilder(firstSeq: hd.firstSeq)
        var damage: [StoreDamage] = []
        var next = hd.firstSeq
        var scan = FrameScanner(b, from: hd.length, policy: .sealed)
        var pending = PendingCommit<(FrameInfo, [ActivityEvent])>()
        func add(_ frames: [(FrameInfo, [ActivityEvent])]) {
            for (f, evs) in frames { builder.addFrame(offset: f.offset, baseSeq: f.baseSeq, events: evs[...]) }
        }
        while let step = scan.next() {
            switch step {
            case .frame(let f) where f.kind == SegmentFormat.frameEvents:
                if let evs = FrameParser.events(in: b, frame: f) {
                    pending.add((f, evs))
                    next = max(next, f.baseSeq + UInt64(f.count))
                } else {
                    damage.append(
                        StoreDamage(
                            path: path, offset: f.offset, reason: "events frame passes its CRC but does not decode"))
                }
            case .frame(let f):
                if f.kind == SegmentFormat.frameCommit, let c = FrameParser.commit(in: b, frame: f) {
                    next = max(next, c.nextSeq)
                }
                add(pending.commit())
            case .damage(let d):
                damage.append(StoreDamage(path: path, d))
            }
        }
        add(pending.end(.sealed))
        return (builder, next, damage)
    }

    /// Scans a segment and writes its index; damaged frames are skipped (resynchronising on the next valid
    /// frame) and reported.
    static func rebuildIndex(segmentPath: String, indexPath: String) throws(StoreError) -> (
        nextSeq: UInt64, damage: [StoreDamage]
    ) {
        let m = try MappedFile(path: segmentPath)
        let b = m.bytes
        guard let hd = SegmentHeader.parse(b) else {
            throw StoreError(.corrupt, "segment header is damaged; cannot index", path: segmentPath)
        }
        let (builder, next, damage) = indexBuilder(segment: b, header: hd, path: segmentPath)
        try FS.writeAtomically(indexPath, builder.encode(segmentLength: b.count))
        return (next, damage)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
