#if canImport(Glibc)
import Glibc
#endif
import ActivityModel
import Crypto

/// What `activityctl verify` found.
public struct VerifyReport: Sendable {
    /// A place `verify` found damaged or inconsistent.
    public typealias Problem = StoreDamage
    /// Segments checked.
    public var segments = 0
    /// Events found in the segments.
    public var events = 0
    /// Everything found wrong: damaged frames and headers, indexes that differ from their segment, sequence gaps
    /// and overlaps, one entry each.
    public var problems: [Problem] = []
    /// Indexes rewritten by `--repair`.
    public var repaired: [String] = []
    /// Sequence numbers seen out of order or twice.
    public var seqErrors = 0
    /// The oldest sequence number the store still holds (retention deletes from the old end).
    public var firstSeq: UInt64?
    /// What the seals prove, when verified with a key.
    public var seals: SealReport?
    /// True when nothing is wrong: no problems, no seq errors, and with a key no seal problems.
    public var isClean: Bool { problems.isEmpty && seqErrors == 0 && (seals?.problems.isEmpty ?? true) }
}

/// What verification with the verification key proved.
public struct SealReport: Sendable {
    /// Seal frames checked.
    public var seals = 0
    /// Everything up to this seal time is authenticated (nil: nothing is).
    public var authenticatedUntil: Timestamp?
    /// Events with a sequence number up to this one are authenticated.
    public var authenticatedThroughSeq: UInt64?
    /// Where the authenticated chain starts: at its first seal (`genesis`), or later because older sealed
    /// segments were deleted (retention).
    public var startsAtGenesis = false
    /// The segment where the authenticated chain starts (its path, followed by `(older sealed segments deleted)`
    /// when the chain does not start at genesis); nil when no seal was found.
    public var chainStart: String?
    /// Segments written before sealing was set up (no seals, before the chain starts).
    public var unsealedBefore: [String] = []
    /// The active segment's bytes after its last seal: written since, or left by a crash.
    public var unsealedTail: (path: String, bytes: Int, events: Int)?
    /// Each place where the seals prove a change: altered bytes, a broken chain, a missing seal.
    public var problems: [VerifyReport.Problem] = []
}

extension StoreReader {
    /// Checks every segment (header, every frame's CRC and contents, seq order and continuity across
    /// segments) and every index against its segment (byte for byte: terms, postings, frame table, seq and time
    /// bounds, accounts). With `repair`, damaged or stale indexes are rebuilt from their segments — under the
    /// data directory's lock, so never behind a running writer's back. With `sealKey`, every seal and the
    /// chain are checked too (``SealReport``).
    public func verify(repair: Bool, sealKey: SealVerificationKey? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        var lastSeq: UInt64 = 0
        /// The seq the previous segment's commits said comes next (nil before the first segment).
        var expectedNext: UInt64?
        var chain = sealKey.map { SealChain(key: $0) }
        var repairLock: DataDirectoryLock?
        if repair {
            repairLock = try DataDirectoryLock(dataDirectory: dataDirectory)
        }
        defer { _ = repairLock }
        let all = try segments()
        report.firstSeq = all.first?.firstSeq
        for s in all {
            report.segments += 1
            let file = try MappedFile(path: s.path)
            let b = file.bytes
            guard let hd = SegmentHeader.parse(b) else {
                report.problems.append(.init(path: s.path, offset: 0, reason: "damaged or unknown segment header"))
                chain?.segmentUnreadable(s.path)
                expectedNext = nil
                continue
            }
            if hd.firstSeq != s.firstSeq {
                report.problems.append(
                    .init(
                        path: s.path, offset: 0, reason: "header first seq \(hd.firstSeq) does not match the file name")
                )
            }
            if let want = expectedNext, want != hd.firstSeq {
                let why =
                    hd.firstSeq > want
                    ? "sequence gap: seq \(want) to \(hd.firstSeq - 1) missing before this segment (a deleted or truncated segment; retention only deletes the oldest)"
                    : "sequence overlap: this segment starts at \(hd.firstSeq), the previous one ends at \(want - 1)"
                report.problems.append(.init(path: s.path, offset: 0, reason: why))
            }
            var expected = hd.firstSeq
            var eventsSinceCommit = false
            var count = 0
            // The index the segment gives, from the events decoded here (each frame is decoded once): committed
            // frames, and in a sealed segment the ones after the last commit too. For the active segment's
            // prefix index, the builder as it was at the end of the bytes that index covers.
            var builder = IndexBuilder(firstSeq: hd.firstSeq)
            var pending = PendingCommit<(FrameInfo, [ActivityEvent])>()
            func index(_ frames: [(FrameInfo, [ActivityEvent])]) {
                for (pf, evs) in frames { builder.addFrame(offset: pf.offset, baseSeq: pf.baseSeq, events: evs[...]) }
            }
            let prefixLength =
                s.isActive
                ? (try? SegmentIndex(path: s.indexPath, verifyChecksum: false)).map { Int($0.segmentLength) } : nil
            var prefixBuilder: IndexBuilder? = prefixLength == hd.length ? builder : nil
            let policy: ScanPolicy = s.isActive ? .active : .sealed
            var scan = FrameScanner(b, from: hd.length, policy: policy)
            chain?.beginSegment(s, header: hd)
            while let step = scan.next() {
                switch step {
                case .frame(let f):
                    switch f.kind {
                    case SegmentFormat.frameEvents:
                        if let evs = FrameParser.events(in: b, frame: f) {
                            for e in evs {
                                if e.seq <= lastSeq { report.seqErrors += 1 }
                                lastSeq = e.seq
                            }
                            if f.baseSeq != expected {
                                report.problems.append(
                                    .init(
                                        path: s.path, offset: f.offset,
                                        reason: f.baseSeq > expected
                                            ? "sequence gap: seq \(expected) to \(f.baseSeq - 1) missing (frames removed?)"
                                            : "events frame starts at seq \(f.baseSeq), expected \(expected)"))
                            }
                            expected = f.baseSeq + UInt64(f.count)
                            eventsSinceCommit = true
                            count += evs.count
                            pending.add((f, evs))
                            chain?.events(f)
                        } else {
                            report.problems.append(
                                .init(
                                    path: s.path, offset: f.offset,
                                    reason: "events frame passes its CRC but does not decode"))
                        }
                    case SegmentFormat.frameCommit:
                        if let c = FrameParser.commit(in: b, frame: f) {
                            // A commit after events says where they end; a commit with no events before it may move
                            // next_seq forward (recovery records the seqs of cut events that way).
                            if c.nextSeq < expected || (eventsSinceCommit && c.nextSeq != expected) {
                                report.problems.append(
                                    .init(
                                        path: s.path, offset: f.offset,
                                        reason:
                                            "commit says next seq \(c.nextSeq), its events end at \(expected - 1) (frames removed or inserted?)"
                                    ))
                            }
                            expected = max(expected, c.nextSeq)
                            eventsSinceCommit = false
                            index(pending.commit())
                            chain?.commit(c.time)
                        } else {
                            report.problems.append(
                                .init(path: s.path, offset: f.offset, reason: "commit frame does not decode"))
                        }
                    case SegmentFormat.frameSeal:
                        if let sr = FrameParser.seal(in: b, frame: f) {
                            chain?.seal(sr, frame: f, bytes: b, path: s.path)
                        } else {
                            report.problems.append(
                                .init(path: s.path, offset: f.offset, reason: "seal frame does not decode"))
                        }
                    default:
                        break
                    }
                    if f.end == prefixLength { prefixBuilder = builder }
                case .damage(let d):
                    report.problems.append(StoreDamage(path: s.path, d))
                }
            }
            chain?.endSegment(s, length: b.count)
            report.events += count
            // In a sealed segment, events are committed by construction even if the commit frame was damaged.
            index(pending.end(policy))
            expectedNext = expected
            if s.isActive {
                // The active segment may carry a prefix index (written at close and at checkpoints).
                guard FS.exists(s.indexPath) else { continue }
                do {
                    let idx = try SegmentIndex(path: s.indexPath, verifyChecksum: true)
                    if idx.segmentLength > UInt64(b.count) || idx.firstSeq != s.firstSeq {
                        throw StoreError(.corrupt, "prefix index covers more than its segment", path: s.indexPath)
                    }
                    // A prefix index ends where a commit (or seal) ends; anywhere else it covers no whole write.
                    guard let prefix = prefixBuilder else {
                        throw StoreError(
                            .corrupt, "prefix index ends at \(idx.segmentLength), not at the end of a commit",
                            path: s.indexPath)
                    }
                    if let why = try StoreReader.compareIndex(
                        path: s.indexPath, builder: prefix, length: Int(idx.segmentLength))
                    {
                        throw StoreError(.corrupt, why, path: s.indexPath)
                    }
                } catch {
                    report.problems.append(.init(path: s.indexPath, offset: nil, reason: "\(error)"))
                    if repair {
                        // Readers scan what no valid index covers; the writer rebuilds it at its next start.
                        FS.remove(s.indexPath)
                        report.repaired.append(s.indexPath)
                    }
                }
                continue
            }
            var indexOK = true
            do {
                let idx = try SegmentIndex(path: s.indexPath, verifyChecksum: true)
                var why: String?
                if idx.segmentLength != UInt64(b.count) {
                    why = "index covers \(idx.segmentLength) bytes, segment has \(b.count)"
                } else if idx.eventCount != UInt64(count) {
                    why = "index counts \(idx.eventCount) events, segment holds \(count)"
                } else if idx.hasAccounts, idx.accountDigests() == nil {
                    why = "index accounts section is damaged"
                } else {
                    why = try StoreReader.compareIndex(path: s.indexPath, builder: builder, length: b.count)
                }
                if let why {
                    indexOK = false
                    report.problems.append(.init(path: s.indexPath, offset: nil, reason: why))
                }
            } catch {
                indexOK = false
                report.problems.append(.init(path: s.indexPath, offset: nil, reason: "\(error)"))
            }
            if !indexOK && repair {
                _ = try SegmentWriter.rebuildIndex(segmentPath: s.path, indexPath: s.indexPath)
                report.repaired.append(s.indexPath)
            }
        }
        report.seals = chain?.report
        return report
    }

    /// Compares an index file with `builder`, the index the segment's first `length` bytes give; nil when they
    /// are the same bytes, else what differs (frames, counts, bounds, terms or postings).
    static func compareIndex(path: String, builder: IndexBuilder, length: Int) throws -> String? {
        let want = builder.encode(segmentLength: length)
        let have = try MappedFile(path: path)
        if have.bytes.count == want.count,
            want.withUnsafeBytes({ w in memcmp(have.bytes.baseAddress!, w.baseAddress!, w.count) == 0 })
        {
            return nil
        }
        // Say what differs, as far as the decoded index tells.
        let idx = try SegmentIndex(path: path, verifyChecksum: true)
        if idx.frames != builder.frames { return "index frame table does not match the segment's frames" }
        if idx.eventCount != builder.eventCount {
            return "index counts \(idx.eventCount) events, segment holds \(builder.eventCount)"
        }
        if idx.eventCount > 0, idx.minTime != builder.minTime || idx.maxTime != builder.maxTime {
            return "index time bounds do not match the segment's events"
        }
        for field in IndexedField.allCases {
            let fresh = builder.postings(field)
            let terms = idx.terms(field: field)
            if Set(terms.map(\.0)) != Set(fresh.keys) {
                return "index terms of \(field.rawValue) do not match the segment's events"
            }
            for (t, list) in fresh where idx.postings(field: field, term: t) != list {
                return "index postings of \(field.rawValue)=\(t) do not match the segment's events"
            }
        }
        // Indexes written before the accounts section existed have none; readers then read the events.
        if idx.hasAccounts {
            guard let digests = idx.accountDigests() else { return "index accounts section is damaged" }
            var have: [String: AccountDigest] = [:]
            for (u, d) in digests { have[u] = d }
            if have != builder.accounts { return "index account digests do not match the segment's events" }
        }
        // Likewise the logins section: its rows must be the segment's login attempts.
        if idx.hasLogins {
            guard let names = idx.userTerms() else { return "index user section is damaged" }
            var rows: [LoginSection.Row] = []
            let intact = idx.loginRows(userCount: names.count) { o, t, kind, risk, user, ip in
                rows.append(
                    LoginSection.Row(ordinal: o, time: t, kind: kind.attemptCode, risk: risk, userSlot: user, ip: ip))
            }
            guard intact else { return "index logins section is damaged" }
            let want = builder.logins
            let same =
                rows.count == want.count
                && zip(rows, want).allSatisfy { have, want in
                    have.ordinal == want.ordinal && have.time == want.time && have.kind == want.kind
                        && have.risk == want.risk && have.ip == want.ip
                        && (have.userSlot < 0 ? nil : names[Int(have.userSlot)])
                            == (want.userSlot < 0 ? nil : builder.users.terms.string(Int(want.userSlot)))
                }
            if !same { return "index login rows do not match the segment's events" }
        }
        return nil
    }
}

/// Walks the seal chain across segments in order (``StoreReader/verify(repair:sealKey:)``).
struct SealChain {
    let key: SealVerificationKey
    var report = SealReport()
    /// The key of `epoch` (derived forward from the first key).
    var epoch: UInt64 = 0
    var epochKey: [UInt8]
    /// The previous seal's tag once the chain has started.
    var lastTag: [UInt8]?
    var lastEpoch: UInt64 = 0
    /// Where the next seal of this segment must start.
    var start = 0
    var segmentHasSeal = false
    var segmentFirstSeq: UInt64 = 0
    /// The highest seq of events frames since the last seal.
    var pendingMaxSeq: UInt64?
    /// The earliest and latest commit times since the last seal.
    var commitTimes: (lo: Int64, hi: Int64)?
    var pendingEvents = 0
    /// True while every seal so far verified (the authenticated prefix is still growing).
    var intact = true

    init(key: SealVerificationKey) {
        self.key = key
        self.epochKey = key.key0
    }

    mutating func problem(_ path: String, _ offset: Int?, _ why: String) {
        report.problems.append(.init(path: path, offset: offset, reason: why))
        intact = false
    }

    mutating func segmentUnreadable(_ path: String) {
        if lastTag != nil { problem(path, 0, "segment unreadable: its seals cannot be checked") }
    }

    mutating func beginSegment(_ s: SegmentInfo, header: SegmentHeader) {
        start = 0
        segmentHasSeal = false
        segmentFirstSeq = header.firstSeq
        commitTimes = nil
        pendingMaxSeq = nil
        pendingEvents = 0
    }

    mutating func commit(_ t: Timestamp) {
        let n = t.nanoseconds
        commitTimes = commitTimes.map { (min($0.lo, n), max($0.hi, n)) } ?? (n, n)
    }

    mutating func events(_ f: FrameInfo) {
        pendingMaxSeq = f.baseSeq + UInt64(f.count) - 1
        pendingEvents += f.count
    }

    /// The key of `e`, derived forward (epochs never go back along a chain).
    mutating func keyOf(_ e: UInt64) -> [UInt8]? {
        if e < epoch { epoch = 0; epochKey = key.key0 }
        guard e - epoch <= Seal.maxEpochJump else { return nil }
        while epoch < e { epochKey = Seal.evolve(epochKey); epoch += 1 }
        return epochKey
    }

    mutating func seal(_ sr: SealRecord, frame f: FrameInfo, bytes b: UnsafeRawBufferPointer, path: String) {
        report.seals += 1
        defer {
            lastTag = sr.tag
            lastEpoch = max(lastEpoch, sr.epoch)
            start = f.end
            segmentHasSeal = true
            pendingMaxSeq = nil
            pendingEvents = 0
            commitTimes = nil
        }
        if Int(sr.start) != start {
            problem(
                path, f.offset,
                "seal covers bytes from \(sr.start), the previous seal ends at \(start): bytes removed or inserted")
            return
        }
        if let last = lastTag {
            if sr.previous != last {
                problem(
                    path, f.offset,
                    "seal chain broken: this seal does not follow the previous seal (a segment or seal deleted, truncated or reordered)"
                )
            }
        } else if report.chainStart == nil {
            report.startsAtGenesis = sr.previous == Seal.genesis
            report.chainStart = report.startsAtGenesis ? path : path + " (older sealed segments deleted)"
        }
        if sr.epoch < lastEpoch {
            problem(path, f.offset, "seal epoch \(sr.epoch) is older than the previous seal's \(lastEpoch)")
        }
        guard let k = keyOf(sr.epoch) else {
            problem(path, f.offset, "seal epoch \(sr.epoch) is implausibly far ahead")
            return
        }
        let digest = Array(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: b[Int(sr.start)..<f.offset])))
        let want = Seal.tag(
            key: k, segmentFirstSeq: segmentFirstSeq, start: sr.start, end: UInt64(f.offset), epoch: sr.epoch,
            time: sr.time.nanoseconds, previous: sr.previous, digest: digest)
        guard want == sr.tag else {
            problem(
                path, f.offset,
                "seal does not verify: bytes \(sr.start) to \(f.offset) of this segment were changed, or the seal was forged"
            )
            return
        }
        // The epoch must be the one of the time its data was committed (or the next: a clean stop moves the key
        // one epoch ahead); a later key re-sealing older history shows here.
        let t0 = key.startSeconds * 1_000_000_000, dt = key.intervalSeconds * 1_000_000_000
        let slack = Seal.slack(interval: dt)
        let lo = t0 + (Int64(clamping: sr.epoch) - 2) * dt - slack, hi = t0 + Int64(clamping: sr.epoch) * dt + slack
        let times =
            commitTimes.map { (min($0.lo, sr.time.nanoseconds), max($0.hi, sr.time.nanoseconds)) } ?? (
                sr.time.nanoseconds, sr.time.nanoseconds
            )
        if times.0 < lo || times.1 >= hi {
            problem(
                path, f.offset,
                "seal of epoch \(sr.epoch) covers data committed from \(Timestamp(nanoseconds: times.0)) to \(Timestamp(nanoseconds: times.1)), outside that epoch: re-sealed with a later key, or the clock was changed"
            )
            return
        }
        if intact {
            report.authenticatedUntil = sr.time
            if let m = pendingMaxSeq { report.authenticatedThroughSeq = m }
        }
    }

    mutating func endSegment(_ s: SegmentInfo, length: Int) {
        if !segmentHasSeal {
            if s.isActive {
                report.unsealedTail = (s.path, length - start, pendingEvents)
            } else if lastTag == nil {
                report.unsealedBefore.append(s.path)
            } else {
                problem(s.path, nil, "segment has no seal though sealing had begun (inserted or rewritten)")
            }
            return
        }
        if start < length {
            if s.isActive {
                report.unsealedTail = (s.path, length - start, pendingEvents)
            } else {
                problem(
                    s.path, start,
                    "\(length - start) byte(s) after the last seal of a sealed segment (appended or rewritten after sealing)"
                )
            }
        }
    }
}
